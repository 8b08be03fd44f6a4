/** The final result of a headless run, as the json and stream-json formats report it. */
import type { AgentResult } from "../../agent/agent-loop.ts";
import type { Message } from "../../protocol/messages.ts";

export type RunSummary = {
  result: AgentResult;
  sessionId: string;
  model: string;
  durationMs: number;
  costUsd: number | null;
};

/** The text of the last assistant message: the answer. */
export function finalText(messages: Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === "assistant") {
      return m.content
        .filter((p) => p.type === "text")
        .map((p) => (p.type === "text" ? p.text : ""))
        .join("");
    }
  }
  return "";
}

export function resultObject(summary: RunSummary): Record<string, unknown> {
  const { result } = summary;
  const subtype =
    result.reason === "done"
      ? "success"
      : result.reason === "max_turns"
        ? "error_max_turns"
        : result.reason === "aborted"
          ? "interrupted"
          : "error";
  return {
    type: "result",
    subtype,
    is_error: result.reason !== "done",
    result: finalText(result.messages),
    ...(result.error ? { error: result.error.message, error_kind: result.error.kind } : {}),
    session_id: summary.sessionId,
    model: summary.model,
    num_turns: result.turns,
    duration_ms: summary.durationMs,
    usage: {
      input_tokens: result.usage.inputTokens,
      output_tokens: result.usage.outputTokens,
      cache_read_tokens: result.usage.cacheReadTokens ?? 0,
      cache_write_tokens: result.usage.cacheWriteTokens ?? 0,
    },
    total_cost_usd: summary.costUsd,
  };
}
