/**
 * An ACP agent as a runtime (`--runtime acp:<command>`): the command is started in its own process group and
 * spoken to over stdio with the ACP SDK's client. One prompt: `initialize`, then `session/load` of the child's
 * session when there is one and the agent can load (else `session/new`), the mode it offers that matches ours,
 * `session/prompt`; its updates become runtime events (acp-updates.ts). Its permission requests are not answered
 * here: `ask` (injected by the session runtime) turns each into ours, and only an allow picks an allow option.
 * The agent is stopped when the prompt ends; an abort cancels the prompt, then kills the group.
 */
import { Readable, Writable } from "node:stream";
import { createEventChannel } from "../agent/event-channel.ts";
import type { PermissionMode } from "../protocol/permissions.ts";
import { acpEnded, acpUpdateEvents } from "./acp-updates.ts";
import { assembleRuntime, type RuntimeRun } from "./run-runtime.ts";
import { arr, obj, type RuntimeEvent, str } from "./runtime-events.ts";
import { spawnRuntime } from "./spawn-runtime.ts";

/** What the person decided about one of the agent's permission requests. */
export type AcpPermissionAsk = (request: {
  callId: string;
  title: string;
  kind: string;
  input: Record<string, unknown>;
}) => Promise<"allow" | "deny">;

export type AcpRunInput = {
  /** The command line after `acp:` (split on spaces; no shell). */
  command: string;
  prompt: string;
  cwd: string;
  env: Record<string, string>;
  mode: PermissionMode;
  resume?: string;
  sessionId: string;
  ask: AcpPermissionAsk;
};

/** The agent's mode ids tried for each of ours, in order; never a bypass. */
const MODE_IDS: Record<PermissionMode, string[]> = {
  ask: ["ask", "default"],
  plan: ["plan", "read-only"],
  edits: ["edits", "acceptEdits", "auto_edit"],
  auto: ["auto", "acceptEdits", "edits"],
};

export function runAcpRuntime(input: AcpRunInput, signal: AbortSignal): RuntimeRun {
  const [program, ...args] = input.command.trim().split(/\s+/);
  const name = `acp:${input.command.trim()}`;
  const stopping = new AbortController();
  const onAbort = () => stopping.abort();
  const child = spawnRuntime(program, args, {
    cwd: input.cwd,
    env: input.env,
    signal: stopping.signal,
    stdin: "pipe",
  });
  const events = createEventChannel<RuntimeEvent>();
  let stoppedByUs = false;
  void converse(input, child, events, signal).finally(() => {
    events.close();
    // The agent serves many prompts; this one is over, so is its process.
    stoppedByUs = !signal.aborted;
    child.stop();
    signal.removeEventListener("abort", onAbort);
  });
  signal.addEventListener("abort", onAbort, { once: true });
  // Stopped by us after its prompt: that is how an ACP runtime ends, not a failure.
  const exited = child.exited.then((exit) => (stoppedByUs ? { ...exit, code: 0, signal: null } : exit));
  return assembleRuntime(
    { name, login: "log in with the agent's own command" },
    { sessionId: input.sessionId, ...(input.resume ? { resume: input.resume } : {}) },
    { events, exited },
    signal,
  );
}

async function converse(
  input: AcpRunInput,
  child: ReturnType<typeof spawnRuntime>,
  events: { push(event: RuntimeEvent): void },
  signal: AbortSignal,
): Promise<void> {
  const acp = await import("@agentclientprotocol/sdk");
  if (!child.stdin) return;
  const started = new Set<string>();
  let loading = false;
  let sessionId = "";
  const app = acp
    .client({ name: "hearth" })
    .onNotification("session/update", ({ params }) => {
      // A loaded session replays its history first: the conversation is already ours.
      if (loading || params.sessionId !== sessionId) return;
      for (const event of acpUpdateEvents(params.update as Record<string, unknown>, started))
        events.push(event);
    })
    .onRequest("session/request_permission", async ({ params }) => {
      const call = obj(params.toolCall);
      const decision = await input.ask({
        callId: str(call.toolCallId) ?? "",
        title: str(call.title) ?? "a tool call",
        kind: str(call.kind) ?? "other",
        input: obj(call.rawInput),
      });
      const options = arr(params.options).map(obj);
      const pick = (kind: string) => options.find((o) => o.kind === kind);
      const chosen =
        decision === "allow" ? pick("allow_once") : (pick("reject_once") ?? pick("reject_always"));
      return {
        outcome: chosen
          ? { outcome: "selected" as const, optionId: str(chosen.optionId) ?? "" }
          : { outcome: "cancelled" as const },
      };
    });
  const stream = acp.ndJsonStream(
    Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
    Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>,
  );
  const connection = app.connect(stream);
  const agent = connection.agent;
  const cancel = () => {
    if (sessionId) void agent.notify("session/cancel", { sessionId }).catch(() => {});
  };
  signal.addEventListener("abort", cancel, { once: true });
  try {
    const init = await agent.request("initialize", {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientCapabilities: {},
    });
    const canLoad = obj(init.agentCapabilities).loadSession === true;
    let modes: unknown;
    if (input.resume && canLoad) {
      loading = true;
      sessionId = input.resume;
      const loaded = await agent.request("session/load", { sessionId, cwd: input.cwd, mcpServers: [] });
      loading = false;
      modes = loaded.modes;
    } else {
      const created = await agent.request("session/new", { cwd: input.cwd, mcpServers: [] });
      sessionId = created.sessionId;
      modes = created.modes;
    }
    events.push({ kind: "session", id: sessionId });
    const offered = new Set(arr(obj(modes).availableModes).map((m) => str(obj(m).id)));
    const modeId = MODE_IDS[input.mode].find((id) => offered.has(id));
    if (modeId && modeId !== str(obj(modes).currentModeId))
      await agent.request("session/set_mode", { sessionId, modeId });
    if (signal.aborted) return;
    const answer = await agent.request("session/prompt", {
      sessionId,
      prompt: [{ type: "text", text: input.prompt }],
    });
    events.push({ kind: "response_ended" });
    events.push(acpEnded(answer.stopReason, obj((answer as { usage?: unknown }).usage)));
  } catch (error) {
    if (!signal.aborted)
      events.push({ kind: "ended", ok: false, error: (error as Error).message.split("\n")[0] });
  } finally {
    signal.removeEventListener("abort", cancel);
    connection.close?.();
  }
}
