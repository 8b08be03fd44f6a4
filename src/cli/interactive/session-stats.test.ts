import assert from "node:assert/strict";
import { test } from "node:test";
import type { SessionEvent } from "../../protocol/events.ts";
import { createSessionStats, latencyBadge } from "./session-stats.ts";

const common = { sessionId: "s", turn: 1, ts: 0 };
const timing = {
  ttftMs: 840,
  durationMs: 3000,
  outputTokens: 50,
  tokensPerSecond: 23.4,
  promptTokens: 1234,
  promptTokensPerSecond: 1470,
};
const info = (local: boolean) =>
  ({
    type: "session_info",
    ...common,
    model: "m",
    local,
    tools: [],
    cwd: "/",
    permissionMode: "ask",
    version: "0",
    resumed: false,
  }) as SessionEvent;
const ended = (input: number, output: number) =>
  ({
    type: "message_ended",
    ...common,
    message: { role: "assistant", content: [], usage: { inputTokens: input, outputTokens: output } },
    timing,
  }) as unknown as SessionEvent;
const promptEnded = (input: number, output: number, costUsd: number | null) =>
  ({
    type: "prompt_ended",
    ...common,
    reason: "done",
    turns: 1,
    usage: { inputTokens: input, outputTokens: output },
    costUsd,
    durationMs: 10,
  }) as SessionEvent;

test("tokens and cost add up over prompts; the context used is the last request against the window", () => {
  const stats = createSessionStats();
  stats.apply(info(false));
  stats.window = 10_000;
  stats.apply(ended(1000, 100));
  stats.apply(promptEnded(1000, 100, 0.01));
  stats.apply(ended(2400, 100));
  stats.apply(promptEnded(2400, 100, 0.02));
  assert.deepEqual(stats.usage, {
    inputTokens: 3400,
    outputTokens: 200,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  });
  assert.ok(Math.abs((stats.costUsd ?? 0) - 0.03) < 1e-9);
  assert.equal(stats.contextPercent, 25);
  assert.equal(stats.latency, null, "no latency badge for a cloud model");
  assert.deepEqual(stats.costLines(), [
    "2 prompts · tokens: 3.4k in, 200 out · context: 2.5k of 10k (25%)",
    "cost: $0.0300",
  ]);
});

test("a local model: the latency of its last response; a compaction gives the window", () => {
  const stats = createSessionStats();
  stats.apply(info(true));
  stats.apply(ended(500, 50));
  assert.equal(stats.contextPercent, null, "no window known yet");
  stats.apply({
    type: "context_compacted",
    ...common,
    method: "elided",
    beforeTokens: 900,
    afterTokens: 400,
    window: 2000,
  });
  assert.equal(stats.contextPercent, 20);
  assert.equal(latencyBadge(stats.latency ?? timing), "ttft 0.84s · prefill 1,470 tok/s · decode 23.4 tok/s");
  stats.apply(promptEnded(500, 50, null));
  assert.equal(stats.costLines()[1], "cost: $0 (a local model)");
});
