/**
 * An ACP agent's `session/update` notifications read into runtime events (pure): message and thought chunks as
 * text and reasoning, `tool_call` as a call, a `tool_call_update` that ends one (completed or failed) as its
 * result, `usage_update` as the usage so far. Updates the session is not about (plans, commands, modes) say nothing.
 */
import { arr, num, obj, type RuntimeEvent, str } from "./runtime-events.ts";

export function acpUpdateEvents(update: Record<string, unknown>, started: Set<string>): RuntimeEvent[] {
  switch (update.sessionUpdate) {
    case "agent_message_chunk":
    case "agent_thought_chunk": {
      const content = obj(update.content);
      const text = content.type === "text" ? str(content.text) : undefined;
      if (!text) return [];
      return [{ kind: update.sessionUpdate === "agent_message_chunk" ? "text" : "reasoning", text }];
    }
    case "tool_call":
    case "tool_call_update": {
      const id = str(update.toolCallId) ?? "";
      const out: RuntimeEvent[] = [];
      if (!started.has(id) && (update.sessionUpdate === "tool_call" || update.title)) {
        started.add(id);
        out.push({
          kind: "tool_call",
          id,
          name: str(update.kind) ?? "other",
          arguments: { title: str(update.title) ?? "", ...obj(update.rawInput) },
        });
      }
      if (update.status === "completed" || update.status === "failed") {
        if (!started.has(id)) return out;
        started.delete(id);
        out.push({
          kind: "tool_result",
          id,
          content: contentText(update),
          isError: update.status === "failed",
        });
      }
      return out;
    }
    default:
      return [];
  }
}

/** What a finished tool call showed: its text content, else its raw output. */
function contentText(update: Record<string, unknown>): string {
  const texts = arr(update.content)
    .map(obj)
    .map((item) => {
      if (item.type === "content") return str(obj(item.content).text) ?? "";
      if (item.type === "diff") return `diff ${str(item.path) ?? ""}`;
      if (item.type === "terminal") return `terminal ${str(item.terminalId) ?? ""}`;
      return "";
    })
    .filter(Boolean);
  if (texts.length > 0) return texts.join("\n");
  const raw = update.rawOutput;
  return raw === undefined ? (str(update.status) ?? "") : typeof raw === "string" ? raw : JSON.stringify(raw);
}

/** ACP's stop reasons as the end of a run: only end_turn is a run that finished. */
export function acpEnded(stopReason: unknown, usage?: Record<string, unknown>): RuntimeEvent {
  const ok = stopReason === "end_turn";
  const input = num(usage?.inputTokens);
  const output = num(usage?.outputTokens);
  return {
    kind: "ended",
    ok,
    ...(ok ? {} : { error: `the agent stopped: ${String(stopReason)}` }),
    ...(input !== undefined || output !== undefined
      ? { usage: { inputTokens: input ?? 0, outputTokens: output ?? 0 } }
      : {}),
  };
}
