import assert from "node:assert/strict";
import { test } from "node:test";
import type { ProviderEvent, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import { benchOnce, benchRequest, median } from "./models-bench-command.ts";

const model: ResolvedModel = {
  provider: "x",
  id: "y",
  api: "openai-chat",
  baseUrl: "http://127.0.0.1:9",
  local: true,
};

/** A stream that advances a fake clock: `[ms, event]` pairs, each event arriving `ms` after the previous. */
function timed(clock: { t: number }, script: Array<[number, ProviderEvent]>): StreamFunction {
  return async function* () {
    for (const [ms, event] of script) {
      clock.t += ms;
      yield event;
    }
  };
}

test("one run: ttft, prompt speed from the processed tokens, generation speed after the first token", async () => {
  const clock = { t: 1000 };
  const stream = timed(clock, [
    [200, { type: "text_delta", text: "a" }],
    [100, { type: "text_delta", text: "b" }],
    [100, { type: "text_delta", text: "c" }],
    [0, { type: "usage", usage: { inputTokens: 400, outputTokens: 21, cacheReadTokens: 7 } }],
    [0, { type: "done", stopReason: "stop" }],
  ]);
  const run = await benchOnce(
    stream,
    model,
    benchRequest(1, 64),
    {} as never,
    new AbortController().signal,
    () => clock.t,
  );
  assert.deepEqual(run, {
    ttftMs: 200,
    durationMs: 400,
    promptTokens: 400,
    cachedTokens: 7,
    outputTokens: 21,
    promptTokensPerSecond: 2000,
    // 20 tokens after the first, in 200 ms.
    generationTokensPerSecond: 100,
    error: undefined,
  });
});

test("a failed run keeps its error; no tokens means no speeds", async () => {
  const clock = { t: 0 };
  const stream = timed(clock, [
    [50, { type: "error", error: { kind: "network", retryable: false, message: "cannot reach x" } }],
  ]);
  const run = await benchOnce(
    stream,
    model,
    benchRequest(2, 8),
    {} as never,
    new AbortController().signal,
    () => clock.t,
  );
  assert.equal(run.error, "cannot reach x");
  assert.equal(run.ttftMs, null);
  assert.equal(run.promptTokensPerSecond, null);
  assert.equal(run.generationTokensPerSecond, null);
});

test("each run's prompt starts differently (no prompt cache carries over); the rest is fixed", () => {
  const a = benchRequest(1, 32);
  const b = benchRequest(2, 32);
  assert.notEqual(a.system.split("\n")[0], b.system.split("\n")[0]);
  assert.equal(a.system.split("\n").slice(1).join("\n"), b.system.split("\n").slice(1).join("\n"));
  assert.deepEqual(a.messages, b.messages);
  assert.equal(a.maxOutputTokens, 32);
  assert.equal(a.temperature, 0);
  assert.deepEqual(a.tools, []);
});

test("median skips unknown values", () => {
  assert.equal(median([3, null, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([null]), null);
});
