import assert from "node:assert/strict";
import { test } from "node:test";
import {
  adapterRunner,
  errorOf,
  imageRequest,
  type ModelAt,
  modelFactory,
  PNG_BASE64,
  simpleRequest,
  sseFrame,
  textOf,
  withRawServer,
} from "../../test/support/adapter-kit.ts";
import type { Message } from "../protocol/messages.ts";
import { streamOpenAIResponses } from "./openai-responses.ts";
import type { ModelRequest, ResolvedModel } from "./provider.ts";

const KEY = "sk-test-secret-0123456789";

const openai = modelFactory({
  provider: "openai",
  id: "gpt-fake",
  api: "openai-responses",
  apiKey: KEY,
  apiKeyEnv: "OPENAI_API_KEY",
  local: false,
});
/** The model at a server's `/v1`. */
const modelAt: ModelAt = (baseUrl, extra) => openai(`${baseUrl}/v1`, extra);
const { collect, run } = adapterRunner(streamOpenAIResponses, modelAt);

/** Runs the adapter against a server that answers every request with this body (shapes a script cannot express). */
const runRaw = (contentType: string, body: string, extra: Partial<ResolvedModel> = {}) =>
  withRawServer(contentType, body, (url) => collect(modelAt(url, extra)));

const sse = (events: Array<Record<string, unknown>>) =>
  events.map((event) => sseFrame(event, String(event.type))).join("");

test("streams text in several deltas, then usage and done", async () => {
  const { events } = await run([
    { text: "Hello there, world", reasoning: "think first", usage: { input: 12, output: 7 } },
  ]);
  assert.ok(events.filter((event) => event.type === "text_delta").length >= 2);
  assert.equal(textOf(events), "Hello there, world");
  assert.equal(textOf(events, "reasoning_delta"), "think first");
  assert.deepEqual(events.slice(-2), [
    { type: "usage", usage: { inputTokens: 12, outputTokens: 7 } },
    { type: "done", stopReason: "stop" },
  ]);
});

test("two tool calls in one response arrive whole, arguments accumulated", async () => {
  const args1 = { path: "src/a.ts", limit: 20 };
  const args2 = { pattern: "TODO", glob: "**/*.ts" };
  const { events } = await run([
    {
      text: "Looking.",
      toolCalls: [
        { id: "call_a", name: "read", arguments: args1 },
        { id: "call_b", name: "grep", arguments: args2 },
      ],
    },
  ]);
  const calls = events.filter((event) => event.type === "tool_call");
  assert.equal(calls.length, 2);
  assert.deepEqual(
    calls.map((call) =>
      call.type === "tool_call" ? [call.id, call.name, JSON.parse(call.argumentsJson)] : [],
    ),
    [
      ["call_a", "read", args1],
      ["call_b", "grep", args2],
    ],
  );
  assert.deepEqual(events.at(-1), { type: "done", stopReason: "tool_use" });
});

test("arguments are accumulated from deltas when the closing events do not repeat them", async () => {
  const item = { type: "function_call", id: "fc_1", call_id: "call_z", name: "grep", arguments: "" };
  const events = await runRaw(
    "text/event-stream",
    sse([
      { type: "response.output_item.added", output_index: 0, item },
      { type: "response.function_call_arguments.delta", output_index: 0, item_id: "fc_1", delta: '{"pat' },
      {
        type: "response.function_call_arguments.delta",
        output_index: 0,
        item_id: "fc_1",
        delta: 'tern":"x"}',
      },
      { type: "response.output_item.done", output_index: 0, item: { type: "function_call", id: "fc_1" } },
      {
        type: "response.output_item.added",
        output_index: 1,
        item: { ...item, id: "fc_2", call_id: "call_y" },
      },
      { type: "response.function_call_arguments.delta", output_index: 1, item_id: "fc_2", delta: "{}" },
      { type: "response.completed", response: { status: "completed" } },
    ]),
  );
  assert.deepEqual(events, [
    { type: "tool_call", id: "call_z", name: "grep", argumentsJson: '{"pattern":"x"}' },
    { type: "tool_call", id: "call_y", name: "grep", argumentsJson: "{}" },
    { type: "done", stopReason: "tool_use" },
  ]);
});

test("non-streamed: reads the response object's output array", async () => {
  const { events, server } = await run(
    [
      {
        text: "All done",
        reasoning: "hmm",
        toolCalls: [{ id: "call_x", name: "ls", arguments: { path: "." } }],
      },
    ],
    simpleRequest,
    { stream: false },
  );
  assert.equal(server.modelRequests[0].body?.stream, false);
  assert.equal(textOf(events), "All done");
  assert.equal(textOf(events, "reasoning_delta"), "hmm");
  assert.deepEqual(
    events.filter((event) => event.type === "tool_call"),
    [{ type: "tool_call", id: "call_x", name: "ls", argumentsJson: '{"path":"."}' }],
  );
  assert.deepEqual(events.slice(-2), [
    { type: "usage", usage: { inputTokens: 10, outputTokens: 5 } },
    { type: "done", stopReason: "tool_use" },
  ]);
});

