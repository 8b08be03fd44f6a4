import assert from "node:assert/strict";
import { test } from "node:test";
import {
  adapterRunner,
  errorOf,
  imageRequest,
  modelFactory,
  PNG_BASE64,
  simpleRequest,
  textOf,
  withRawServer,
} from "../../test/support/adapter-kit.ts";
import type { Message } from "../protocol/messages.ts";
import { geminiSchema, streamGemini } from "./gemini.ts";
import type { ModelRequest, ProviderEvent } from "./provider.ts";

const KEY = "AIza-test-secret-0123456789";

const modelAt = modelFactory({
  provider: "google",
  id: "gemini-fake",
  api: "gemini",
  apiKey: KEY,
  apiKeyEnv: "GEMINI_API_KEY",
  local: false,
});
const { collect, run } = adapterRunner(streamGemini, modelAt);

/** Runs the adapter against a server that answers with these chunks as SSE (CRLF line ends), for chunks a script cannot express. */
async function runChunks(chunks: Array<Record<string, unknown>>): Promise<ProviderEvent[]> {
  const body = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join("");
  return withRawServer("text/event-stream", body, (url) => collect(modelAt(url)));
}

const candidate = (parts: unknown[], finishReason?: string) => ({
  candidates: [{ content: { role: "model", parts }, index: 0, ...(finishReason ? { finishReason } : {}) }],
});

test("streams text in several chunks, thoughts as reasoning, then usage and done", async () => {
  const { events, server } = await run([
    { text: "Hello there, world", reasoning: "think", usage: { input: 12, output: 7 } },
  ]);
  assert.equal(server.modelRequests[0].path, "/v1beta/models/gemini-fake:streamGenerateContent?alt=sse");
  assert.ok(events.filter((event) => event.type === "text_delta").length >= 2);
  assert.equal(textOf(events), "Hello there, world");
  assert.equal(textOf(events, "reasoning_delta"), "think");
  assert.deepEqual(events.slice(-2), [
    { type: "usage", usage: { inputTokens: 12, outputTokens: 7 } },
    { type: "done", stopReason: "stop" },
  ]);
});

test("two function calls get unique ids, round-tripped arguments and the thought signature", async () => {
  const args1 = { path: "src/a.ts", limit: 20 };
  const args2 = { pattern: "TODO", glob: "**/*.ts" };
  const { events } = await run([
    {
      toolCalls: [
        { name: "read", arguments: args1 },
        { name: "grep", arguments: args2 },
      ],
    },
  ]);
  const calls = events.flatMap((event) => (event.type === "tool_call" ? [event] : []));
  assert.equal(calls.length, 2);
  assert.deepEqual(
    calls.map((call) => [call.name, JSON.parse(call.argumentsJson)]),
    [
      ["read", args1],
      ["grep", args2],
    ],
  );
  assert.match(calls[0].id, /^call_/);
  assert.notEqual(calls[0].id, calls[1].id);
  assert.equal(calls[0].signature, "c2lnbmF0dXJlLWZha2U=");
  assert.equal(calls[1].signature, undefined);
  assert.deepEqual(events.at(-1), { type: "done", stopReason: "tool_use" });

  // Ids are unique across responses too, so a session never holds two calls with one id.
  const again = await run([{ toolCalls: [{ name: "read", arguments: args1 }] }]);
  const next = again.events.find((event) => event.type === "tool_call");
  assert.ok(next?.type === "tool_call" && next.id !== calls[0].id);
});

test("a function call id sent by the server is kept", async () => {
  const { events } = await run([{ toolCalls: [{ id: "fc-42", name: "ls", arguments: {} }] }]);
  assert.deepEqual(events[0], {
    type: "tool_call",
    id: "fc-42",
    name: "ls",
    argumentsJson: "{}",
    signature: "c2lnbmF0dXJlLWZha2U=",
  });
});

test("non-streamed: one generateContent body", async () => {
  const { events, server } = await run(
    [{ text: "All done", toolCalls: [{ name: "ls", arguments: { path: "." } }] }],
    simpleRequest,
    { stream: false },
  );
  assert.equal(server.modelRequests[0].path, "/v1beta/models/gemini-fake:generateContent");
  assert.equal(textOf(events), "All done");
  const call = events.find((event) => event.type === "tool_call");
  assert.ok(call?.type === "tool_call");
  assert.deepEqual([call.name, call.argumentsJson], ["ls", '{"path":"."}']);
  assert.deepEqual(events.slice(-2), [
    { type: "usage", usage: { inputTokens: 10, outputTokens: 5 } },
    { type: "done", stopReason: "tool_use" },
  ]);
});

