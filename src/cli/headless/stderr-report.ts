/** Human lines on stderr during a headless run (refusals are reported by the permission policy). */
import type { AgentEvent } from "../../protocol/events.ts";

export function reportEvent(event: AgentEvent, say: (line: string) => void): void {
  if (event.type === "retry_scheduled") {
    say(
      `${event.error.message} (retrying in ${(event.delayMs / 1000).toFixed(1)} s, attempt ${event.attempt + 1})`,
    );
  }
}
