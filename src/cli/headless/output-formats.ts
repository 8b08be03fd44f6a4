/**
 * The three headless output formats, each a small event processor writing to stdout:
 * text (the answer at the end, without control or escape sequences), json (one result object at the end),
 * stream-json (one event a line). JSON escapes control characters itself, so the JSON formats keep every byte.
 */
import type { AgentEventOf, SessionEvent } from "../../protocol/events.ts";
import type { OutputFormat } from "../args.ts";
import { terminalText } from "../terminal-text.ts";
import { finalText, type RunSummary, resultObject } from "./run-summary.ts";

export type HeadlessOutput = {
  /** Every event of the session, in order (`session_info` first). */
  event(event: SessionEvent): void;
  finish(summary: RunSummary): void;
};

export async function createOutput(
  format: OutputFormat,
  write: (text: string) => void,
): Promise<HeadlessOutput> {
  // Claude Code's envelopes load only for that format.
  if (format === "claude-stream-json")
    return (await import("./claude-stream-json.ts")).createClaudeStreamJsonOutput(write);
  const line = (value: unknown) => write(`${JSON.stringify(value)}\n`);
  if (format === "json") return { event() {}, finish: (s) => line(resultObject(s)) };
  if (format === "stream-json")
    return { event: (event) => line(wireEvent(event)), finish: (s) => line(resultObject(s)) };
  return {
    event() {},
    finish: (s) => {
      // The answer goes to a terminal as it is: no escape sequence of the model's reaches it.
      const text = terminalText(finalText(s.result.messages));
      if (text) write(text.endsWith("\n") ? text : `${text}\n`);
    },
  };
}

/** `agent_ended` on the wire: without `messages`. */
export type WireAgentEnded = Omit<AgentEventOf<"agent_ended">, "messages">;

/**
 * A session event as stream-json writes it: the protocol type as it is (src/protocol/events.ts, listed in the
 * README), with one exception, made here and nowhere else: `agent_ended` leaves out `messages`, which repeats
 * every response (`message_ended`) and tool result (`tool_call_ended`) of the prompt already on the stream, and
 * would double the output of a long run.
 */
export function wireEvent(event: SessionEvent): SessionEvent | WireAgentEnded {
  if (event.type !== "agent_ended") return event;
  const { messages: _repeated, ...rest } = event;
  return rest;
}
