/**
 * Ctrl-C and SIGTERM in a headless run: the first says "interrupted" and does what the run does at that point
 * (stop opening the session, then interrupt the prompt or close the session); a second exits at once, 130.
 */
import { EXIT_INTERRUPTED } from "../../protocol/errors.ts";

export type StopSignals = {
  /** Aborted by a signal that came while the session was still opening (a local server probe stops). */
  readonly opening: AbortSignal;
  /** Whether a signal has come. */
  readonly stopped: boolean;
  /** What a signal does from now on. */
  onStop(action: () => void): void;
  /** Stops listening (the process's default handling is back). */
  off(): void;
};

export function listenForStop(say: (line: string) => void): StopSignals {
  let signals = 0;
  const opening = new AbortController();
  let action: () => void = () => opening.abort();
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(EXIT_INTERRUPTED);
    say("interrupted");
    action();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    opening: opening.signal,
    get stopped() {
      return signals > 0;
    },
    onStop(next) {
      action = next;
    },
    off() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