test("request: systemInstruction, contents for a tool round trip, cleaned tools, key only in a header", async () => {
  const messages: Message[] = [
    { role: "user", content: "read two files" },
    {
      role: "assistant",
      stopReason: "tool_use",
      content: [
        { type: "reasoning", text: "plan" },
        { type: "text", text: "Reading both." },
        { type: "tool_call", id: "call_1", name: "read", arguments: { path: "a.ts" }, signature: "sig-1" },
        { type: "tool_call", id: "call_2", name: "read", arguments: { path: "b.ts" } },
      ],
    },
    { role: "tool", toolCallId: "call_1", toolName: "read", content: "A", isError: false },
    { role: "tool", toolCallId: "call_2", toolName: "read", content: "no such file", isError: true },
  ];
  const request: ModelRequest = {
    system: "You are hearth.",
    messages,
    tools: [
      {
        name: "read",
        description: "Read a file",
        parameters: {
          $schema: "https://json-schema.org/draft/2020-12/schema",
          type: "object",
          properties: { path: { type: "string", minLength: 1 } },
          required: ["path"],
          additionalProperties: false,
        },
      },
      {
        name: "ls",
        description: "List",
        parameters: { type: "object", properties: {}, additionalProperties: false },
      },
    ],
    maxOutputTokens: 256,
    temperature: 0.2,
  };
  const { server } = await run([{ text: "ok" }], request, { headers: { "x-extra": "1" } });
  const recorded = server.modelRequests[0];
  assert.ok(!recorded.path.includes(KEY));
  assert.ok(!recorded.path.includes("key="));
  assert.equal(recorded.headers["x-goog-api-key"], KEY);
  assert.equal(recorded.headers["x-extra"], "1");
  assert.deepEqual(recorded.body, {
    systemInstruction: { parts: [{ text: "You are hearth." }] },
    contents: [
      { role: "user", parts: [{ text: "read two files" }] },
      {
        role: "model",
        parts: [
          { text: "Reading both." },
          { functionCall: { name: "read", args: { path: "a.ts" } }, thoughtSignature: "sig-1" },
          { functionCall: { name: "read", args: { path: "b.ts" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "read", response: { result: "A" } } },
          { functionResponse: { name: "read", response: { error: "no such file" } } },
        ],
      },
    ],
    tools: [
      {
        functionDeclarations: [
          {
            name: "read",
            description: "Read a file",
            parameters: {
              type: "object",
              properties: { path: { type: "string", minLength: 1 } },
              required: ["path"],
            },
          },
          { name: "ls", description: "List" },
        ],
      },
    ],
    generationConfig: { maxOutputTokens: 256, temperature: 0.2 },
  });
});

test("geminiSchema drops unsupported keywords recursively and folds nullable unions", () => {
  const cleaned = geminiSchema({
    $schema: "x",
    type: "object",
    additionalProperties: false,
    properties: {
      url: { type: "string", format: "uri" },
      when: { type: "string", format: "date-time" },
      mode: { const: "fast" },
      tags: {
        type: "array",
        items: { type: "object", properties: { n: { type: "integer", exclusiveMinimum: 0 } } },
      },
      note: { anyOf: [{ type: "string" }, { type: "null" }], description: "optional note" },
      size: { type: ["integer", "null"] },
    },
    required: ["url", "ghost"],
  });
  assert.deepEqual(cleaned, {
    type: "object",
    properties: {
      url: { type: "string" },
      when: { type: "string", format: "date-time" },
      mode: { enum: ["fast"] },
      tags: { type: "array", items: { type: "object", properties: { n: { type: "integer" } } } },
      note: { description: "optional note", nullable: true, type: "string" },
      size: { type: "integer", nullable: true },
    },
    required: ["url"],
  });
});

test("usage: cached tokens are cache reads, thoughts count as output", async () => {
  const events = await runChunks([
    {
      ...candidate([{ text: "hi" }], "STOP"),
      usageMetadata: {
        promptTokenCount: 100,
        cachedContentTokenCount: 60,
        candidatesTokenCount: 9,
        thoughtsTokenCount: 4,
      },
    },
  ]);
  assert.deepEqual(events, [
    { type: "text_delta", text: "hi" },
    { type: "usage", usage: { inputTokens: 40, outputTokens: 13, cacheReadTokens: 60 } },
    { type: "done", stopReason: "stop" },
  ]);
});

test("MAX_TOKENS ends with done length", async () => {
  const { events } = await run([{ text: "partial answer", stop: "length" }]);
  assert.deepEqual(events.at(-1), { type: "done", stopReason: "length" });
});

test("SAFETY, RECITATION and blocked prompts are errors with a clear message", async () => {
  const safety = errorOf(await runChunks([candidate([{ text: "Sure" }]), candidate([], "SAFETY")]));
  assert.match(safety.message, /SAFETY/);
  assert.match(safety.message, /safety filters/);
  assert.match(errorOf(await runChunks([candidate([], "RECITATION")])).message, /RECITATION/);
  const blocked = errorOf(await runChunks([{ promptFeedback: { blockReason: "PROHIBITED_CONTENT" } }]));
  assert.match(blocked.message, /prompt was blocked/);
});

test("an error object inside the stream is classified by its code", async () => {
  const events = await runChunks([
    { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } },
  ]);
  assert.equal(errorOf(events).retryable, true);
});

test("a 429 body's retryDelay becomes retryAfterMs", async () => {
  const quota = JSON.stringify({
    error: {
      code: 429,
      message: "Quota exceeded",
      status: "RESOURCE_EXHAUSTED",
      details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "13s" }],
    },
  });
  const limited = errorOf((await run([{ status: 429, errorBody: quota }])).events);
  assert.equal(limited.kind, "rate_limit");
  assert.equal(limited.retryAfterMs, 13000);
});

test("a body that ends cleanly without a finish reason is cut short", async () => {
  const error = errorOf(await runChunks([candidate([{ text: "Hel" }]), candidate([{ text: "lo" }])]));
  assert.equal(error.kind, "network");
  assert.match(error.message, /before the response was complete/);
});

test("request: an image is an inlineData part (the adapter's camelCase) before the prompt's text", async () => {
  const { server } = await run([{ text: "red" }], imageRequest);
  assert.deepEqual(server.modelRequests[0].body?.contents, [
    {
      role: "user",
      parts: [{ inlineData: { mimeType: "image/png", data: PNG_BASE64 } }, { text: "what is this?" }],
    },
    { role: "model", parts: [{ text: "a square" }] },
    { role: "user", parts: [{ text: "what colour?" }] },
  ]);
});