test("request: instructions, input items for a tool round trip, tools, auth header, key not in URL", async () => {
  const messages: Message[] = [
    { role: "user", content: "read two files" },
    {
      role: "assistant",
      stopReason: "tool_use",
      content: [
        { type: "reasoning", text: "plan" },
        { type: "text", text: "Reading both." },
        { type: "tool_call", id: "call_1", name: "read", arguments: { path: "a.ts" } },
        { type: "tool_call", id: "call_2", name: "read", arguments: { path: "b.ts" } },
      ],
    },
    { role: "tool", toolCallId: "call_1", toolName: "read", content: "A", isError: false },
    { role: "tool", toolCallId: "call_2", toolName: "read", content: "no such file", isError: true },
  ];
  const parameters = { type: "object", properties: { path: { type: "string" } }, required: ["path"] };
  const request: ModelRequest = {
    system: "You are hearth.",
    messages,
    tools: [{ name: "read", description: "Read a file", parameters }],
    maxOutputTokens: 256,
  };
  const { server } = await run([{ text: "ok" }], request, { headers: { "x-extra": "1" } });
  const recorded = server.modelRequests[0];
  assert.equal(recorded.path, "/v1/responses");
  assert.ok(!recorded.path.includes(KEY));
  assert.equal(recorded.headers.authorization, `Bearer ${KEY}`);
  assert.equal(recorded.headers["x-extra"], "1");
  assert.match(String(recorded.headers["content-type"]), /application\/json/);
  assert.deepEqual(recorded.body, {
    model: "gpt-fake",
    instructions: "You are hearth.",
    input: [
      { role: "user", content: [{ type: "input_text", text: "read two files" }] },
      { role: "assistant", content: [{ type: "output_text", text: "Reading both." }] },
      { type: "function_call", call_id: "call_1", name: "read", arguments: '{"path":"a.ts"}' },
      { type: "function_call", call_id: "call_2", name: "read", arguments: '{"path":"b.ts"}' },
      { type: "function_call_output", call_id: "call_1", output: "A" },
      { type: "function_call_output", call_id: "call_2", output: "no such file" },
    ],
    tools: [{ type: "function", name: "read", description: "Read a file", parameters, strict: false }],
    max_output_tokens: 256,
    store: false,
    stream: true,
  });
});

test("no authorization header without a key", async () => {
  const { server } = await run([{ text: "ok" }], simpleRequest, { apiKey: undefined });
  assert.equal(server.modelRequests[0].headers.authorization, undefined);
});

test("usage subtracts cached tokens from input and reports them as cache reads", async () => {
  const events = await runRaw(
    "text/event-stream",
    sse([
      { type: "response.output_text.delta", output_index: 0, item_id: "m", delta: "hi" },
      {
        type: "response.completed",
        response: {
          status: "completed",
          usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 60 }, output_tokens: 9 },
        },
      },
    ]),
  );
  assert.deepEqual(events.slice(-2), [
    { type: "usage", usage: { inputTokens: 40, outputTokens: 9, cacheReadTokens: 60 } },
    { type: "done", stopReason: "stop" },
  ]);
});

test("max_output_tokens: response.incomplete ends with done length", async () => {
  const { events } = await run([{ text: "partial answer", stop: "length" }]);
  assert.deepEqual(events.at(-1), { type: "done", stopReason: "length" });
});

test("a body that ends cleanly without response.completed is cut short", async () => {
  const events = await runRaw(
    "text/event-stream",
    sse([{ type: "response.output_text.delta", output_index: 0, item_id: "m", delta: "hi" }]),
  );
  const error = errorOf(events);
  assert.equal(error.kind, "network");
  assert.match(error.message, /before the response was complete/);
});

test("error events and response.failed become error events", async () => {
  const failed = await runRaw(
    "text/event-stream",
    sse([
      {
        type: "response.failed",
        response: { status: "failed", error: { code: "server_error", message: "boom" } },
      },
    ]),
  );
  assert.equal(errorOf(failed).kind, "server");
  assert.match(errorOf(failed).message, /boom/);
  const limited = await runRaw(
    "text/event-stream",
    sse([{ type: "error", code: "rate_limit_exceeded", message: "slow down", param: null }]),
  );
  assert.equal(errorOf(limited).kind, "rate_limit");
  const filtered = await runRaw(
    "text/event-stream",
    sse([
      {
        type: "response.incomplete",
        response: { status: "incomplete", incomplete_details: { reason: "content_filter" } },
      },
    ]),
  );
  assert.match(errorOf(filtered).message, /content_filter/);
});

test("a non-JSON body for a non-streamed request is malformed", async () => {
  const events = await runRaw("text/html", "<html>proxy</html>", { stream: false });
  assert.equal(errorOf(events).kind, "malformed");
});

test("request: an image is an input_image with a data URL, before the prompt's input_text", async () => {
  const { server } = await run([{ text: "red" }], imageRequest);
  assert.deepEqual(server.modelRequests[0].body?.input, [
    {
      role: "user",
      content: [
        { type: "input_image", image_url: `data:image/png;base64,${PNG_BASE64}` },
        { type: "input_text", text: "what is this?" },
      ],
    },
    { role: "assistant", content: [{ type: "output_text", text: "a square" }] },
    { role: "user", content: [{ type: "input_text", text: "what colour?" }] },
  ]);
});
