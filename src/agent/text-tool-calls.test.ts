import assert from "node:assert/strict";
import { test } from "node:test";
import type { ToolSpec } from "../protocol/messages.ts";
import { createToolCallTextFilter, extractTextToolCalls } from "./text-tool-calls.ts";

const specs: ToolSpec[] = [
  {
    name: "read",
    description: "Read a file",
    parameters: { type: "object", properties: { path: { type: "string" }, offset: { type: "integer" } } },
  },
  {
    name: "ls",
    description: "List",
    parameters: { type: "object", properties: { path: { type: "string" } } },
  },
];

test("tagged calls are read out and removed from the visible text", () => {
  const text =
    'Let me look.\n<tool_call>\n{"name": "read", "arguments": {"path": "a.ts"}}\n</tool_call>\n' +
    '<tool_call>{"name": "ls", "arguments": {}}</tool_call>';
  assert.deepEqual(extractTextToolCalls(text, specs), {
    visible: "Let me look.",
    calls: [
      { name: "read", arguments: { path: "a.ts" }, repairs: [] },
      { name: "ls", arguments: {}, repairs: [] },
    ],
  });
});

test("near-misses inside a tag are repaired and named", () => {
  const rows: Array<[string, { name: string; arguments: Record<string, unknown>; repairs: string[] }]> = [
    // The closing tag is missing at the end of the response.
    [
      '<tool_call>{"name": "read", "arguments": {"path": "a.ts"}}',
      { name: "read", arguments: { path: "a.ts" }, repairs: [] },
    ],
    [
      "<tool_call>{'name': 'Read', 'arguments': {'Path': 'a.ts',}}</tool_call>",
      {
        name: "read",
        arguments: { path: "a.ts" },
        repairs: [
          "single quotes",
          "trailing comma",
          'tool name "Read" -> "read"',
          'argument "Path" -> "path"',
        ],
      },
    ],
    [
      '<tool_call>{"name": "read", "arguments": "{\\"path\\": \\"a.ts\\"}"}</tool_call>',
      { name: "read", arguments: { path: "a.ts" }, repairs: ["double-encoded JSON string"] },
    ],
    [
      '<tool_call>{"name": "read", "parameters": {"path": "a.ts"}}</tool_call>',
      { name: "read", arguments: { path: "a.ts" }, repairs: ['"parameters" for "arguments"'] },
    ],
    [
      '<tool_call>\n```json\n{"name": "ls", "arguments": {"path": "."}}\n```\n</tool_call>',
      { name: "ls", arguments: { path: "." }, repairs: ["code fence"] },
    ],
  ];
  for (const [text, want] of rows) {
    const got = extractTextToolCalls(text, specs);
    assert.equal(got.visible, "", text);
    assert.deepEqual(
      got.calls.map((c) => ({ ...c, repairs: [...c.repairs].sort() })),
      [{ ...want, repairs: [...want.repairs].sort() }],
      text,
    );
  }
});

test("an array in one tag is several calls; an unclosed tag before another still ends there", () => {
  const array = extractTextToolCalls(
    '<tool_call>[{"name": "ls", "arguments": {}}, {"name": "read", "arguments": {"path": "b"}}]</tool_call>',
    specs,
  );
  assert.deepEqual(
    array.calls.map((c) => c.name),
    ["ls", "read"],
  );
  const unclosed = extractTextToolCalls(
    '<tool_call>{"name": "ls", "arguments": {}}\n<tool_call>{"name": "read", "arguments": {"path": "b"}}</tool_call>',
    specs,
  );
  assert.deepEqual(
    unclosed.calls.map((c) => [c.name, c.arguments]),
    [
      ["ls", {}],
      ["read", { path: "b" }],
    ],
  );
});

test("an unreadable tag becomes a call with one line for the model", () => {
  const got = extractTextToolCalls(
    'Reading.\n<tool_call>{"name": "read", "arguments": {"path": }}</tool_call>',
    specs,
  );
  assert.equal(got.visible, "Reading.");
  assert.deepEqual(got.calls, [
    {
      name: "read",
      arguments: {},
      repairs: [],
      error: 'read: the <tool_call> block is not valid JSON (unexpected "}"); send one JSON object',
    },
  ]);
  const nameless = extractTextToolCalls('<tool_call>{"tool": "read"}</tool_call>', specs);
  assert.equal(
    nameless.calls[0].error,
    'tool call: a <tool_call> block needs {"name": ..., "arguments": {...}}; send one JSON object',
  );
});

test("without tags: a fenced call or a bare call object naming a known tool counts", () => {
  const fenced = extractTextToolCalls(
    'I will read it.\n```json\n{"name": "read", "arguments": {"path": "a.ts"}}\n```',
    specs,
  );
  assert.deepEqual(fenced, {
    visible: "I will read it.",
    calls: [{ name: "read", arguments: { path: "a.ts" }, repairs: ["fenced tool call"] }],
  });
  const bare = extractTextToolCalls(' {"name": "ls", "arguments": {"path": "src"}}\n', specs);
  assert.deepEqual(bare, {
    visible: "",
    calls: [{ name: "ls", arguments: { path: "src" }, repairs: ["tool call without tags"] }],
  });
});

test("JSON in an ordinary answer stays text", () => {
  const answers = [
    'Use this config:\n```json\n{"name": "my-app", "version": "1.0.0"}\n```',
    '```json\n{"name": "deploy", "arguments": {"env": "prod"}}\n```',
    '{"name": "read", "arguments": {"path": "a"}, "extra": 1}',
    "No tools needed: the answer is 42.",
  ];
  for (const text of answers)
    assert.deepEqual(extractTextToolCalls(text, specs), { visible: text, calls: [] }, text);
});

test("the stream filter hides tag blocks even when tags are split across deltas", () => {
  const text = 'Looking <tool_call>{"name": "ls", "arguments": {}}</tool_call> done <tool';
  for (const size of [1, 2, 3, 5, 7, 11, text.length]) {
    const filter = createToolCallTextFilter();
    let shown = "";
    for (let i = 0; i < text.length; i += size) shown += filter.push(text.slice(i, i + size));
    shown += filter.flush();
    assert.equal(shown, "Looking  done <tool", `piece size ${size}`);
  }
  const open = createToolCallTextFilter();
  assert.equal(open.push("a <tool_call>{...") + open.flush(), "a ", "an unclosed block is never shown");
});
