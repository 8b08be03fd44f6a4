/**
 * The StreamFunction contract wrapper on its own, with stream functions that break it on purpose: throw when
 * called, throw mid-stream, stop without a final event, go on after one, or stop after the caller's abort.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { drain } from "../../test/support/adapter-kit.ts";
import { HttpError } from "../egress/http-client.ts";
import type { ModelRequest, ProviderEvent, ResolvedModel, StreamFunction } from "./provider.ts";
import { withStreamContract } from "./stream-contract.ts";

const model: ResolvedModel = {
  provider: "openai",
  id: "gpt-test",
  api: "openai-chat",
  baseUrl: "https://api.example.test/v1",
  apiKey: "sk-test-secret-0123456789",
  local: false,
};
const request: ModelRequest = { system: "", messages: [{ role: "user", content: "hi" }], tools: [] };

function run(stream: StreamFunction, signal = new AbortController().signal): Promise<ProviderEvent[]> {
  return drain(withStreamContract(stream)(model, request, { signal, http: {} as never }));
}

test("a stream function that throws as it is called yields one error event instead", async () => {
  const events = await run(() => {
    throw new Error("adapter bug");
  });
  assert.equal(events.length, 1);
  assert.deepEqual(events[0], {
    type: "error",
    error: {
      kind: "malformed",
      retryable: false,
      message: "openai (api.example.test) sent a response hearth could not read: adapter bug",
    },
  });
});

test("a throw mid-stream keeps what came and ends with the error, the key never in it", async () => {
  const events = await run(async function* () {
    yield { type: "text_delta", text: "half" };
    throw new HttpError("network", `connection closed before the response ended (${model.apiKey})`);
  });
  assert.deepEqual(
    events.map((event) => event.type),
    ["text_delta", "error"],
  );
  const last = events.at(-1) as Extract<ProviderEvent, { type: "error" }>;
  assert.equal(last.error.kind, "network");
  assert.equal(last.error.retryable, true);
  assert.doesNotMatch(last.error.message, /sk-test-secret/);
});

test("a stream that just stops is reported cut short, retryable", async () => {
  const events = await run(async function* () {
    yield { type: "text_delta", text: "half" };
  });
  const last = events.at(-1) as Extract<ProviderEvent, { type: "error" }>;
  assert.equal(last.type, "error");
  assert.equal(last.error.kind, "network");
  assert.equal(last.error.retryable, true);
  assert.match(last.error.message, /ended the stream before the response was complete/);
});

test("a stream that stops after the caller's abort is reported aborted, not cut short", async () => {
  const controller = new AbortController();
  const events = await run(async function* () {
    yield { type: "text_delta", text: "half" };
    controller.abort();
  }, controller.signal);
  const last = events.at(-1) as Extract<ProviderEvent, { type: "error" }>;
  assert.equal(last.error.kind, "aborted");
});

test("nothing passes after the first done or error, not even a throw, and the source is closed", async () => {
  let closed = false;
  const afterDone = await run(async function* () {
    try {
      yield { type: "done", stopReason: "stop" };
      yield { type: "text_delta", text: "late" };
      throw new Error("late failure");
    } finally {
      closed = true;
    }
  });
  assert.deepEqual(afterDone, [{ type: "done", stopReason: "stop" }]);
  assert.ok(closed, "the source generator was closed");
  const afterError = await run(async function* () {
    yield { type: "error", error: { kind: "server", retryable: true, message: "boom" } };
    yield { type: "done", stopReason: "stop" };
  });
  assert.deepEqual(
    afterError.map((event) => event.type),
    ["error"],
  );
});
