import assert from "node:assert/strict";
import { test } from "node:test";
import type { FakeTurn } from "../../test/fake-server/script.ts";
import {
  adapterRunner,
  errorOf,
  imageRequest,
  modelFactory,
  PNG_BASE64,
  textOf,
  withFake,
  withRawServer,
} from "../../test/support/adapter-kit.ts";
import type { Message } from "../protocol/messages.ts";
import { streamOllama } from "./ollama.ts";
import type { ModelRequest } from "./provider.ts";

const modelAt = modelFactory({
  provider: "ollama",
  id: "qwen3:8b",
  api: "ollama",
  local: true,
  numCtx: 32768,
});
const { collect } = adapterRunner(streamOllama, modelAt);

/** Runs `run` against a server that answers every request with these NDJSON lines. */
const withRawNdjson = (lines: unknown[], run: (baseUrl: string) => Promise<void>) =>
  withRawServer("application/x-ndjson", lines.map((line) => `${JSON.stringify(line)}\n`).join(""), run);

test("streams thinking and text in several deltas, then usage and done", async () => {
  await withFake(
    [{ reasoning: "Let me see", text: "Hello there, world", usage: { input: 40, output: 7 } }],
    async (fake) => {
      const events = await collect(modelAt(fake.url));
      assert.ok(events.filter((e) => e.type === "text_delta").length >= 2);
      assert.equal(textOf(events), "Hello there, world");
      assert.equal(textOf(events, "reasoning_delta"), "Let me see");
      assert.deepEqual(events.slice(-2), [
        { type: "usage", usage: { inputTokens: 40, outputTokens: 7 } },
        { type: "done", stopReason: "stop" },
      ]);
    },
  );
});

test("two tool calls: object arguments round-trip, missing ids are synthesized and unique", async () => {
  const first = { path: "src/a.ts", range: [1, 20] };
  const second = { pattern: "TODO\\(x\\)", nested: { deep: 'välue "quoted"' } };
  await withFake(
    [
      {
        toolCalls: [
          { name: "read", arguments: first },
          { name: "grep", arguments: second },
        ],
      },
    ],
    async (fake) => {
      const events = await collect(modelAt(fake.url));
      const calls = events.filter((e) => e.type === "tool_call");
      assert.deepEqual(
        calls.map((c) => [c.name, JSON.parse(c.argumentsJson)]),
        [
          ["read", first],
          ["grep", second],
        ],
      );
      assert.ok(calls.every((c) => c.id.length > 0));
      assert.notEqual(calls[0].id, calls[1].id);
      assert.deepEqual(events.at(-1), { type: "done", stopReason: "tool_use" });
    },
  );
});

test("tool call ids the server sends are kept", async () => {
  await withFake([{ toolCalls: [{ id: "call_x1", name: "ls", arguments: {} }] }], async (fake) => {
    const calls = (await collect(modelAt(fake.url))).filter((e) => e.type === "tool_call");
    assert.deepEqual(calls, [{ type: "tool_call", id: "call_x1", name: "ls", argumentsJson: "{}" }]);
  });
});

test("non-streamed reply: one JSON body becomes the same events", async () => {
  const script: FakeTurn[] = [
    {
      text: "Done.",
      reasoning: "r",
      toolCalls: [{ id: "t1", name: "ls", arguments: { path: "." } }],
      usage: { input: 3, output: 4 },
    },
  ];
  await withFake(script, async (fake) => {
    const events = await collect(modelAt(fake.url, { stream: false }));
    assert.equal(fake.modelRequests[0].body?.stream, false);
    assert.deepEqual(events, [
      { type: "reasoning_delta", text: "r" },
      { type: "text_delta", text: "Done." },
      { type: "tool_call", id: "t1", name: "ls", argumentsJson: '{"path":"."}' },
      { type: "usage", usage: { inputTokens: 3, outputTokens: 4 } },
      { type: "done", stopReason: "tool_use" },
    ]);
  });
});

test("done_reason length is a length stop", async () => {
  await withFake([{ text: "trunc", stop: "length" }], async (fake) => {
    assert.deepEqual((await collect(modelAt(fake.url))).at(-1), { type: "done", stopReason: "length" });
  });
});

test("request: /api/chat (not /v1) with num_ctx always set and the exact body", async () => {
  const history: Message[] = [
    { role: "user", content: "list and read" },
    {
      role: "assistant",
      content: [
        { type: "reasoning", text: "plan" },
        { type: "text", text: "Sure." },
        { type: "tool_call", id: "c1", name: "ls", arguments: { path: "." } },
        { type: "tool_call", id: "c2", name: "read", arguments: { path: "a.ts" } },
      ],
      stopReason: "tool_use",
    },
    { role: "tool", toolCallId: "c1", toolName: "ls", content: "a.ts", isError: false },
    { role: "tool", toolCallId: "c2", toolName: "read", content: "no such file", isError: true },
  ];
  const tools = [{ name: "ls", description: "List files", parameters: { type: "object", properties: {} } }];
  const request: ModelRequest = {
    system: "Be brief.",
    messages: history,
    tools,
    maxOutputTokens: 512,
    temperature: 0.1,
  };
  await withFake([{ text: "ok" }], async (fake) => {
    await collect(modelAt(fake.url), request);
    const recorded = fake.modelRequests[0];
    assert.equal(recorded.method, "POST");
    assert.equal(recorded.path, "/api/chat");
    assert.deepEqual(recorded.body, {
      model: "qwen3:8b",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "list and read" },
        {
          role: "assistant",
          content: "Sure.",
          tool_calls: [
            { function: { name: "ls", arguments: { path: "." } } },
            { function: { name: "read", arguments: { path: "a.ts" } } },
          ],
        },
        { role: "tool", content: "a.ts", tool_name: "ls" },
        { role: "tool", content: "no such file", tool_name: "read" },
      ],
      tools: [{ type: "function", function: tools[0] }],
      stream: true,
      options: { num_ctx: 32768, temperature: 0.1, num_predict: 512 },
      keep_alive: "30m",
    });
  });
});

test("num_ctx is sent even when nothing else goes in options", async () => {
  await withFake([{ text: "ok" }], async (fake) => {
    await collect(modelAt(fake.url, { numCtx: 8192 }));
    assert.deepEqual(fake.modelRequests[0].body?.options, { num_ctx: 8192 });
    assert.equal(fake.modelRequests[0].body?.tools, undefined);
  });
});

test("a body that ends cleanly without done:true is cut short", async () => {
  await withRawNdjson([{ message: { role: "assistant", content: "Hel" }, done: false }], async (baseUrl) => {
    const events = await collect(modelAt(baseUrl));
    assert.deepEqual(events[0], { type: "text_delta", text: "Hel" });
    assert.equal(errorOf(events).kind, "network");
  });
});

test("an error line inside a 200 stream becomes an error event", async () => {
  const lines = [
    { message: { role: "assistant", content: "par" }, done: false },
    { error: "model runner crashed" },
  ];
  await withRawNdjson(lines, async (baseUrl) => {
    const error = errorOf(await collect(modelAt(baseUrl)));
    assert.equal(error.kind, "server");
    assert.match(error.message, /model runner crashed/);
  });
});

test("request: /api/chat takes a message's images as base64 in `images`, beside its text", async () => {
  await withFake([{ text: "red" }], async (fake) => {
    await collect(modelAt(fake.url), imageRequest);
    assert.deepEqual(fake.modelRequests[0].body?.messages, [
      { role: "user", content: "what is this?", images: [PNG_BASE64] },
      { role: "assistant", content: "a square" },
      { role: "user", content: "what colour?" },
    ]);
  });
});
