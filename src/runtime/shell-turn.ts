/**
 * A command the person typed (the terminal UI's `!cmd`): run by the bash tool under the same policy, sandbox and
 * watchdog as a command the model asks for (a destructive one still needs a yes, a deny rule still refuses),
 * shown to the fronts as a tool call, and recorded as the person's message with its output, so the model sees
 * what was run and what it printed with the next prompt. No model request is made.
 */
import type { CommandOf } from "../protocol/commands.ts";
import { SHELL_CALL_PREFIX, shortRandom } from "../protocol/ids.ts";
import type { ToolCallPart } from "../protocol/messages.ts";
import { type Emit, modelRecord, type SessionParts } from "./compose-session.ts";
import { processRedactor } from "./process-redactor.ts";

export async function runShellTurn(
  parts: SessionParts,
  command: CommandOf<"shell">,
  emit: Emit,
  signal: AbortSignal,
): Promise<void> {
  const text = typeof command.command === "string" ? command.command.trim() : "";
  if (text === "") {
    emit("notice", { level: "error", text: "shell needs a command, e.g. !git status" });
    return;
  }
  if (!parts.info().tools.includes("bash")) {
    emit("notice", { level: "error", text: "commands are not available in this session (no bash tool)" });
    return;
  }
  const call: ToolCallPart = {
    type: "tool_call",
    id: `${SHELL_CALL_PREFIX}${shortRandom(8)}`,
    name: "bash",
    arguments: { command: text },
  };
  const started = Date.now();
  emit("tool_call_started", { call });
  const outcome = await parts.tools.run(call, signal);
  emit("tool_call_ended", {
    call,
    content: outcome.content,
    isError: outcome.isError,
    durationMs: Date.now() - started,
    ...(outcome.details !== undefined ? { details: outcome.details } : {}),
  });
  // The output is already redacted and cut as the model would get it from its own call.
  const said = processRedactor().redactKnown(
    `I ran this command myself:\n$ ${text}\n${outcome.content || "(no output)"}`,
  );
  try {
    parts.session.begin(said, modelRecord(parts), parts.policy.mode);
  } catch (error) {
    emit("notice", {
      level: "error",
      text: `the command's output was not saved: ${(error as Error).message}`,
    });
  }
}
