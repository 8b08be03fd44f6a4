/** The final result of a headless run, as the json and stream-json formats report it. */
import { type AgentResult, CONTINUE_PROMPT } from "../../agent/agent-loop.ts";
import type { AgentEndReason } from "../../protocol/events.ts";
import type { AssistantMessage, Message } from "../../protocol/messages.ts";
import type { PermissionDenial } from "./permission-denials.ts";

export type RunSummary = {
  result: AgentResult;
  sessionId: string;
  model: string;
  durationMs: number;
  costUsd: number | null;
  /** The actions the permission policy refused, in the order they were asked for. */
  denials: PermissionDenial[];
  /** Why the prompt failed, when no provider error says it (a prompt refused before it ran): the result's `error`. */
  failure?: string;
  /** `--model auto`: the model the router chose for the prompt and the rule or guard that decided. */
  route?: { model: string; local: boolean; rule: string };
};

/**
 * The answer: the text of the last assistant message, joined with the part before it when that was cut off by
 * the output limit and the model was asked to continue.
 */
export function finalText(messages: Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role !== "assistant") continue;
    const before = messages[i - 1];
    const cut = messages[i - 2];
    const continued =
      before?.role === "user" && before.content === CONTINUE_PROMPT && cut?.role === "assistant";
    return (continued ? finalText(messages.slice(0, i - 1)) : "") + textOf(m);
  }
  return "";
}

function textOf(message: AssistantMessage): string {
  return message.content.map((p) => (p.type === "text" ? p.text : "")).join("");
}

const SUBTYPES: Record<AgentEndReason, string> = {
  done: "success",
  error: "error",
  aborted: "interrupted",
  max_turns: "error_max_turns",
  max_output_tokens: "error_max_output_tokens",
  max_time: "error_max_time",
  max_cost: "error_max_cost",
};

export function resultObject(summary: RunSummary): Record<string, unknown> {
  const { result } = summary;
  return {
    type: "result",
    subtype: SUBTYPES[result.reason],
    is_error: result.reason !== "done",
    result: finalText(result.messages),
    ...(result.error
      ? { error: result.error.message, error_kind: result.error.kind }
      : summary.failure
        ? { error: summary.failure }
        : {}),
    session_id: summary.sessionId,
    model: summary.model,
    ...(summary.route ? { route: summary.route } : {}),
    num_turns: result.turns,
    duration_ms: summary.durationMs,
    usage: {
      input_tokens: result.usage.inputTokens,
      output_tokens: result.usage.outputTokens,
      cache_read_tokens: result.usage.cacheReadTokens ?? 0,
      cache_write_tokens: result.usage.cacheWriteTokens ?? 0,
    },
    total_cost_usd: summary.costUsd,
    permission_denials: summary.denials.map((d) => ({
      tool_name: d.toolName,
      tool_use_id: d.toolUseId,
      tool_input: d.input,
    })),
  };
}
