/**
 * One prompt run by another agent CLI (`--runtime claude`) or an ACP agent (`--runtime acp:<command>`): recorded
 * as the session's next turn like any prompt, but the work is the child's. It gets hearth's scrubbed environment
 * plus the variables it needs (its own key), the permission mode mapped to its own (delegate/runtimes.ts), and in
 * offline mode it starts only when its model is on this machine. The child's events become the session's
 * (delegate/run-runtime.ts); its session id is recorded, so the next prompt (or `-c`) continues the child's own
 * session. An ACP agent's permission requests become the session's own `permission_requested` events.
 */
import { runAcpRuntime } from "../delegate/acp-runtime.ts";
import { checkRuntime } from "../delegate/find-runtime.ts";
import { type RuntimeRun, runRuntime } from "../delegate/run-runtime.ts";
import { isLoopbackUrl, modelEndpoint } from "../delegate/runtime-endpoint.ts";
import { isRuntimeName, RUNTIME_NAMES, RUNTIMES } from "../delegate/runtimes.ts";
import { findExecutable } from "../policy/find-executable.ts";
import type { CommandOf } from "../protocol/commands.ts";
import type { AgentEventOf, AgentEventType } from "../protocol/events.ts";
import { scrubChildEnv } from "../secrets/child-env.ts";
import { modelRecord, type SessionParts } from "./compose-session.ts";
import { processRedactor } from "./process-redactor.ts";

type Emit = <K extends AgentEventType>(
  type: K,
  payload: Omit<AgentEventOf<K>, "type" | "sessionId" | "turn" | "ts">,
) => void;

/** What starts the child once the turn is recorded: the prompt, its resume id, the signal that stops it. */
type Start = (prompt: string, resume: string | undefined, signal: AbortSignal) => RuntimeRun;

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
  const acpCommand = name.startsWith("acp:") ? name.slice(4).trim() : undefined;
  if (command.attachments?.length)
    return refuse(`attachments are not passed to ${name}: name the files in the prompt instead`);
  const offline = parts.options.offline === true || parts.settings.offline === true;
  const mode = parts.policy.mode;

  if (acpCommand !== undefined) {
    const program = acpCommand.split(/\s+/)[0] ?? "";
    if (!program) return refuse("--runtime acp:<command> needs a command, e.g. acp:claude-code-acp");
    if (offline)
      return refuse(
        `offline: hearth cannot tell where the model of the ACP agent ${program} is, so it does not start it in offline mode`,
      );
    if (!program.includes("/") && !findExecutable(program, parts.env.PATH))
      return refuse(
        `the ACP agent ${program} is not on PATH: install it, or give its path (acp:/path/to/agent)`,
      );
    const env = scrubChildEnv(parts.env, [], parts.settings.env?.allow ?? []);
    const start: Start = (prompt, resume, stop) =>
      runAcpRuntime(
        {
          command: acpCommand,
          prompt,
          cwd: parts.workspace.root,
          env,
          mode,
          ...(resume ? { resume } : {}),
          sessionId: parts.session.id,
          ask: (request) => askPerson(parts, emit, name, request, stop),
        },
        stop,
      );
    return drive(parts, command.text, name, start, emit, signal, startedAt);
  }

  if (!isRuntimeName(name))
    return refuse(`no runtime "${name}": use one of ${RUNTIME_NAMES.join(", ")}, or acp:<command>`);
  const spec = RUNTIMES[name];
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
    ...spec.modeEnv?.(mode),
    ...(offline ? spec.offlineEnv : {}),
  };
  const found = await checkRuntime(spec, env);
  if (!found.ok) return refuse(found.problem);
  const start: Start = (prompt, resume, stop) =>
    runRuntime(
      {
        spec,
        command: found.path,
        prompt,
        cwd: parts.workspace.root,
        env,
        mode,
        ...(resume ? { resume } : {}),
        sessionId: parts.session.id,
      },
      stop,
    );
  return drive(parts, command.text, name, start, emit, signal, startedAt);
}

/** Records the turn, runs the child, records and passes on its events, ends the prompt. */
async function drive(
  parts: SessionParts,
  text: string,
  name: string,
  start: Start,
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

/** An ACP agent's permission request as the session's own: asked at the front, answered there. */
async function askPerson(
  parts: SessionParts,
  emit: Emit,
  runtime: string,
  request: { callId: string; title: string; kind: string; input: Record<string, unknown> },
  signal: AbortSignal,
): Promise<"allow" | "deny"> {
  const { requestId, answer } = parts.broker.open(signal);
  const call = {
    callId: request.callId,
    tool: request.kind,
    arguments: request.input,
    target: request.title,
  };
  emit("permission_requested", {
    requestId,
    ...call,
    kind: request.kind,
    reason: `the runtime ${runtime} asks before this call`,
    cause: "mode",
  });
  const answered = await answer;
  const allow = answered.decision !== "deny" && answered.decision !== "interrupted";
  emit("permission_resolved", {
    requestId,
    ...call,
    decision: allow ? "allow" : "deny",
    by: answered.decision === "interrupted" ? "interrupt" : "answer",
    ...(answered.decision !== "interrupted" ? { answer: answered.decision } : {}),
    ...(answered.decision === "deny" && answered.reason ? { reason: answered.reason } : {}),
  });
  return allow ? "allow" : "deny";
}
