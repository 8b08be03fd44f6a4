/**
 * What is running right now, for the person at the front: the tool calls in flight (fed from the session's
 * events) and the model request waiting for an answer. On an interrupt, and when the watchdog stops a call, one
 * line per call says what it was: name, kind, session, how long it ran, and its arguments (redacted, then cut).
 * The daily log gets its own diagnostic line (runtime/run-log.ts).
 */
import type { AgentEvent } from "../protocol/events.ts";
import type { ToolCallPart } from "../protocol/messages.ts";

/** Longest argument text in a line. */
const ARGUMENT_CHARS = 120;

export type CallsInFlight = {
  event(event: AgentEvent): void;
  /** One line per call in flight (and the model request, if one waits), for an interrupt. */
  interruptLines(): string[];
  /** The line for a call the watchdog stopped, from its `tool_call_ended` event; null for any other result. */
  watchdogLine(event: Extract<AgentEvent, { type: "tool_call_ended" }>): string | null;
};

export function createCallsInFlight(input: {
  sessionId: string;
  kindOf: (tool: string) => string;
  redact: (text: string) => string;
  now?: () => number;
}): CallsInFlight {
  const now = input.now ?? Date.now;
  const session = input.sessionId.slice(-8);
  const calls = new Map<string, { call: ToolCallPart; startedAt: number }>();
  let request: { turn: number; sentAt: number } | null = null;

  const describe = (call: ToolCallPart, ranMs: number) => {
    const args = input.redact(JSON.stringify(call.arguments ?? {}));
    const shown = args.length > ARGUMENT_CHARS ? `${args.slice(0, ARGUMENT_CHARS - 1)}…` : args;
    return `${call.name} (${input.kindOf(call.name)}) in session ${session}, running ${seconds(ranMs)}: ${shown}`;
  };

  return {
    event(event) {
      switch (event.type) {
        case "request_sent":
          request = { turn: event.turn, sentAt: event.ts };
          return;
        case "message_ended":
        case "retry_scheduled":
        case "agent_ended":
          request = null;
          return;
        case "tool_call_started":
          calls.set(event.call.id, { call: event.call, startedAt: event.ts });
          return;
        case "tool_call_ended":
          calls.delete(event.call.id);
          return;
      }
    },
    interruptLines() {
      const at = now();
      const lines = [...calls.values()].map(
        ({ call, startedAt }) => `interrupted: ${describe(call, at - startedAt)}`,
      );
      if (request)
        lines.push(
          `interrupted: the model request of turn ${request.turn} in session ${session}, waiting ${seconds(at - request.sentAt)}`,
        );
      return lines;
    },
    watchdogLine(event) {
      const details = event.details as { watchdog?: { timeoutMs: number } } | undefined;
      if (!details?.watchdog) return null;
      return `watchdog: stopped ${describe(event.call, event.durationMs)} (its limit: ${seconds(details.watchdog.timeoutMs)})`;
    },
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
