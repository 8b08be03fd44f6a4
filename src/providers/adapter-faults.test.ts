/**
 * The fault cases every wire-protocol adapter must handle the same way, run against each of the five: HTTP
 * errors (auth, not found, rate limit, server), a malformed frame, a cut stream, aborts, and a refused
 * connection. What only one protocol does stays in that adapter's own test file.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FakeTurn } from "../../test/fake-server/script.ts";
import {
  adapterRunner,
  closedPort,
  errorOf,
  type ModelAt,
  modelFactory,
  simpleRequest,
} from "../../test/support/adapter-kit.ts";
import { streamAnthropicMessages } from "./anthropic-messages.ts";
import { streamGemini } from "./gemini.ts";
import { streamOllama } from "./ollama.ts";
import { streamOpenAIChat } from "./openai-chat.ts";
import { streamOpenAIResponses } from "./openai-responses.ts";
import type { ResolvedModel, StreamFunction } from "./provider.ts";

type FaultAdapter = {
  name: string;
  stream: StreamFunction;
  /** The model under test at a fake server's root URL (the adapter adds any `/v1` itself). */
  modelAt: ModelAt;
  /** Overrides that give the model an API key and the env var it came from. */
  keyed: Partial<ResolvedModel> & { apiKey: string; apiKeyEnv: string };
  /** The ways this protocol's server rejects a key; each body echoes the key, which must never be shown. */
  authReplies: Array<{ status: number; body: (key: string) => string }>;
  /** The 404 body this protocol's server sends, when it is not the fake server's generic one. */
  notFoundBody?: string;
  /** How many frames to stream before cutting the connection (after the start, before the final marker). */
  cutAfterFrames: number;
  /** What a refused connection to this (local) server says to do. */
  refusedHint?: RegExp;
};

const atV1 =
  (model: ModelAt): ModelAt =>
  (baseUrl, extra) =>
    model(`${baseUrl}/v1`, extra);

const ANTHROPIC_KEY = "sk-ant-test-secret-0123456789";
const OPENAI_KEY = "sk-test-secret-0123456789";
const GEMINI_KEY = "AIza-test-secret-0123456789";

const adapters: FaultAdapter[] = [
  {
    name: "anthropic-messages",
    stream: streamAnthropicMessages,
    modelAt: modelFactory({
      provider: "anthropic",
      id: "claude-test-1",
      api: "anthropic-messages",
      apiKey: ANTHROPIC_KEY,
      apiKeyEnv: "ANTHROPIC_API_KEY",
      local: false,
    }),
    keyed: { apiKey: ANTHROPIC_KEY, apiKeyEnv: "ANTHROPIC_API_KEY" },
    authReplies: [
      {
        status: 401,
        body: (key) =>
          JSON.stringify({
            type: "error",
            error: { type: "authentication_error", message: `invalid x-api-key ${key}` },
          }),
      },
    ],
    cutAfterFrames: 4,
  },
  {
    name: "openai-chat",
    stream: streamOpenAIChat,
    modelAt: atV1(modelFactory({ provider: "lmstudio", id: "fake-model", api: "openai-chat", local: true })),
    keyed: { provider: "groq", apiKey: "gsk-very-secret", apiKeyEnv: "GROQ_API_KEY" },
    authReplies: [
      { status: 401, body: (key) => JSON.stringify({ error: { message: `Invalid API Key ${key}` } }) },
    ],
    cutAfterFrames: 2,
    refusedHint: /lms server start/,
  },
  {
    name: "ollama",
    stream: streamOllama,
    modelAt: modelFactory({ provider: "ollama", id: "qwen3:8b", api: "ollama", local: true, numCtx: 32768 }),
    keyed: { provider: "ollama-cloud", apiKey: "olk-very-secret", apiKeyEnv: "OLLAMA_API_KEY" },
    authReplies: [{ status: 401, body: (key) => JSON.stringify({ error: `unauthorized ${key}` }) }],
    notFoundBody: '{"error":"model \\"qwen3:8b\\" not found, try pulling it first"}',
    cutAfterFrames: 2,
    refusedHint: /ollama serve/,
  },
  {
    name: "openai-responses",
    stream: streamOpenAIResponses,
    modelAt: atV1(
      modelFactory({
        provider: "openai",
        id: "gpt-fake",
        api: "openai-responses",
        apiKey: OPENAI_KEY,
        apiKeyEnv: "OPENAI_API_KEY",
        local: false,
      }),
    ),
    keyed: { apiKey: OPENAI_KEY, apiKeyEnv: "OPENAI_API_KEY" },
    authReplies: [{ status: 401, body: (key) => JSON.stringify({ error: { message: `bad key ${key}` } }) }],
    cutAfterFrames: 4,
  },
  {
    name: "gemini",
    stream: streamGemini,
    modelAt: modelFactory({
      provider: "google",
      id: "gemini-fake",
      api: "gemini",
      apiKey: GEMINI_KEY,
      apiKeyEnv: "GEMINI_API_KEY",
      local: false,
    }),
    keyed: { apiKey: GEMINI_KEY, apiKeyEnv: "GEMINI_API_KEY" },
    authReplies: [
      {
        status: 401,
        body: (key) => JSON.stringify({ error: { code: 401, message: `API key not valid: ${key}` } }),
      },
      // Gemini answers a bad key with HTTP 400 INVALID_ARGUMENT.
      {
        status: 400,
        body: (key) =>
          JSON.stringify({
            error: {
              code: 400,
              message: `API key not valid. Please pass a valid API key. (${key})`,
              status: "INVALID_ARGUMENT",
            },
          }),
      },
    ],
    cutAfterFrames: 2,
  },
];

