import assert from "node:assert/strict";
import { test } from "node:test";
import * as z from "zod/mini";
import { formatIssue } from "./issues.ts";

const messages = (schema: z.ZodMiniType, value: unknown) => {
  const result = z.safeParse(schema, value, { reportInput: true });
  assert.ok(!result.success);
  return result.error.issues.map(formatIssue);
};

test("each issue kind reads as one plain sentence with its path", () => {
  const schema = z.strictObject({
    path: z.string().check(z.minLength(1)),
    count: z.optional(z.int().check(z.minimum(1), z.maximum(600))),
    mode: z.optional(z.enum(["content", "count"])),
    tags: z.optional(z.array(z.string()).check(z.maxLength(1))),
    url: z.optional(z.url()),
  });
  assert.deepEqual(
    messages(schema, { path: "", count: 0, mode: "x", tags: ["a", "b"], url: "nope", extra: 1 }),
    [
      "path: must be at least 1 character",
      "count: must be >= 1",
      'mode: must be one of "content", "count"',
      "tags: must have at most 1 item",
      "url: must be a valid url",
      'unknown key "extra"',
    ],
  );
  assert.deepEqual(messages(schema, { count: 601 }), [
    "path: expected string, received undefined",
    "count: must be <= 600",
  ]);
  assert.deepEqual(messages(z.array(z.object({ a: z.string() })), [{ a: 1 }]), [
    "[0].a: expected string, received number",
  ]);
  const answer = z.discriminatedUnion("decision", [
    z.strictObject({ decision: z.literal("allow") }),
    z.strictObject({ decision: z.literal("deny") }),
  ]);
  assert.deepEqual(messages(z.object({ answer }), { answer: { decision: "yes" } }), [
    'answer.decision: must be one of "allow", "deny"',
  ]);
});
