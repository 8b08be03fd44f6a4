/**
 * Human messages for schema validation issues. hearth uses `zod/mini` (about 15 ms to import instead of about
 * 80 ms for classic zod on Node 20), which ships without message texts; this is the one place they are written.
 */
import type * as z from "zod/mini";

type Issue = z.core.$ZodIssue;

/** `"a.b[0]"`-style path of an issue, or "" at the root. */
export function issuePath(issue: Issue): string {
  let out = "";
  for (const key of issue.path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export function describeIssue(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected}${"input" in issue ? `, received ${typeOf(issue.input)}` : ""}`;
    case "too_small":
      return bound(issue.origin, "least", issue.inclusive ? ">=" : ">", issue.minimum);
    case "too_big":
      return bound(issue.origin, "most", issue.inclusive ? "<=" : "<", issue.maximum);
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_union":
      // A discriminated union whose discriminator matched none of its options.
      if ("options" in issue && issue.options?.length)
        return `must be one of ${issue.options.map((v) => JSON.stringify(v)).join(", ")}`;
      return issue.message && issue.message !== "Invalid input" ? issue.message : "invalid value";
    case "invalid_format":
      return issue.message && issue.message !== "Invalid input"
        ? issue.message
        : `must be a valid ${issue.format}`;
    default:
      return issue.message && issue.message !== "Invalid input" ? issue.message : "invalid value";
  }
}

/** "path: message" for one issue. */
export function formatIssue(issue: Issue): string {
  const path = issuePath(issue);
  return path ? `${path}: ${describeIssue(issue)}` : describeIssue(issue);
}

/** "must be at least 3 characters", "must have at most 1 item", "must be >= 1". */
function bound(origin: string, side: "least" | "most", operator: string, limit: number | bigint): string {
  const plural = (word: string) => (Number(limit) === 1 ? word : `${word}s`);
  if (origin === "string") return `must be at ${side} ${limit} ${plural("character")}`;
  if (origin === "array" || origin === "set") return `must have at ${side} ${limit} ${plural("item")}`;
  return `must be ${operator} ${limit}`;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
