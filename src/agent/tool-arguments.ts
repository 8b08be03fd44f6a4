/**
 * Parsing a model's tool-call arguments. Exact JSON first; then the near-misses small models produce: what
 * lenient-json.ts accepts, a code fence or prose around the object, junk after it, and an object sent as a JSON
 * string. Each repair is named so logs can say what was fixed; what cannot be read is one line saying where.
 */
import { readLenientValue, skipSpace } from "./lenient-json.ts";

export const ARGUMENT_REPAIR = {
  codeFence: "code fence",
  textBefore: "text before the object",
  textAfter: "text after the object",
  doubleEncoded: "double-encoded JSON string",
} as const;

export type ParsedArguments =
  | { ok: true; value: Record<string, unknown>; repairs: string[] }
  | { ok: false; error: string };

/** A place to start reading, where the region ends, and the repair that choosing it implies. */
type Candidate = { start: number; end: number; repair?: string };

export function parseToolArguments(text: string): ParsedArguments {
  return parse(text, { nested: false });
}

function parse(text: string, options: { nested: boolean }): ParsedArguments {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: {}, repairs: [] };
  try {
    return fromValue(JSON.parse(trimmed), [], options);
  } catch {
    // Not exact JSON: try the repairs below.
  }
  let furthest = { at: -1, reason: "" };
  for (const candidate of candidates(text)) {
    const read = readLenientValue(text, candidate.start);
    if (!read.ok) {
      if (read.at > furthest.at) furthest = read;
      continue;
    }
    const repairs = candidate.repair ? [candidate.repair, ...read.repairs] : read.repairs;
    if (skipSpace(text, read.end) < candidate.end) repairs.push(ARGUMENT_REPAIR.textAfter);
    return fromValue(read.value, repairs, options);
  }
  return { ok: false, error: `arguments are not valid JSON at char ${furthest.at + 1} (${furthest.reason})` };
}

/** Where the object may start: right away, inside a code fence, or at the first "{" after some prose. */
function candidates(text: string): Candidate[] {
  const first = skipSpace(text, 0);
  const out: Candidate[] = [{ start: 0, end: text.length }];
  const fence = /```[\w-]*[^\S\n]*\n?/.exec(text);
  if (fence) {
    const start = fence.index + fence[0].length;
    const close = text.indexOf("```", start);
    out.push({ start, end: close === -1 ? text.length : close, repair: ARGUMENT_REPAIR.codeFence });
  }
  const brace = text.indexOf("{");
  if (brace > first) out.push({ start: brace, end: text.length, repair: ARGUMENT_REPAIR.textBefore });
  return out;
}

function fromValue(value: unknown, repairs: string[], options: { nested: boolean }): ParsedArguments {
  if (isObject(value)) return { ok: true, value, repairs: unique(repairs) };
  if (typeof value === "string" && !options.nested) {
    const inner = parse(value, { nested: true });
    if (inner.ok) {
      return {
        ok: true,
        value: inner.value,
        repairs: unique([...repairs, ARGUMENT_REPAIR.doubleEncoded, ...inner.repairs]),
      };
    }
  }
  return { ok: false, error: `arguments must be a JSON object, not ${kindOf(value)}` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
