import assert from "node:assert/strict";
import { test } from "node:test";
import { toHistory } from "./embedded.ts";
import {
  AnswerStream,
  grammarSchema,
  parseReply,
  type ReplyTool,
  replyInstructions,
  replySchema,
} from "./embedded-reply.ts";

const read: ReplyTool = {
  name: "read",
  description: "Read a file.",
  parameters: {
    type: "object",
    properties: {
      path: { type: "string", description: "File path." },
      offset: { type: "integer", minimum: 1 },
      limit: { type: "integer", minimum: 1 },
    },
    required: ["path"],
  },
};

const grep: ReplyTool = {
  name: "grep",
  description: "Search.",
  parameters: {
    type: "object",
    properties: {
      pattern: { type: "string", minLength: 1 },
      path: { type: "string" },
      glob: { type: "string" },
      ignore_case: { type: "boolean" },
      output_mode: { type: "string", enum: ["content", "files_with_matches"] },
    },
    required: ["pattern"],
  },
};

test("the reply schema: an answer, or one alternative per tool with its own arguments", () => {
  const schema = replySchema([read]) as { oneOf: Array<{ properties: Record<string, unknown> }> };
  assert.deepEqual(schema.oneOf[0], { type: "object", properties: { answer: { type: "string" } } });
  assert.deepEqual(schema.oneOf[1].properties.tool, { const: "read" });
  // Two optional properties: every subset is an alternative, fewest first; bounds are left to the runtime.
  const args = schema.oneOf[1].properties.arguments as {
    oneOf: Array<{ properties: Record<string, unknown> }>;
  };
  assert.deepEqual(
    args.oneOf.map((shape) => Object.keys(shape.properties)),
    [["path"], ["path", "offset"], ["path", "limit"], ["path", "offset", "limit"]],
  );
  assert.deepEqual(args.oneOf[3].properties.offset, { type: "integer" });
});

test("objects with many optional properties take null for a left-out one; enums, arrays, any values", () => {
  const schema = grammarSchema(grep.parameters) as { properties: Record<string, unknown> };
  assert.deepEqual(schema.properties.pattern, { type: "string", minLength: 1 });
  assert.deepEqual(schema.properties.path, { oneOf: [{ type: "string" }, { type: "null" }] });
  assert.deepEqual(schema.properties.output_mode, {
    oneOf: [{ enum: ["content", "files_with_matches"] }, { type: "null" }],
  });
  assert.deepEqual(grammarSchema({ type: "array", items: { type: "string" }, maxItems: 3 }), {
    type: "array",
    items: { type: "string" },
    maxItems: 3,
  });
  assert.deepEqual(grammarSchema({ type: ["string", "null"] }), { type: ["string", "null"] });
  assert.deepEqual(grammarSchema({ type: "object" }), { type: "object", properties: {} });
  assert.ok("oneOf" in grammarSchema({ description: "anything" }));
});

test("parsing a finished reply: answers, tool calls without the nulls of left-out arguments, cut-off JSON", () => {
  assert.deepEqual(parseReply('{"answer": "done"}', [read]), { kind: "answer", text: "done" });
  assert.deepEqual(parseReply('{"tool": "read", "arguments": {"path": "a.ts", "offset": null}}', [read]), {
    kind: "tool",
    name: "read",
    arguments: { path: "a.ts" },
  });
  assert.deepEqual(parseReply('{"tool": "grep", "arguments": {"pattern": "x", "path": null}}', [grep]), {
    kind: "tool",
    name: "grep",
    arguments: { pattern: "x" },
  });
  assert.deepEqual(parseReply('{"tool": "read", "arguments": {"path": "a', [read]), { kind: "incomplete" });
  assert.deepEqual(parseReply('{"tool": "write", "arguments": {}}', [read]), { kind: "incomplete" });
});

test("an answer streams as it is generated, escapes decoded, half escapes held back", () => {
  const stream = new AnswerStream();
  const pieces = ['{"ans', 'wer": "Hel', "lo\\", "n wor", "ld \\u00", "e9\\ud83d", '\\ude00 ok"', "}"];
  let raw = "";
  let text = "";
  for (const piece of pieces) {
    raw += piece;
    text += stream.push(raw);
  }
  assert.equal(text, "Hello\n world é😀 ok");
  const tool = new AnswerStream();
  assert.equal(tool.push('{"tool": "read", "arguments": {"path": "x"}}'), "");
});

test("the history: instructions in the system prompt, calls written back as the grammar writes them", () => {
  const history = toHistory(
    {
      system: "Be brief.",
      tools: [read],
      messages: [
        { role: "user", content: "Read a.ts" },
        {
          role: "assistant",
          content: [{ type: "tool_call", id: "c1", name: "read", arguments: { path: "a.ts" } }],
          stopReason: "tool_use",
        },
        { role: "tool", toolCallId: "c1", toolName: "read", content: "1\tx", isError: false },
        { role: "user", content: "And?" },
        { role: "assistant", content: [{ type: "text", text: "It is x." }], stopReason: "stop" },
      ],
    },
    true,
  );
  assert.equal(history[0].type, "system");
  assert.ok(history[0].type === "system" && history[0].text.startsWith("Be brief.\n\n# Replying"));
  assert.deepEqual(history.slice(1), [
    { type: "user", text: "Read a.ts" },
    { type: "model", response: ['{"tool":"read","arguments":{"path":"a.ts"}}'] },
    // A tool result and the next user message become one user turn.
    { type: "user", text: "Result of read:\n1\tx\n\nAnd?" },
    { type: "model", response: ['{"answer":"It is x."}'] },
  ]);
  const plain = toHistory({ system: "", tools: [], messages: [{ role: "user", content: "hi" }] }, false);
  assert.deepEqual(plain, [{ type: "user", text: "hi" }]);
  // The engine reads text only: an image that reached it anyway is its placeholder, never its base64.
  const image = {
    type: "image" as const,
    mediaType: "image/png" as const,
    data: "iVBORw0KGgo=",
    name: "a.png",
  };
  const withImage = toHistory(
    { system: "", tools: [], messages: [{ role: "user", content: [image, { type: "text", text: "hi" }] }] },
    false,
  );
  assert.deepEqual(withImage, [{ type: "user", text: "[image: a.png, 8 B]\nhi" }]);
});

test("the instructions list each tool with its arguments", () => {
  const text = replyInstructions([read]);
  assert.match(text, /## read\nRead a file\.\nArguments:\n- path \(string, required\): File path\./);
  assert.match(text, /- offset \(\{"type":"integer","minimum":1\}\)/);
});
