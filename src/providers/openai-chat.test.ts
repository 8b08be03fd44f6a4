import assert from "node:assert/strict";
import { test } from "node:test";
import type { FakeTurn } from "../../test/fake-server/script.ts";
import {
  adapterRunner,
  errorOf,
  imageRequest,
  modelFactory,
  PNG_BASE64,
  sseFrame,
  textOf,
  withFake,
  withRawServer,
} from "../../test/support/adapter-kit.ts";
import type { Message } from "../protocol/messages.ts";
import { streamOpenAIChat } from "./openai-chat.ts";
import type { ModelRequest } from "./provider.ts";

const modelAt = modelFactory({ provider: "lmstudio", id: "fake-model", api: "openai-chat", local: true });
const { collect } = adapterRunner(streamOpenAIChat, modelAt);

/** Runs `run` against a server that answers every request with one fixed SSE body, at its `/v1` base URL. */
const withRawSse = (body: string, run: (baseUrl: string) => Promise<void>) =>
  withRawServer("text/event-stream", body, (url) => run(`${url}/v1`));

const sse = (...chunks: unknown[]) => chunks.map((chunk) => sseFrame(chunk)).join("");

test("streams text and reasoning in several deltas, then usage and done", async () => {
  await withFake(
    [{ reasoning: "Think it over", text: "Hello there, world", usage: { input: 12, output: 5 } }],
    async (fake) => {
      const events = await collect(modelAt(`${fake.url}/v1`));
      assert.ok(events.filter((e) => e.type === "text_delta").length >= 2);
      assert.equal(textOf(events), "Hello there, world");
      assert.equal(textOf(events, "reasoning_delta"), "Think it over");
      assert.deepEqual(events.slice(-2), [
        { type: "usage", usage: { inputTokens: 12, outputTokens: 5 } },
        { type: "done", stopReason: "stop" },
      ]);
    },
  );
});

test("two tool calls in one response arrive whole, in order, with their arguments", async () => {
  const first = { path: "src/a.ts", range: [1, 20] };
  const second = { pattern: "TODO\\(x\\)", glob: "**/*.ts", nested: { deep: 'välue "quoted"' } };
  const script: FakeTurn[] = [
    {
      text: "Looking.",
      toolCalls: [
        { id: "call_a", name: "read", arguments: first },
        { name: "grep", arguments: second },
      ],
    },
  ];
  await withFake(script, async (fake) => {
    const events = await collect(modelAt(`${fake.url}/v1`));
    const calls = events.filter((e) => e.type === "tool_call");
    assert.equal(calls.length, 2);
    assert.deepEqual(
      calls.map((c) => [c.id, c.name, JSON.parse(c.argumentsJson)]),
      [
        ["call_a", "read", first],
        ["call_fake_1", "grep", second],
      ],
    );
    assert.deepEqual(events.at(-1), { type: "done", stopReason: "tool_use" });
  });
});

test("non-streamed reply: one JSON body becomes the same events", async () => {
  const script: FakeTurn[] = [
    {
      text: "Done.",
      reasoning: "r",
      toolCalls: [{ name: "ls", arguments: { path: "." } }],
      usage: { input: 3, output: 4 },
    },
  ];
  await withFake(script, async (fake) => {
    const events = await collect(modelAt(`${fake.url}/v1`, { stream: false }));
    assert.equal(fake.modelRequests[0].body?.stream, false);
    assert.equal(fake.modelRequests[0].body?.stream_options, undefined);
    assert.deepEqual(events, [
      { type: "reasoning_delta", text: "r" },
      { type: "text_delta", text: "Done." },
      { type: "tool_call", id: "call_fake_0", name: "ls", argumentsJson: '{"path":"."}' },
      { type: "usage", usage: { inputTokens: 3, outputTokens: 4 } },
      { type: "done", stopReason: "tool_use" },
    ]);
  });
});

