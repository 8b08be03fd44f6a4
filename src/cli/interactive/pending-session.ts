/**
 * A session that is still opening, standing in for it so the prompt can be drawn (and typed in) at once while the
 * runtime loads, the settings are read and the model is chosen. Commands submitted meanwhile are kept and handed
 * over in order once it is open; `close` before then cancels the opening (an interrupt has nothing to stop yet). Its events are the
 * opened session's, after the lines the opening reported. When the opening fails, the events end and `failure`
 * says why, for the front to report once the terminal is put back.
 */
import type { Command } from "../../protocol/commands.ts";
import type { SessionEvent } from "../../protocol/events.ts";
import type { OpenResult, RuntimeSession, SessionInfo } from "../../runtime/session-runtime.ts";

export type PendingSession = RuntimeSession & {
  /** Set when the opening failed (or was cancelled: exit code set, message empty). */
  readonly failure: { exitCode: number; message: string } | null;
};

/**
 * `open` starts the opening with the signal that cancels it and a sink for its diagnostics (settings warnings),
 * which become notices before the session's own events. `placeholder` is what the status line shows until then.
 */
export function pendingSession(
  open: (signal: AbortSignal, diagnostics: (text: string) => void) => Promise<OpenResult>,
  placeholder: SessionInfo,
): PendingSession {
  const cancel = new AbortController();
  const early: string[] = [];
  const waiting: Command[] = [];
  let session: RuntimeSession | null = null;
  let failure: PendingSession["failure"] = null;
  const opened = open(cancel.signal, (text) => early.push(text.trimEnd())).then((result) => {
    if (!result.ok) {
      failure = { exitCode: result.exitCode, message: result.message };
      return null;
    }
    session = result.session;
    for (const command of waiting.splice(0)) session.submit(command);
    return session;
  });

  async function* events(): AsyncGenerator<SessionEvent> {
    const real = await opened;
    for (const text of early.splice(0))
      for (const line of text.split("\n").filter(Boolean))
        yield { type: "notice", sessionId: "", turn: 0, ts: Date.now(), level: "warning", text: line };
    if (real) yield* real.events;
  }

  return {
    get info() {
      return session ? session.info : placeholder;
    },
    events: events(),
    get failure() {
      return failure;
    },
    submit(command) {
      if (session) {
        session.submit(command);
        return;
      }
      if (failure) return;
      if (command.type === "close") {
        // Nothing runs yet: closing means not opening.
        cancel.abort();
        return;
      }
      // Nothing runs to interrupt, and an answer can only be for a request of the open session.
      if (command.type !== "interrupt" && command.type !== "answer_permission") waiting.push(command);
    },
    guarded() {
      if (!session) throw new Error("the session is still opening");
      return session.guarded();
    },
    get closed() {
      return opened.then(async (real) => {
        await real?.closed;
      });
    },
    idle() {
      return opened.then(async (real) => {
        await real?.idle();
      });
    },
  };
}
