/**
 * Human lines on stderr during a headless run (refusals are reported by the permission policy). They quote the
 * model and servers (error messages, tool names); `say` strips their control and escape sequences
 * (cli/terminal-text.ts), so a line here can pass such text as it is.
 */

import { formatCount } from "../../protocol/count.ts";
import type { AgentEvent, ResponseTiming } from "../../protocol/events.ts";
import type { Usage } from "../../protocol/messages.ts";

export type ReportOptions = {
  /** A latency line after each response (on by default for local models, where speed is the question). */
  latency: boolean;
};

export function reportEvent(event: AgentEvent, say: (line: string) => void, options: ReportOptions): void {
  if (event.type === "message_ended" && options.latency) say(latencyLine(event.timing, event.message.usage));
  if (event.type === "retry_scheduled") {
    say(
      `${event.error.message} (retrying in ${(event.delayMs / 1000).toFixed(1)} s, attempt ${event.attempt + 1})`,
    );
  }
  if (event.type === "context_compacted")
    say(
      event.cause === "server"
        ? `context: the server refused the request as too long; ${COMPACTED[event.method]} and sending it once more (about ${count(event.beforeTokens)} → ${count(event.afterTokens)} tokens of history)`
        : `context: ${COMPACTED[event.method]} to fit the ${count(event.window)}-token window (about ${count(event.beforeTokens)} → ${count(event.afterTokens)} tokens of history)`,
    );
  if (event.type === "continuation_requested")
    say("the response was cut off by the output token limit; asking the model to continue");
  if (event.type === "tool_protocol_switched")
    say(
      `${event.reason}; using the text tool protocol for the rest of this run (set "toolCalls": "text" for this provider to skip this)`,
    );
  if (event.type === "tool_loop_detected")
    say(`${event.call.name} repeated ${event.repeats} times in a row; not run, and the model was told`);
}

const count = formatCount;

const COMPACTED = {
  elided: "elided the output of older tool calls",
  summarised: "summarised the older turns",
  dropped: "dropped the older turns (the summary call failed)",
  truncated: "cut the largest tool outputs",
};

/** "latency: first token 0.84 s · prompt 1,234 tokens at 1,470 tok/s (2,000 cached) · output 87 tokens at 23.4 tok/s" */
export function latencyLine(timing: ResponseTiming, usage: Usage | undefined): string {
  const parts: string[] = [];
  parts.push(
    timing.ttftMs === null ? "no tokens streamed" : `first token ${(timing.ttftMs / 1000).toFixed(2)} s`,
  );
  if (timing.promptTokens !== null) {
    const cached = usage?.cacheReadTokens ? ` (${count(usage.cacheReadTokens)} cached)` : "";
    const rate =
      timing.promptTokensPerSecond === null ? "" : ` at ${count(timing.promptTokensPerSecond)} tok/s`;
    parts.push(`prompt ${count(timing.promptTokens)} tokens${rate}${cached}`);
  }
  const gen = timing.tokensPerSecond === null ? "" : ` at ${timing.tokensPerSecond} tok/s`;
  parts.push(`output ${count(timing.outputTokens)} tokens${gen}`);
  return `latency: ${parts.join(" · ")}`;
}
