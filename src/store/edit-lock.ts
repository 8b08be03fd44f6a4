/**
 * A short lock around a read-modify-replace of a small file (a settings file getting a rule): two hearth
 * processes answering "allow always" at the same moment would otherwise each read the old file and the second
 * rename would drop the first one's rule. The lock is a file beside the target, created exclusively; a holder
 * keeps it for milliseconds, so one older than STALE_MS was left by a killed process and is taken over.
 */
import { closeSync, openSync, rmSync, statSync } from "node:fs";

const WAIT_MS = 2_000;
const STALE_MS = 10_000;
const POLL_MS = 5;

export type Locked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Runs `edit` while holding `<path>.lock`; waits up to two seconds for another holder. */
export function withEditLock<T>(path: string, edit: () => T): Locked<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        return { ok: false, problem: `${lock}: cannot lock: ${(error as NodeJS.ErrnoException).code}` };
      if (isStale(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        return { ok: false, problem: `${path} is being changed by another hearth (${lock}); try again` };
      sleepSync(POLL_MS);
    }
  }
  try {
    return { ok: true, value: edit() };
  } finally {
    rmSync(lock, { force: true });
  }
}

function isStale(lock: string): boolean {
  try {
    return Date.now() - statSync(lock).mtimeMs > STALE_MS;
  } catch {
    return false; // gone already: the next attempt takes it
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
