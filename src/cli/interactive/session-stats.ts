/**
 * What the status line and /cost say about the session, reduced from its events: tokens and cost so far (from
 * prompt_ended), how full the context window is (the last request's size against the window), and the timing
 * of the last response of a local model (its message_ended), as the headless latency line reports it.
 */

import { formatCount } from "../../protocol/count.ts";
import type { ResponseTiming, SessionEvent } from "../../protocol/events.ts";
import type { Usage } from "../../protocol/messages.ts";
import { formatTokens } from "./status-line.ts";

export type SessionStats = {
  apply(event: SessionEvent): void;
  /** The model's context window, when known (the settings, the catalog, or a compaction's report). */
  window: number | null;
  readonly prompts: number;
  readonly usage: Required<
    Pick<Usage, "inputTokens" | "outputTokens" | "cacheReadTokens" | "cacheWriteTokens">
  >;
  /** Null while no prompt had a price (local models, unknown prices). */
  readonly costUsd: number | null;
  /** Tokens the last request put in the window (prompt and answer), or null before the first. */
  readonly contextTokens: number | null;
  /** How full the window is, 0-100, when both are known. */
  readonly contextPercent: number | null;
  /** The last response's timing, while the model is local; null otherwise. */
  readonly latency: ResponseTiming | null;
  /** /cost's lines. */
  costLines(): string[];
};

export function createSessionStats(): SessionStats {
  const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  let costUsd: number | null = null;
  let contextTokens: number | null = null;
  let latency: ResponseTiming | null = null;
  let local = false;
  let prompts = 0;
  const stats: SessionStats = {
    window: null,
    apply(event) {
      switch (event.type) {
        case "session_info":
          local = event.local;
          stats.window = event.contextWindow ?? null;
          if (!local) latency = null;
          return;
        case "message_ended": {
          const used = event.message.usage;
          if (used)
            contextTokens =
              used.inputTokens +
              (used.cacheReadTokens ?? 0) +
              (used.cacheWriteTokens ?? 0) +
              used.outputTokens;
          latency = local ? event.timing : null;
          return;
        }
        case "context_compacted":
          contextTokens = event.afterTokens;
          stats.window = event.window;
          return;
        case "prompt_ended":
          prompts++;
          usage.inputTokens += event.usage.inputTokens;
          usage.outputTokens += event.usage.outputTokens;
          usage.cacheReadTokens += event.usage.cacheReadTokens ?? 0;
          usage.cacheWriteTokens += event.usage.cacheWriteTokens ?? 0;
          if (event.costUsd !== null) costUsd = (costUsd ?? 0) + event.costUsd;
          return;
      }
    },
    get prompts() {
      return prompts;
    },
    usage,
    get costUsd() {
      return costUsd;
    },
    get contextTokens() {
      return contextTokens;
    },
    get contextPercent() {
      if (contextTokens === null || !stats.window) return null;
      return Math.min(100, Math.round((contextTokens / stats.window) * 100));
    },
    get latency() {
      return latency;
    },
    costLines() {
      const cached =
        usage.cacheReadTokens || usage.cacheWriteTokens
          ? ` (cache: ${formatTokens(usage.cacheReadTokens)} read, ${formatTokens(usage.cacheWriteTokens)} written)`
          : "";
      const cost =
        costUsd !== null
          ? `$${costUsd.toFixed(4)}`
          : local
            ? "$0 (a local model)"
            : "unknown (no price for this model)";
      const context =
        contextTokens === null
          ? ""
          : ` · context: ${formatTokens(contextTokens)}${stats.window ? ` of ${formatTokens(stats.window)} (${stats.contextPercent}%)` : ""}`;
      return [
        `${prompts} prompt${prompts === 1 ? "" : "s"} · tokens: ${formatTokens(usage.inputTokens)} in, ${formatTokens(usage.outputTokens)} out${cached}${context}`,
        `cost: ${cost}`,
      ];
    },
  };
  return stats;
}

/** The status line's latency badge: "ttft 0.84s · prefill 1,470 tok/s · decode 23.4 tok/s". */
export function latencyBadge(timing: ResponseTiming): string {
  const parts = [timing.ttftMs === null ? "ttft -" : `ttft ${(timing.ttftMs / 1000).toFixed(2)}s`];
  if (timing.promptTokensPerSecond !== null)
    parts.push(`prefill ${formatCount(timing.promptTokensPerSecond)} tok/s`);
  if (timing.tokensPerSecond !== null) parts.push(`decode ${timing.tokensPerSecond} tok/s`);
  return parts.join(" · ");
}
