/**
 * What a runtime parser reads out of an agent CLI's JSON lines: a small vocabulary between the CLI's own events
 * and ours. One parser per CLI turns each line into these (pure, no I/O); run-runtime.ts assembles them into the
 * session's events (text_delta, message_ended, tool_call_started/ended, agent_ended).
 */
import type { Usage } from "../protocol/messages.ts";

export type RuntimeEvent =
  /** The child's own session (thread) id, and its model when it says: what `-c` resumes. */
  | { kind: "session"; id: string; model?: string }
  /** A piece of the answer (or all of it, when the CLI sends whole messages). */
  | { kind: "text"; text: string }
  | { kind: "reasoning"; text: string }
  /** The child started a tool call (its own tool names: Bash, Write, command_execution...). */
  | { kind: "tool_call"; id: string; name: string; arguments: Record<string, unknown> }
  /** The child's tool call ended. */
  | { kind: "tool_result"; id: string; content: string; isError: boolean }
  /** One model response of the child is over; its usage when the CLI reports one per response. */
  | { kind: "response_ended"; usage?: Usage }
  /** Something for the person to know (a retry, a warning), in the CLI's words. */
  | { kind: "notice"; level: "info" | "warning" | "error"; text: string }
  /**
   * The child's run is over. `usage` is the whole run's when the CLI reports a total (it then replaces the sum of
   * the responses'); `error` says why it failed, in one line.
   */
  | { kind: "ended"; ok: boolean; error?: string; usage?: Usage; costUsd?: number; turns?: number };

/** A parser for one CLI's output: fed one line at a time, then `end` when the child's stdout closes. */
export type RuntimeParser = {
  line(text: string): RuntimeEvent[];
  /** Whatever the last lines left open; the run's end is the caller's to decide when no `ended` came. */
  end(): RuntimeEvent[];
};

/** A line as a JSON object, or null (a CLI may print a banner or a warning between its JSON lines). */
export function jsonLine(text: string): Record<string, unknown> | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return null;
  try {
    const value = JSON.parse(trimmed) as unknown;
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
export const num = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;
export const obj = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
export const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
