/** Human lines on stderr during a headless run: retries and refusals. stdout stays for the result. */
import type { AgentEvent } from "../../protocol/events.ts";

export function reportEvent(event: AgentEvent, say: (line: string) => void): void {
  if (event.type === "retry_scheduled") {
    say(
      `${event.error.message} (retrying in ${(event.delayMs / 1000).toFixed(1)} s, attempt ${event.attempt + 1})`,
    );
  }
}

/** One line for a refused tool call: what was refused and what would allow it. */
export function describeRefusal(toolName: string, args: unknown, mode: string): string {
  const a = (args ?? {}) as Record<string, unknown>;
  const target = typeof a.command === "string" ? a.command : typeof a.path === "string" ? a.path : "";
  const shown = target.length > 80 ? `${target.slice(0, 79)}…` : target;
  const fix = mode === "plan" ? "plan mode is read-only" : "allow with --permission-mode auto";
  return `refused ${toolName}${shown ? ` ${JSON.stringify(shown)}` : ""} (permission mode ${mode}; ${fix})`;
}