for (const adapter of adapters) {
  const { modelAt } = adapter;
  const { id, provider } = modelAt("http://127.0.0.1");
  const { collect, run } = adapterRunner(adapter.stream, modelAt);
  const runOne = async (turn: FakeTurn, extra: Partial<ResolvedModel> = {}, signal?: AbortSignal) =>
    (await run([turn], simpleRequest, extra, signal)).events;

  describe(`${adapter.name}: common faults`, () => {
    for (const reply of adapter.authReplies) {
      test(`${reply.status} for a bad key is auth, names the key's env var and never the key`, async () => {
        const { apiKey, apiKeyEnv } = adapter.keyed;
        const error = errorOf(
          await runOne({ status: reply.status, errorBody: reply.body(apiKey) }, adapter.keyed),
        );
        assert.equal(error.kind, "auth");
        assert.equal(error.retryable, false);
        assert.ok(error.message.includes(apiKeyEnv), error.message);
        assert.ok(!error.message.includes(apiKey), error.message);
      });
    }

    test("404 is not_found, names the model and `hearth models`", async () => {
      const error = errorOf(await runOne({ status: 404, errorBody: adapter.notFoundBody }));
      assert.equal(error.kind, "not_found");
      assert.ok(error.message.includes(id), error.message);
      assert.match(error.message, /hearth models/);
    });

    test("429 with retry-after is a retryable rate_limit with retryAfterMs", async () => {
      const error = errorOf(await runOne({ status: 429, headers: { "retry-after": "2" } }));
      assert.equal(error.kind, "rate_limit");
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 2000);
    });

    test("500 is a retryable server error", async () => {
      const error = errorOf(await runOne({ status: 500 }));
      assert.equal(error.kind, "server");
      assert.equal(error.retryable, true);
    });

    test("a frame that is not JSON is malformed, naming the server", async () => {
      const error = errorOf(await runOne({ text: "Hello there", malformed: true }));
      assert.equal(error.kind, "malformed");
      assert.ok(new RegExp(`${provider} \\(127\\.0\\.0\\.1:\\d+\\)`).test(error.message), error.message);
    });

    test("a stream cut before the final marker is a retryable network error, not done", async () => {
      const events = await runOne({
        text: "a longer reply that gets cut",
        cutAfterFrames: adapter.cutAfterFrames,
      });
      assert.ok(!events.some((event) => event.type === "done"));
      const error = errorOf(events);
      assert.equal(error.kind, "network");
      assert.equal(error.retryable, true);
    });

    test("a server that never answers is aborted promptly", async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const error = errorOf(await runOne({ hang: true }, {}, controller.signal));
      assert.equal(error.kind, "aborted");
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    });

    test("an abort while text is streaming is reported as aborted", async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      const turn = { text: "a long answer coming slowly", frameDelayMs: 60 };
      const error = errorOf(await runOne(turn, {}, controller.signal));
      assert.equal(error.kind, "aborted");
    });

    test("a refused connection is a network error naming the host, never the key", async () => {
      const port = await closedPort();
      const model = modelAt(`http://127.0.0.1:${port}`);
      const error = errorOf(await collect(model));
      assert.equal(error.kind, "network");
      assert.ok(error.message.includes(`127.0.0.1:${port}`), error.message);
      assert.match(error.message, /ECONNREFUSED/);
      if (model.apiKey) assert.ok(!error.message.includes(model.apiKey), error.message);
      if (adapter.refusedHint) assert.match(error.message, adapter.refusedHint);
    });
  });
}
