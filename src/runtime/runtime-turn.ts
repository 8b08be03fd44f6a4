/**
 * One prompt run by another agent CLI (`--runtime claude`): recorded as the session's next turn like any prompt,
 * but the work is the child's. It gets hearth's scrubbed environment plus the variables it needs (its own key),
 * the permission mode mapped to its own (delegate/runtimes.ts), and in offline mode it starts only when its model
 * is on this machine. The child's events become the session's (delegate/run-runtime.ts); its session id is
 * recorded, so the next prompt (or `-c`) continues the child's own session.
 */

import { checkRuntime } from "../delegate/find-runtime.ts";
import { runRuntime } from "../delegate/run-runtime.ts";
import { isLoopbackUrl, modelEndpoint } from "../delegate/runtime-endpoint.ts";
import { isRuntimeName, RUNTIME_NAMES, RUNTIMES } from "../delegate/runtimes.ts";
import type { CommandOf } from "../protocol/commands.ts";
import type { AgentEventOf, AgentEventType } from "../protocol/events.ts";
import { scrubChildEnv } from "../secrets/child-env.ts";
import { modelRecord, type SessionParts } from "./compose-session.ts";
import { processRedactor } from "./process-redactor.ts";

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
  const { session, journal } = parts;
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
  if (!isRuntimeName(name)) return refuse(`no runtime "${name}": use one of ${RUNTIME_NAMES.join(", ")}`);
  const spec = RUNTIMES[name];
  if (command.attachments?.length)
    return refuse(`attachments are not passed to ${name}: name the files in the prompt instead`);
  const offline = parts.options.offline === true || parts.settings.offline === true;
  if (offline) {
    const endpoint = modelEndpoint(name, parts.env);
    if (!isLoopbackUrl(endpoint.url))
      return refuse(
        `offline: hearth starts ${name} only when its model is on this machine, and it would use ${endpoint.url} (${endpoint.from}); point it at a loopback server or leave offline mode`,
      );
  }
  // Hearth's scrub, but the runtime's own key passes (it is the runtime's to use), and nothing phones home.
  const env = {
    ...scrubChildEnv(parts.env, [], [...spec.passEnv, ...(parts.settings.env?.allow ?? [])]),
    ...spec.quietEnv,
    ...spec.modeEnv?.(parts.policy.mode),
    ...(offline ? spec.offlineEnv : {}),
  };
  const found = await checkRuntime(spec, env);
  if (!found.ok) return refuse(found.problem);
  const prompt = processRedactor().redactKnown(command.text);
  try {
    session.begin(prompt, modelRecord(parts), parts.policy.mode);
    session.beginRuntime(name);
  } catch (error) {
    return refuse((error as Error).message);
  }
  journal.beginTurn(session.turn);
  emit("user_message", { text: prompt });

  const resume = session.childSession(name);
  let sessionFailure: string | undefined;
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const run = runRuntime(
    {
      spec,
      command: found.path,
      prompt,
      cwd: parts.workspace.root,
      env,
      mode: parts.policy.mode,
      ...(resume ? { resume } : {}),
      sessionId: session.id,
    },
    controller.signal,
  );
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
    parts.forward(event);
  }
  signal.removeEventListener("abort", onAbort);
  const result = await run.result;
  journal.endTurn();
  if (sessionFailure !== undefined) emit("notice", { level: "error", text: sessionFailure });
  else if (result.error) emit("notice", { level: "error", text: result.error });
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