test("request: endpoint, headers and exact body with system, tools and tool-call history", async () => {
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
    {
      role: "assistant",
      content: [{ type: "tool_call", id: "c3", name: "ls", arguments: {} }],
      stopReason: "tool_use",
    },
    { role: "tool", toolCallId: "c3", toolName: "ls", content: "", isError: false },
  ];
  const tools = [{ name: "ls", description: "List files", parameters: { type: "object", properties: {} } }];
  const request: ModelRequest = {
    system: "Be brief.",
    messages: history,
    tools,
    maxOutputTokens: 256,
    temperature: 0.2,
  };
  await withFake([{ text: "ok" }], async (fake) => {
    const model = modelAt(`${fake.url}/v1`, {
      provider: "groq",
      local: false,
      apiKey: "sk-test",
      headers: { "x-extra": "1" },
    });
    await collect(model, request);
    const recorded = fake.modelRequests[0];
    assert.equal(recorded.path, "/v1/chat/completions");
    assert.equal(recorded.headers.authorization, "Bearer sk-test");
    assert.equal(recorded.headers["x-extra"], "1");
    assert.equal(recorded.headers["content-type"], "application/json");
    assert.deepEqual(recorded.body, {
      model: "fake-model",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "list and read" },
        {
          role: "assistant",
          content: "Sure.",
          tool_calls: [
            { id: "c1", type: "function", function: { name: "ls", arguments: '{"path":"."}' } },
            { id: "c2", type: "function", function: { name: "read", arguments: '{"path":"a.ts"}' } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "a.ts" },
        { role: "tool", tool_call_id: "c2", content: "no such file" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c3", type: "function", function: { name: "ls", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "c3", content: "" },
      ],
      tools: [{ type: "function", function: tools[0] }],
      max_tokens: 256,
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

test("request without a key, tools or limits sends none of them", async () => {
  await withFake([{ text: "ok" }], async (fake) => {
    await collect(modelAt(`${fake.url}/v1`), {
      system: "",
      messages: [{ role: "user", content: "hi" }],
      tools: [],
    });
    const recorded = fake.modelRequests[0];
    assert.equal(recorded.headers.authorization, undefined);
    assert.deepEqual(recorded.body, {
      model: "fake-model",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

test("a body that ends cleanly without finish_reason or [DONE] is cut short", async () => {
  const body = sse({ choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }] });
  await withRawSse(body, async (baseUrl) => {
    const events = await collect(modelAt(baseUrl));
    assert.equal(events[0].type, "text_delta");
    assert.equal(errorOf(events).kind, "network");
  });
});

test("`reasoning` deltas, finish without [DONE], and usage after the finish chunk", async () => {
  const body = sse(
    { choices: [{ index: 0, delta: { reasoning: "hmm" }, finish_reason: null }] },
    { choices: [{ index: 0, delta: { content: "ok" }, finish_reason: null }] },
    { choices: [{ index: 0, delta: {}, finish_reason: "length" }] },
    {
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } },
    },
  );
  await withRawSse(body, async (baseUrl) => {
    assert.deepEqual(await collect(modelAt(baseUrl)), [
      { type: "reasoning_delta", text: "hmm" },
      { type: "text_delta", text: "ok" },
      { type: "usage", usage: { inputTokens: 6, outputTokens: 2, cacheReadTokens: 4 } },
      { type: "done", stopReason: "length" },
    ]);
  });
});

test("tool calls without `index`, or sharing one index with new ids, stay separate calls", async () => {
  const piece = (call: Record<string, unknown>) => ({
    choices: [{ index: 0, delta: { tool_calls: [call] } }],
  });
  const body = sse(
    piece({ id: "a", function: { name: "ls", arguments: '{"pa' } }),
    piece({ function: { arguments: 'th":"."}' } }),
    piece({ index: 0, id: "b", function: { name: "read", arguments: "" } }),
    piece({ index: 0, function: { arguments: '{"path":"x"}' } }),
    piece({ index: 0, id: "c", function: { name: "grep", arguments: "{}" } }),
    { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
    "[DONE]",
  );
  await withRawSse(body, async (baseUrl) => {
    const calls = (await collect(modelAt(baseUrl))).filter((e) => e.type === "tool_call");
    assert.deepEqual(
      calls.map((c) => [c.id, c.name, c.argumentsJson]),
      [
        ["a", "ls", '{"path":"."}'],
        ["b", "read", '{"path":"x"}'],
        ["c", "grep", "{}"],
      ],
    );
  });
});

test("an error chunk inside a 200 stream becomes an error event", async () => {
  const body = sse(
    { choices: [{ index: 0, delta: { content: "par" }, finish_reason: null }] },
    { error: { code: 502, message: "upstream provider failed" } },
    "[DONE]",
  );
  await withRawSse(body, async (baseUrl) => {
    const error = errorOf(await collect(modelAt(baseUrl, { provider: "openrouter", local: false })));
    assert.equal(error.kind, "server");
    assert.match(error.message, /upstream provider failed/);
  });
});

test("request: a prompt with an image is a list of parts, the image a data URL; plain text stays a string", async () => {
  await withFake([{ text: "red" }], async (fake) => {
    await collect(modelAt(`${fake.url}/v1`), imageRequest);
    assert.deepEqual(fake.modelRequests[0].body?.messages, [
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
          { type: "text", text: "what is this?" },
        ],
      },
      { role: "assistant", content: "a square" },
      { role: "user", content: "what colour?" },
    ]);
  });
});
