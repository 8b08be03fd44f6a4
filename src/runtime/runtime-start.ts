/**
 * Getting a runtime ready to run a prompt: the checks that come before anything is recorded (a runtime hearth
 * knows, installed and new enough; in offline mode, its model on loopback; an ACP agent on PATH) and the
 * environment it gets (hearth's scrub, plus its own variables, its mode, no side traffic). What comes back starts
 * the child: for a prompt turn (runtime-turn.ts) and for the model's `delegate` tool (delegate-call.ts).
 */
import { checkRuntime } from "../delegate/find-runtime.ts";
import { type RuntimeRun, runRuntime } from "../delegate/run-runtime.ts";
import { isLoopbackUrl, modelEndpoint } from "../delegate/runtime-endpoint.ts";
import { loginProblem } from "../delegate/runtime-login.ts";
import { isRuntimeName, RUNTIME_NAMES, RUNTIMES } from "../delegate/runtimes.ts";
import { findExecutable } from "../policy/find-executable.ts";
import type { AgentEventOf, AgentEventType } from "../protocol/events.ts";
import { scrubChildEnv } from "../secrets/child-env.ts";
import type { SessionParts } from "./compose-session.ts";

type Emit = <K extends AgentEventType>(
  type: K,
  payload: Omit<AgentEventOf<K>, "type" | "sessionId" | "turn" | "ts">,
) => void;

/** Starts the child on a prompt, continuing its session `resume` when given; `signal` stops it. */
export type RuntimeStart = (prompt: string, resume: string | undefined, signal: AbortSignal) => RuntimeRun;

export async function prepareRuntime(
  parts: SessionParts,
  name: string,
  emit: Emit,
): Promise<{ ok: true; start: RuntimeStart } | { ok: false; problem: string }> {
  const offline = parts.options.offline === true || parts.settings.offline === true;
  const mode = parts.policy.mode;
  const acpCommand = name.startsWith("acp:") ? name.slice(4).trim() : undefined;
  if (acpCommand !== undefined) {
    const program = acpCommand.split(/\s+/)[0] ?? "";
    if (!program)
      return { ok: false, problem: "--runtime acp:<command> needs a command, e.g. acp:claude-code-acp" };
    if (offline)
      return {
        ok: false,
        problem: `offline: hearth cannot tell where the model of the ACP agent ${program} is, so it does not start it in offline mode`,
      };
    if (!program.includes("/") && !findExecutable(program, parts.env.PATH))
      return {
        ok: false,
        problem: `the ACP agent ${program} is not on PATH: install it, or give its path (acp:/path/to/agent)`,
      };
    const env = scrubChildEnv(parts.env, [], parts.settings.env?.allow ?? []);
    // The ACP client (and the SDK it loads) only for an ACP runtime: -p and the UI stay without it.
    const { runAcpRuntime } = await import("../delegate/acp-runtime.ts");
    return {
      ok: true,
      start: (prompt, resume, stop) =>
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
        ),
    };
  }
  if (!isRuntimeName(name))
    return {
      ok: false,
      problem: `no runtime "${name}": use one of ${RUNTIME_NAMES.join(", ")}, or acp:<command>`,
    };
  const spec = RUNTIMES[name];
  if (offline) {
    const endpoint = modelEndpoint(name, parts.env);
    if (!isLoopbackUrl(endpoint.url))
      return {
        ok: false,
        problem: `offline: hearth starts ${name} only when its model is on this machine, and it would use ${endpoint.url} (${endpoint.from}); point it at a loopback server or leave offline mode`,
      };
  }
  // Hearth's scrub, but the runtime's own key passes (it is the runtime's to use), and nothing phones home.
  const env = {
    ...scrubChildEnv(parts.env, [], [...spec.passEnv, ...(parts.settings.env?.allow ?? [])]),
    ...spec.quietEnv,
    ...spec.modeEnv?.(mode),
    ...(offline ? spec.offlineEnv : {}),
  };
  const found = await checkRuntime(spec, env);
  if (!found.ok) return { ok: false, problem: found.problem };
  const login = await loginProblem(spec, found.path, env);
  if (login) return { ok: false, problem: login };
  return {
    ok: true,
    start: (prompt, resume, stop) =>
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
      ),
  };
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
