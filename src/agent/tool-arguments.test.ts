import assert from "node:assert/strict";
import { test } from "node:test";
import { parseToolArguments } from "./tool-arguments.ts";
import { repairToolCall } from "./tool-call-repair.ts";

type Row = {
  input: string;
  /** The arguments after repair, with the repairs named; or the exact line the model gets. */
  want: { value: Record<string, unknown>; repairs: string[] } | { error: string };
};

const fixed = (value: Record<string, unknown>, ...repairs: string[]) => ({ want: { value, repairs } });
const refused = (error: string) => ({ want: { error } });

const ROWS: Row[] = [
  { input: '{"path": "a.ts"}', ...fixed({ path: "a.ts" }) },
  { input: "", ...fixed({}) },
  { input: "   \n", ...fixed({}) },
  { input: '{"path": "a.ts",}', ...fixed({ path: "a.ts" }, "trailing comma") },
  { input: '{"a": [1, 2,],}', ...fixed({ a: [1, 2] }, "trailing comma") },
  { input: "{'path': 'a.ts'}", ...fixed({ path: "a.ts" }, "single quotes") },
  { input: "{'text': 'it\\'s'}", ...fixed({ text: "it's" }, "single quotes") },
  { input: '{path: "a.ts", offset: 3}', ...fixed({ path: "a.ts", offset: 3 }, "unquoted key") },
  { input: '```json\n{"path": "a.ts"}\n```', ...fixed({ path: "a.ts" }, "code fence") },
  { input: '```\n{"path": "a.ts"}\n```', ...fixed({ path: "a.ts" }, "code fence") },
  { input: '```json\n{"path": "a.ts",}', ...fixed({ path: "a.ts" }, "code fence", "trailing comma") },
  {
    input: '{"replace_all": True, "a": None, "b": False}',
    ...fixed({ replace_all: true, a: null, b: false }, "Python literal"),
  },
  { input: '{"path": "a.ts"} and then I will read it', ...fixed({ path: "a.ts" }, "text after the object") },
  {
    input: '{"old_string": "x", "new_string": "y"}}',
    ...fixed({ old_string: "x", new_string: "y" }, "text after the object"),
  },
  { input: 'Sure! The arguments: {"path": "a.ts"}', ...fixed({ path: "a.ts" }, "text before the object") },
  {
    input: JSON.stringify(JSON.stringify({ path: "a.ts" })),
    ...fixed({ path: "a.ts" }, "double-encoded JSON string"),
  },
  {
    input: JSON.stringify("{'path': 'a.ts',}"),
    ...fixed({ path: "a.ts" }, "double-encoded JSON string", "trailing comma", "single quotes"),
  },
  { input: "{\u201cpath\u201d: \u201ca.ts\u201d}", ...fixed({ path: "a.ts" }, "smart quotes") },
  { input: "{\u2018path\u2019: \u2018a.ts\u2019}", ...fixed({ path: "a.ts" }, "smart quotes") },
  { input: '{"pattern": "\\d+\\.ts"}', ...fixed({ pattern: "\\d+\\.ts" }, "invalid escape") },
  { input: '{"a": 1 "b": 2}', ...fixed({ a: 1, b: 2 }, "missing comma") },
  {
    input: '{"content": "line1\nline2"}',
    ...fixed({ content: "line1\nline2" }, "raw control character in a string"),
  },
  { input: '{"path": "a.ts" // the file\n}', ...fixed({ path: "a.ts" }, "comment") },
  { input: '/* args */ {"path": "a.ts"}', ...fixed({ path: "a.ts" }, "comment") },
  // A fence inside a string is content, not a wrapper.
  { input: '{"content": "```ts\\ncode\\n```"}', ...fixed({ content: "```ts\ncode\n```" }) },
  {
    input: '{"content": "```ts\\ncode\\n```",}',
    ...fixed({ content: "```ts\ncode\n```" }, "trailing comma"),
  },
  { input: '{"n": -1.5e3, "u": "\\u00e9"}', ...fixed({ n: -1500, u: "é" }) },
  {
    input: '{"path": "a.ts"',
    ...refused(
      "edit: arguments are not valid JSON at char 16 (it ends before the JSON is complete); send one JSON object",
    ),
  },
  {
    input: '{"path": }',
    ...refused('edit: arguments are not valid JSON at char 10 (unexpected "}"); send one JSON object'),
  },
  {
    input: "{\"path\": 'it's'}",
    ...refused('edit: arguments are not valid JSON at char 14 (unexpected "s"); send one JSON object'),
  },
  {
    input: '{"a": "unterminated}',
    ...refused("edit: arguments are not valid JSON at char 7 (a string is not closed); send one JSON object"),
  },
  {
    input: '{"a": 01}',
    ...refused('edit: arguments are not valid JSON at char 8 (unexpected "1"); send one JSON object'),
  },
  {
    input: '{"path": undefined}',
    ...refused(
      'edit: arguments are not valid JSON at char 10 (unexpected "undefined"); send one JSON object',
    ),
  },
  {
    input: '```json\n{"path": }\n```',
    ...refused('edit: arguments are not valid JSON at char 18 (unexpected "}"); send one JSON object'),
  },
  {
    input: "[1, 2]",
    ...refused("edit: arguments must be a JSON object, not an array; send one JSON object"),
  },
  {
    input: '"just text"',
    ...refused("edit: arguments must be a JSON object, not a string; send one JSON object"),
  },
  { input: "42", ...refused("edit: arguments must be a JSON object, not a number; send one JSON object") },
  { input: "null", ...refused("edit: arguments must be a JSON object, not null; send one JSON object") },
  {
    input: "I will edit the file now.",
    ...refused('edit: arguments are not valid JSON at char 1 (unexpected "I"); send one JSON object'),
  },
];

test("repair: a table of broken tool-call argument texts", () => {
  assert.ok(ROWS.length >= 25);
  for (const { input, want } of ROWS) {
    const got = repairToolCall("edit", input, []);
    if ("error" in want) {
      assert.equal(got.error, want.error, `input ${JSON.stringify(input)}`);
      assert.deepEqual(got.arguments, {});
    } else {
      assert.equal(got.error, undefined, `input ${JSON.stringify(input)}: ${got.error}`);
      assert.deepEqual(got.arguments, want.value, `input ${JSON.stringify(input)}`);
      assert.deepEqual([...got.repairs].sort(), [...want.repairs].sort(), `input ${JSON.stringify(input)}`);
    }
  }
});

test("exact JSON takes the fast path and reports no repairs", () => {
  const parsed = parseToolArguments('{"b": {"c": [1, "x"]}, "a": true}');
  assert.deepEqual(parsed, { ok: true, value: { b: { c: [1, "x"] }, a: true }, repairs: [] });
});

test("a __proto__ key stays an own property and does not change the prototype", () => {
  const parsed = parseToolArguments("{'__proto__': {'polluted': 1},}");
  assert.ok(parsed.ok);
  assert.equal(Object.getPrototypeOf(parsed.value), Object.prototype);
  assert.deepEqual(Object.keys(parsed.value), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("deep nesting is refused with a line, not a stack overflow", () => {
  const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
  const parsed = parseToolArguments(`{"a": ${deep}`);
  assert.ok(!parsed.ok);
  assert.match(parsed.error, /nested too deeply/);
});
