import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { FakeTurn } from "../../test/fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../../test/fake-server/server.ts";
import {
  adapterRunner,
  errorOf,
  imageRequest,
  modelFactory,
  PNG_BASE64,
  type RawServer,
  simpleRequest,
  sseFrame,
  startRawServer,
  textOf,
  toolCallsOf,
} from "../../test/support/adapter-kit.ts";
import { streamAnthropicMessages } from "./anthropic-messages.ts";
import type { ModelRequest } from "./provider.ts";

const API_KEY = "sk-ant-test-secret-0123456789";
const servers: Array<FakeServer | RawServer> = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

const modelFor = modelFactory({
  provider: "anthropic",
  id: "claude-test-1",
  api: "anthropic-messages",
  apiKey: API_KEY,
  apiKeyEnv: "ANTHROPIC_API_KEY",
  local: false,
});
const { collect } = adapterRunner(streamAnthropicMessages, modelFor);

async function fake(script: FakeTurn[]): Promise<FakeServer> {
  const server = await startFakeServer({ script });
  servers.push(server);
  return server;
}

/** A server that answers every request with one fixed SSE body (for frames the script cannot make). */
async function rawSse(body: string): Promise<string> {
  const server = await startRawServer("text/event-stream", body);
  servers.push(server);
  return server.url;
}

const sse = (event: string, data: Record<string, unknown>) => sseFrame({ type: event, ...data }, event);

