/**
 * The three headless output formats, each a small event processor writing to stdout:
 * text (the answer at the end, without control or escape sequences), json (one result object at the end),
 * stream-json (one event a line). JSON escapes control characters itself, so the JSON formats keep every byte.
 */
import type { AgentEvent } from "../../protocol/events.ts";
import type { OutputFormat } from "../args.ts";
import { terminalText } from "../terminal-text.ts";
import { finalText, type RunSummary, resultObject } from "./run-summary.ts";

export type InitInfo = {
  sessionId: string;
  model: string;
  tools: string[];
  cwd: string;
  permissionMode: string;
  version: string;
};

export type HeadlessOutput = {
  init(info: InitInfo): void;
  event(event: AgentEvent): void;
  finish(summary: RunSummary): void;
};

export async function createOutput(
  format: OutputFormat,
  write: (text: string) => void,
): Promise<HeadlessOutput> {
  // Claude Code's envelopes load only for that format.
  if (format === "claude-stream-json")
    return (await import("./claude-stream-json.ts")).createClaudeStreamJsonOutput(write);
  if (format === "json") {
    return { init() {}, event() {}, finish: (s) => write(`${JSON.stringify(resultObject(s))}\n`) };
  }
  if (format === "stream-json") {
    const line = (value: Record<string, unknown>) => write(`${JSON.stringify(value)}\n`);
    return {
      init: (info) =>
        line({
          type: "init",
          session_id: info.sessionId,
          model: info.model,
          tools: info.tools,
          cwd: info.cwd,
          permission_mode: info.permissionMode,
          version: info.version,
        }),
      event: (event) => {
        const mapped = streamJsonEvent(event);
        if (mapped) line(mapped);
      },
      finish: (s) => line(resultObject(s)),
    };
  }
  return {
    init() {},
    event() {},
    finish: (s) => {
      // The answer goes to a terminal as it is: no escape sequence of the model's reaches it.
      const text = terminalText(finalText(s.result.messages));
      if (text) write(text.endsWith("\n") ? text : `${text}\n`);
    },
  };
}

/** The stream-json line for an agent event (documented in the README), or null for events it leaves out. */
export function streamJsonEvent(event: AgentEvent): Record<string, unknown> | null {
  const base = { turn: event.turn, ts: event.ts };
  switch (event.type) {
    case "turn_started":
      return { type: "turn_started", ...base };
    case "text_delta":
      return { type: "text_delta", ...base, text: event.text };
    case "reasoning_delta":
      return { type: "reasoning_delta", ...base, text: event.text };
    case "retry_scheduled":
      return {
        type: "retry",
        ...base,
        attempt: event.attempt,
        delay_ms: event.delayMs,
        error: event.error.message,
      };
    case "message_ended": {
      const { message, timing } = event;
      return {
        type: "response",
        ...base,
        stop_reason: message.stopReason,
        text: message.content.map((p) => (p.type === "text" ? p.text : "")).join(""),
        usage: {
          input_tokens: message.usage?.inputTokens ?? 0,
          output_tokens: message.usage?.outputTokens ?? 0,
          cache_read_tokens: message.usage?.cacheReadTokens ?? 0,
        },
        ttft_ms: timing.ttftMs,
        duration_ms: timing.durationMs,
        tokens_per_second: timing.tokensPerSecond,
        prompt_tokens: timing.promptTokens,
        prompt_tokens_per_second: timing.promptTokensPerSecond,
      };
    }
    case "tool_call_started":
      return {
        type: "tool_call",
        ...base,
        id: event.call.id,
        name: event.call.name,
        arguments: event.call.arguments,
      };
    case "tool_call_ended":
      return {
        type: "tool_result",
        ...base,
        id: event.call.id,
        name: event.call.name,
        is_error: event.isError,
        content: event.content,
        duration_ms: event.durationMs,
        ...(event.repaired ? { repaired: event.repaired } : {}),
      };
    case "context_compacted":
      return {
        type: "compacted",
        ...base,
        method: event.method,
        before_tokens: event.beforeTokens,
        after_tokens: event.afterTokens,
        window: event.window,
        ...(event.cause ? { cause: event.cause } : {}),
      };
    case "continuation_requested":
      return { type: "continued", ...base, reason: "max_output_tokens" };
    case "tool_loop_detected":
      return { type: "tool_loop", ...base, id: event.call.id, name: event.call.name, repeats: event.repeats };
    case "tool_protocol_switched":
      return { type: "tool_protocol", ...base, to: event.to, reason: event.reason };
    default:
      return null;
  }
}
