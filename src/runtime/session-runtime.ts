/**
 * The session runtime: one session of one workspace, driven by commands and reporting events. Every front
 * (headless, the terminal UI, the ACP server) opens one, submits commands (a prompt, an answer to a permission
 * request, an interrupt, a new model or mode, close) and renders the events; none of them composes a run or
 * decides a turn. Prompts run one at a time, each a turn of the session; the model, the tools, the sandbox and
 * the journal stay up between them.
 */
import { createEventChannel } from "../agent/event-channel.ts";
import type { Command } from "../protocol/commands.ts";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, UsageError } from "../protocol/errors.ts";
import type { AgentEventOf, AgentEventType, SessionEvent } from "../protocol/events.ts";
import { SessionNotFoundError } from "../store/session-store.ts";
import { composeSession, type SessionParts } from "./compose-session.ts";
import type { GuardedRun } from "./guarded-run.ts";
import { runPromptTurn } from "./prompt-turn.ts";
import { runRuntimeTurn } from "./runtime-turn.ts";
import type { RuntimeDeps, SessionOptions } from "./session-options.ts";
import { runShellTurn } from "./shell-turn.ts";
import { mark } from "./startup-trace.ts";

export type SessionInfo = Omit<AgentEventOf<"session_info">, "type" | "sessionId" | "turn" | "ts"> & {
  sessionId: string;
};

export type RuntimeSession = {
  readonly info: SessionInfo;
  /** Every event of the session, in order, ending after `session_closed`. One consumer. */
  readonly events: AsyncIterable<SessionEvent>;
  /**
   * Commands run in order, one at a time (interrupt and answer_permission act at once). Prompts still queued at
   * `close` are not run (a notice each); commands submitted after `close` are ignored.
   */
  submit(command: Command): void;
  /** The limits of each prompt (from flags or settings) and where they came from, for a front's wording. */
  guarded(): GuardedRun;
  /** Resolves once the session is closed (after a `close` command). */
  readonly closed: Promise<void>;
  /**
   * Resolves once every command submitted so far has run: none running, none queued (at once when that is
   * so now, or when the session is closed). A front that wants to close after its last command, rather than
   * interrupt it as `close` does, waits for this first.
   */
  idle(): Promise<void>;
};

export type OpenResult =
  | { ok: true; session: RuntimeSession }
  | { ok: false; exitCode: number; message: string };

type Payload<K extends AgentEventType> = Omit<AgentEventOf<K>, "type" | "sessionId" | "turn" | "ts">;

export async function openSession(options: SessionOptions, deps: RuntimeDeps): Promise<OpenResult> {
  const channel = createEventChannel<SessionEvent>();
  /** Notices from opening, emitted once the session exists. */
  const early: Array<{ level: "info" | "warning" | "error"; text: string }> = [];
  let parts: SessionParts;
  // Cancels a model lookup (a local server probe) when the session is closed while opening.
  const opening = new AbortController();
  const onAbort = () => opening.abort();
  deps.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const composed = await composeSession(options, deps, {
      signal: opening.signal,
      notice: (text, level = "warning") => early.push({ level, text }),
    });
    if (!composed.ok) return composed;
    parts = composed.parts;
  } catch (error) {
    const exitCode =
      error instanceof SessionNotFoundError || error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
    return { ok: false, exitCode, message: (error as Error).message };
  } finally {
    deps.signal?.removeEventListener("abort", onAbort);
  }
  if (opening.signal.aborted) {
    await parts.close();
    return { ok: false, exitCode: EXIT_INTERRUPTED, message: "" };
  }
  const { session } = parts;
  const emit = <K extends AgentEventType>(type: K, payload: Payload<K>) =>
    channel.push({
      type,
      sessionId: session.id,
      turn: session.turn,
      ts: Date.now(),
      ...payload,
    } as SessionEvent);
  parts.bindEmit(emit, (event) => channel.push(event));
  emit("session_info", parts.info());
  for (const line of early.splice(0)) emit("notice", line);

  const queue: Command[] = [];
  let running: AbortController | null = null;
  let closing = false;
  let resolveClosed = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  /** Fronts waiting for every submitted command to have run (`idle`). */
  const idleWaiters: Array<() => void> = [];
  const isIdle = () => queue.length === 0 && !running;
  function settle(): void {
    if (isIdle()) for (const resolve of idleWaiters.splice(0)) resolve();
  }

  async function drain(): Promise<void> {
    while (queue.length > 0 && !running) {
      const command = queue.shift() as Command;
      if (command.type === "close") {
        await parts.close();
        emit("session_closed", {});
        channel.close();
        resolveClosed();
        settle();
        return;
      }
      running = new AbortController();
      try {
        await perform(command, running.signal);
      } catch (error) {
        emit("notice", { level: "error", text: `${command.type} failed: ${(error as Error).message}` });
      } finally {
        running = null;
      }
    }
    settle();
  }

  async function perform(command: Command, signal: AbortSignal): Promise<void> {
    switch (command.type) {
      case "prompt":
        if (parts.runtime !== undefined) await runRuntimeTurn(parts, command, emit, signal);
        else await runPromptTurn(parts, command, emit, signal);
        return;
      case "shell":
        await runShellTurn(parts, command, emit, signal);
        return;
      case "set_model":
        await parts.setModel(command.model, signal);
        return;
      case "set_mode":
        parts.setMode(command.mode);
        return;
      case "set_runtime":
        parts.setRuntime(command.runtime);
        return;
      case "compact":
        await parts.compact(signal);
        return;
      case "undo":
        await parts.undo();
        return;
    }
  }

  const runtime: RuntimeSession = {
    get info() {
      return { sessionId: session.id, ...parts.info() };
    },
    events: channel,
    closed,
    guarded: () => parts.current.guarded,
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    submit(command) {
      switch (command.type) {
        case "interrupt":
          if (running) {
            parts.interrupted();
            running.abort(new Error("interrupted"));
          }
          parts.broker.cancelAll();
          return;
        case "answer_permission":
          if (!parts.broker.answer(command.requestId, command.answer))
            emit("notice", {
              level: "warning",
              text: `no permission request ${command.requestId} is waiting`,
            });
          return;
        case "close":
          if (closing) return;
          closing = true;
          // A running prompt ends first (interrupted), then the session closes.
          for (const waiting of queue.splice(0)) if (waiting.type === "prompt") skipped(waiting.text);
          queue.push(command);
          if (running) {
            parts.interrupted();
            running.abort(new Error("closed"));
          }
          parts.broker.cancelAll();
          void drain();
          return;
        default:
          if (closing) return;
          queue.push(command);
          void drain();
      }
    },
  };
  function skipped(text: string) {
    emit("notice", { level: "warning", text: `not run (the session closed): ${text.slice(0, 60)}` });
  }
  mark("session open");
  return { ok: true, session: runtime };
}