describe("anthropic-messages: responses", () => {
  test("streamed text arrives as deltas, then usage and done", async () => {
    const server = await fake([{ text: "Hello there, world!", usage: { input: 12, output: 4 } }]);
    const events = await collect(modelFor(server.url));
    assert.ok(events.filter((event) => event.type === "text_delta").length >= 2);
    assert.equal(textOf(events), "Hello there, world!");
    assert.deepEqual(events.slice(-2), [
      { type: "usage", usage: { inputTokens: 12, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0 } },
      { type: "done", stopReason: "stop" },
    ]);
    assert.equal(server.modelRequests[0].path, "/v1/messages");
    assert.equal(server.modelRequests[0].body?.stream, true);
  });

  test("two streamed tool calls come back whole, with their arguments", async () => {
    const readArgs = { path: "src/index.ts", range: { start: 1, end: 40 }, tags: ["a", "b"] };
    const server = await fake([
      {
        text: "Let me look.",
        toolCalls: [
          { name: "read", arguments: readArgs },
          { id: "toolu_custom", name: "bash", arguments: { command: "ls -la" } },
        ],
      },
    ]);
    const events = await collect(modelFor(server.url));
    assert.equal(textOf(events), "Let me look.");
    const calls = toolCallsOf(events);
    assert.deepEqual(
      calls.map((call) => [call.id, call.name]),
      [
        ["toolu_1", "read"],
        ["toolu_custom", "bash"],
      ],
    );
    assert.deepEqual(JSON.parse(calls[0].argumentsJson), readArgs);
    assert.deepEqual(JSON.parse(calls[1].argumentsJson), { command: "ls -la" });
    assert.deepEqual(events.at(-1), { type: "done", stopReason: "tool_use" });
  });

  test("a tool call with no arguments has argumentsJson {}", async () => {
    const server = await fake([{ toolCalls: [{ name: "ls", arguments: {} }] }]);
    const [call] = toolCallsOf(await collect(modelFor(server.url)));
    assert.equal(call.argumentsJson, "{}");
  });

  test("streamed thinking arrives as reasoning deltas, with the signature", async () => {
    const server = await fake([{ reasoning: "The user wants a greeting.", text: "Hi!" }]);
    const events = await collect(modelFor(server.url));
    const reasoning = events.filter((event) => event.type === "reasoning_delta");
    assert.equal(reasoning.map((event) => event.text).join(""), "The user wants a greeting.");
    const signed = reasoning.filter((event) => event.signature);
    assert.equal(signed.length, 1);
    assert.equal(signed[0].text, "");
    assert.match(signed[0].signature ?? "", /^fakesig_/);
    assert.equal(textOf(events), "Hi!");
  });

  test("max_tokens maps to stopReason length", async () => {
    const server = await fake([{ text: "cut", stop: "length" }]);
    assert.deepEqual((await collect(modelFor(server.url))).at(-1), { type: "done", stopReason: "length" });
  });

  test("non-streamed: one JSON body gives the same normalized events", async () => {
    const server = await fake([
      {
        reasoning: "think",
        text: "Done.",
        toolCalls: [{ name: "write", arguments: { path: "a.txt", content: "x" } }],
        usage: { input: 30, output: 7 },
      },
    ]);
    const events = await collect(modelFor(server.url, { stream: false }));
    assert.equal(server.modelRequests[0].body?.stream, false);
    assert.deepEqual(events, [
      {
        type: "reasoning_delta",
        text: "think",
        signature: `fakesig_${Buffer.from("think").toString("base64")}`,
      },
      { type: "text_delta", text: "Done." },
      { type: "tool_call", id: "toolu_1", name: "write", argumentsJson: '{"path":"a.txt","content":"x"}' },
      { type: "usage", usage: { inputTokens: 30, outputTokens: 7, cacheReadTokens: 0, cacheWriteTokens: 0 } },
      { type: "done", stopReason: "tool_use" },
    ]);
  });

  test("cache read and write tokens are reported; input comes from message_start, output from message_delta", async () => {
    const url = await rawSse(
      sse("message_start", {
        message: {
          id: "msg_1",
          content: [],
          usage: {
            input_tokens: 50,
            output_tokens: 1,
            cache_read_input_tokens: 2000,
            cache_creation_input_tokens: 300,
          },
        },
      }) +
        sse("content_block_start", { index: 0, content_block: { type: "text", text: "" } }) +
        sse("content_block_delta", { index: 0, delta: { type: "text_delta", text: "ok" } }) +
        sse("content_block_stop", { index: 0 }) +
        sse("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }) +
        sse("message_stop", {}),
    );
    const events = await collect(modelFor(url));
    assert.deepEqual(events, [
      { type: "text_delta", text: "ok" },
      {
        type: "usage",
        usage: { inputTokens: 50, outputTokens: 9, cacheReadTokens: 2000, cacheWriteTokens: 300 },
      },
      { type: "done", stopReason: "stop" },
    ]);
  });

  test("tool input sent whole in content_block_start is used; unknown events are ignored", async () => {
    const url = await rawSse(
      sse("message_start", { message: { usage: { input_tokens: 3, output_tokens: 1 } } }) +
        sse("content_block_start", {
          index: 0,
          content_block: { type: "tool_use", id: "call_x", name: "grep", input: { pattern: "foo" } },
        }) +
        sse("some_future_event", { whatever: true }) +
        sse("content_block_stop", { index: 0 }) +
        sse("message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 2 } }) +
        sse("message_stop", {}),
    );
    const events = await collect(modelFor(url));
    assert.deepEqual(toolCallsOf(events), [
      { type: "tool_call", id: "call_x", name: "grep", argumentsJson: '{"pattern":"foo"}' },
    ]);
    assert.deepEqual(events.at(-1), { type: "done", stopReason: "tool_use" });
  });
});

describe("anthropic-messages: request", () => {
  test("body and headers: cached system and last tool, tool_use history, grouped tool results", async () => {
    const server = await fake([{ text: "ok" }]);
    const request: ModelRequest = {
      system: "You are hearth.",
      maxOutputTokens: 1024,
      temperature: 0.2,
      tools: [
        {
          name: "read",
          description: "Read a file",
          parameters: { type: "object", properties: { path: { type: "string" } } },
        },
        { name: "bash", description: "Run a command", parameters: { type: "object", properties: {} } },
      ],
      messages: [
        { role: "user", content: "look at a and b" },
        {
          role: "assistant",
          stopReason: "tool_use",
          content: [
            { type: "reasoning", text: "no signature: dropped" },
            { type: "reasoning", text: "signed", signature: "sig-1" },
            { type: "text", text: "" },
            { type: "text", text: "Reading both." },
            { type: "tool_call", id: "toolu_a", name: "read", arguments: { path: "a" } },
            { type: "tool_call", id: "toolu_b", name: "read", arguments: { path: "b" } },
          ],
        },
        { role: "tool", toolCallId: "toolu_a", toolName: "read", content: "A", isError: false },
        { role: "tool", toolCallId: "toolu_b", toolName: "read", content: "no such file", isError: true },
      ],
    };
    await collect(modelFor(server.url, { headers: { "x-extra": "1" } }), request);
    const recorded = server.modelRequests[0];
    assert.equal(recorded.method, "POST");
    assert.equal(recorded.path, "/v1/messages");
    assert.equal(recorded.headers["x-api-key"], API_KEY);
    assert.equal(recorded.headers["anthropic-version"], "2023-06-01");
    assert.equal(recorded.headers["content-type"], "application/json");
    assert.equal(recorded.headers["x-extra"], "1");
    assert.deepEqual(recorded.body, {
      model: "claude-test-1",
      max_tokens: 1024,
      temperature: 0.2,
      stream: true,
      system: [{ type: "text", text: "You are hearth.", cache_control: { type: "ephemeral" } }],
      tools: [
        {
          name: "read",
          description: "Read a file",
          input_schema: { type: "object", properties: { path: { type: "string" } } },
        },
        {
          name: "bash",
          description: "Run a command",
          input_schema: { type: "object", properties: {} },
          cache_control: { type: "ephemeral" },
        },
      ],
      messages: [
        { role: "user", content: [{ type: "text", text: "look at a and b" }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "signed", signature: "sig-1" },
            { type: "text", text: "Reading both." },
            { type: "tool_use", id: "toolu_a", name: "read", input: { path: "a" } },
            { type: "tool_use", id: "toolu_b", name: "read", input: { path: "b" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_a", content: "A", is_error: false },
            {
              type: "tool_result",
              tool_use_id: "toolu_b",
              content: "no such file",
              is_error: true,
              cache_control: { type: "ephemeral" },
            },
          ],
        },
      ],
    });
  });

  test("defaults: max_tokens from the model, then 8192; no tools, no temperature, no key header", async () => {
    const server = await fake([{ text: "a" }, { text: "b" }]);
    await collect(modelFor(server.url, { maxOutputTokens: 4000 }));
    await collect(modelFor(server.url, { apiKey: undefined }));
    const [first, second] = server.modelRequests;
    assert.equal(first.body?.max_tokens, 4000);
    assert.equal(second.body?.max_tokens, 8192);
    assert.equal("tools" in (first.body ?? {}), false);
    assert.equal("temperature" in (first.body ?? {}), false);
    assert.equal(second.headers["x-api-key"], undefined);
    assert.deepEqual(first.body?.messages, [
      { role: "user", content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }] },
    ]);
  });

  test("fake tool ids continue after the tool calls already in the history", async () => {
    const server = await fake([{ toolCalls: [{ name: "ls", arguments: {} }] }]);
    const request: ModelRequest = {
      ...simpleRequest,
      messages: [
        { role: "user", content: "go" },
        {
          role: "assistant",
          stopReason: "tool_use",
          content: [{ type: "tool_call", id: "toolu_1", name: "ls", arguments: {} }],
        },
        { role: "tool", toolCallId: "toolu_1", toolName: "ls", content: "a", isError: false },
      ],
    };
    const [call] = toolCallsOf(await collect(modelFor(server.url), request));
    assert.equal(call.id, "toolu_2");
  });
});

describe("anthropic-messages: errors", () => {
  test("529 overloaded_error is overloaded", async () => {
    const body = JSON.stringify({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
    const server = await fake([{ status: 529, errorBody: body }]);
    const error = errorOf(await collect(modelFor(server.url)));
    assert.equal(error.kind, "overloaded");
    assert.equal(error.retryable, true);
  });

  test("an SSE error event mid-stream is an error, not done", async () => {
    const url = await rawSse(
      sse("message_start", { message: { usage: { input_tokens: 5, output_tokens: 1 } } }) +
        sse("content_block_start", { index: 0, content_block: { type: "text", text: "" } }) +
        sse("content_block_delta", { index: 0, delta: { type: "text_delta", text: "par" } }) +
        sse("error", { error: { type: "overloaded_error", message: "Overloaded" } }),
    );
    const events = await collect(modelFor(url));
    assert.equal(textOf(events), "par");
    const error = errorOf(events);
    assert.equal(error.kind, "overloaded");
    assert.equal(error.retryable, true);
    assert.match(error.message, /Overloaded/);
  });

  test("a non-streamed body that is not JSON is malformed", async () => {
    const server = await fake([{ text: "hello", malformed: true }]);
    // The json framing gets the broken frame appended after the body, so the whole body does not parse.
    const error = errorOf(await collect(modelFor(server.url, { stream: false })));
    assert.equal(error.kind, "malformed");
  });

  test("an already-aborted signal ends with aborted and sends nothing", async () => {
    const server = await fake([{ text: "never" }]);
    const controller = new AbortController();
    controller.abort();
    const error = errorOf(await collect(modelFor(server.url), simpleRequest, controller.signal));
    assert.equal(error.kind, "aborted");
    assert.equal(server.modelRequests.length, 0);
  });
});

test("request: an image is a base64 image block before the prompt's text", async () => {
  const server = await fake([{ text: "red" }]);
  await collect(modelFor(server.url), imageRequest);
  assert.deepEqual(server.modelRequests[0].body?.messages, [
    {
      role: "user",
      content: [
        { type: "image", source: { type: "base64", media_type: "image/png", data: PNG_BASE64 } },
        { type: "text", text: "what is this?" },
      ],
    },
    { role: "assistant", content: [{ type: "text", text: "a square" }] },
    { role: "user", content: [{ type: "text", text: "what colour?", cache_control: { type: "ephemeral" } }] },
  ]);
});
