/**
 * One prompt run by another agent CLI (`--runtime claude`) or an ACP agent (`--runtime acp:<command>`): recorded
 * as the session's next turn like any prompt, but the work is the child's (started by runtime-start.ts). The
 * child's events become the session's (delegate/run-runtime.ts); its session id is recorded, so the next prompt
 * (or `-c`) continues the child's own session.
 */
import type { CommandOf } from "../protocol/commands.ts";
import type { AgentEventOf, AgentEventType } from "../protocol/events.ts";
import { modelRecord, type SessionParts } from "./compose-session.ts";
import { processRedactor } from "./process-redactor.ts";
import { prepareRuntime, type RuntimeStart } from "./runtime-start.ts";

type Emit = <K extends AgentEventType>(
  type: K,
  payload: Omit<AgentEventOf<K>, "type" | "sessionId" | "turn" | "ts">,
) => void;

export async function runRuntimeTurn(
  parts: SessionParts,
  command: CommandOf<"prompt">,
  emit: Emit,
  signal: AbortSignal,
): Promise<void> {
  const startedAt = Date.now();
  const name = parts.runtime ?? "";
  const refuse = (text: string) => {
    emit("notice", { level: "error", text });
    emit("prompt_ended", {
      reason: "error",
      error: text,
      turns: 0,
      usage: { inputTokens: 0, outputTokens: 0 },
      costUsd: null,
      durationMs: Date.now() - startedAt,
    });
  };
  if (command.attachments?.length)
    return refuse(`attachments are not passed to ${name}: name the files in the prompt instead`);
  const prepared = await prepareRuntime(parts, name, emit);
  if (!prepared.ok) return refuse(prepared.problem);
  return drive(parts, command.text, name, prepared.start, emit, signal, startedAt);
}

/** Records the turn, runs the child, records and passes on its events, ends the prompt. */
async function drive(
  parts: SessionParts,
  text: string,
  name: string,
  start: RuntimeStart,
  emit: Emit,
  signal: AbortSignal,
  startedAt: number,
): Promise<void> {
  const { session, journal } = parts;
  const prompt = processRedactor().redactKnown(text);
  try {
    session.begin(prompt, modelRecord(parts), parts.policy.mode);
    session.beginRuntime(name);
  } catch (error) {
    const message = (error as Error).message;
    emit("notice", { level: "error", text: message });
    emit("prompt_ended", {
      reason: "error",
      error: message,
      turns: 0,
      usage: { inputTokens: 0, outputTokens: 0 },
      costUsd: null,
      durationMs: Date.now() - startedAt,
    });
    return;
  }
  journal.beginTurn(session.turn);
  emit("user_message", { text: prompt });

  let sessionFailure: string | undefined;
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  // --max-time (or maxTime) bounds the child's run as it bounds hearth's own: it is stopped when time is up.
  const maxTimeMs = parts.current.guarded.limits.maxTimeMs;
  let timedOut = false;
  const timer =
    maxTimeMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error("max time"));
        }, maxTimeMs);
  const run = start(prompt, session.childSession(name), controller.signal);
  for await (const event of run.events) {
    try {
      session.record(event);
    } catch (error) {
      if (sessionFailure === undefined) {
        sessionFailure = `${(error as Error).message}; stopped, and the session is kept up to its last whole record`;
        controller.abort(new Error(sessionFailure));
      }
    }
    journal.event(event);
    // The child's calls in flight, for the lines an interrupt prints.
    parts.inFlight.event(event);
    parts.forward(event);
  }
  signal.removeEventListener("abort", onAbort);
  if (timer) clearTimeout(timer);
  const result = await run.result;
  if (timedOut && !signal.aborted) result.reason = "max_time";
  journal.endTurn();
  // The child's failure is the prompt's error (prompt_ended): each front says it once.
  if (sessionFailure !== undefined) emit("notice", { level: "error", text: sessionFailure });
  emit("prompt_ended", {
    reason: sessionFailure !== undefined ? "error" : result.reason,
    ...(sessionFailure !== undefined
      ? { error: sessionFailure }
      : result.error
        ? { error: result.error }
        : {}),
    turns: result.turns,
    usage: result.usage,
    costUsd: result.costUsd ?? null,
    durationMs: Date.now() - startedAt,
  });
}
