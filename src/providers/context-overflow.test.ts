/**
 * "The request does not fit the context window", in each server's own words, through its adapter on loopback:
 * every one must come back as a non-retryable `context_length` error (the loop then compacts and asks once more),
 * and an error about another limit must not.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  adapterRunner,
  errorOf,
  modelFactory,
  sseFrame,
  withRawServer,
} from "../../test/support/adapter-kit.ts";
import { streamAnthropicMessages } from "./anthropic-messages.ts";
import { streamGemini } from "./gemini.ts";
import { streamOllama } from "./ollama.ts";
import { streamOpenAIChat } from "./openai-chat.ts";
import { streamOpenAIResponses } from "./openai-responses.ts";
import type { ResolvedModel } from "./provider.ts";

const anthropic = adapterRunner(
  streamAnthropicMessages,
  modelFactory({ provider: "anthropic", id: "claude-test", api: "anthropic-messages", local: false }),
);
const chatAt = (provider: string, local: boolean) => (base: string, extra?: Partial<ResolvedModel>) =>
  ({ provider, id: "m", api: "openai-chat", local, baseUrl: `${base}/v1`, ...extra }) as ResolvedModel;
const openai = adapterRunner(streamOpenAIChat, chatAt("openai", false));
const llamacpp = adapterRunner(streamOpenAIChat, chatAt("llamacpp", true));
const lmstudio = adapterRunner(streamOpenAIChat, chatAt("lmstudio", true));
const ollama = adapterRunner(
  streamOllama,
  modelFactory({ provider: "ollama", id: "qwen3:8b", api: "ollama", local: true, numCtx: 8192 }),
);
const gemini = adapterRunner(
  streamGemini,
  modelFactory({ provider: "google", id: "gemini-2.5-pro", api: "gemini", local: false }),
);

const overflowing = (status: number, body: unknown) => [
  { status, errorBody: typeof body === "string" ? body : JSON.stringify(body) },
];

async function assertOverflow(events: Promise<{ events: import("./provider.ts").ProviderEvent[] }>) {
  const error = errorOf((await events).events);
  assert.equal(error.kind, "context_length", error.message);
  assert.equal(error.retryable, false);
  assert.match(error.message, /does not fit the model's context window/);
}

test("Anthropic: 400 'prompt is too long', and the same in an SSE error event", async () => {
  await assertOverflow(
    anthropic.run(
      overflowing(400, {
        type: "error",
        error: {
          type: "invalid_request_error",
          message: "prompt is too long: 210000 tokens > 200000 maximum",
        },
      }),
    ),
  );
  const stream =
    sseFrame({ type: "message_start", message: { usage: { input_tokens: 1 } } }, "message_start") +
    sseFrame(
      {
        type: "error",
        error: { type: "invalid_request_error", message: "prompt is too long: 5 tokens > 4 maximum" },
      },
      "error",
    );
  await withRawServer("text/event-stream", stream, async (url) => {
    const error = errorOf(
      await anthropic.collect(
        modelFactory({ provider: "anthropic", id: "c", api: "anthropic-messages", local: false })(url),
      ),
    );
    assert.equal(error.kind, "context_length", error.message);
  });
});

test("OpenAI: context_length_exceeded", async () => {
  await assertOverflow(
    openai.run(
      overflowing(400, {
        error: {
          message:
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
          type: "invalid_request_error",
          code: "context_length_exceeded",
        },
      }),
    ),
  );
});

test("llama.cpp: exceed_context_size_error (400), and the older 500 wording is not retried", async () => {
  await assertOverflow(
    llamacpp.run(
      overflowing(400, {
        error: {
          code: 400,
          message:
            "request (9412 tokens) exceeds the available context size (8192 tokens), try increasing it",
          type: "exceed_context_size_error",
        },
      }),
    ),
  );
  await assertOverflow(
    llamacpp.run(
      overflowing(500, {
        error: {
          code: 500,
          message: "the request exceeds the available context size. try increasing the context size",
          type: "server_error",
        },
      }),
    ),
  );
});

test("LM Studio: 'context length of only N tokens'", async () => {
  await assertOverflow(
    lmstudio.run(
      overflowing(400, {
        error:
          "Trying to keep the first 5210 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough.",
      }),
    ),
  );
});

test("Ollama: 'prompt too long; exceeded max context length'", async () => {
  await assertOverflow(
    ollama.run(overflowing(400, { error: "prompt too long; exceeded max context length by 1200 tokens" })),
  );
  const inBody = `${JSON.stringify({ error: "prompt too long; exceeded max context length by 12 tokens" })}\n`;
  await withRawServer("application/x-ndjson", inBody, async (url) => {
    const error = errorOf(
      await ollama.collect(
        modelFactory({ provider: "ollama", id: "qwen3:8b", api: "ollama", local: true, numCtx: 8192 })(url),
      ),
    );
    assert.equal(error.kind, "context_length", error.message);
  });
});

test("Gemini: 'input token count exceeds the maximum'", async () => {
  await assertOverflow(
    gemini.run(
      overflowing(400, {
        error: {
          code: 400,
          message: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
          status: "INVALID_ARGUMENT",
        },
      }),
    ),
  );
});

test("OpenAI Responses: a failed response with context_length_exceeded", async () => {
  const stream = sseFrame(
    {
      type: "response.failed",
      response: {
        status: "failed",
        error: {
          code: "context_length_exceeded",
          message: "Your input exceeds the context window of this model.",
        },
      },
    },
    "response.failed",
  );
  await withRawServer("text/event-stream", stream, async (url) => {
    const runner = adapterRunner(
      streamOpenAIResponses,
      modelFactory({ provider: "openai", id: "gpt-5", api: "openai-responses", local: false }),
    );
    const error = errorOf(
      await runner.collect(
        modelFactory({ provider: "openai", id: "gpt-5", api: "openai-responses", local: false })(`${url}/v1`),
      ),
    );
    assert.equal(error.kind, "context_length", error.message);
  });
});

test("an error about another limit (the output tokens) is not taken for an overflow", async () => {
  const { events } = await anthropic.run(
    overflowing(400, {
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens",
      },
    }),
  );
  assert.equal(errorOf(events).kind, "bad_request");
  const { events: chat } = await openai.run(
    overflowing(400, { error: { message: "temperature exceeds the maximum of 2" } }),
  );
  assert.equal(errorOf(chat).kind, "bad_request");
});
