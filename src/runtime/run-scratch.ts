/**
 * The run's own scratch folder: TMPDIR for every command (in the sandbox and without one), so temp files land
 * where nobody else's are. The classifier exempts it from the destructive checks that hold for the rest of the
 * temp dir (someone else's files live there), and it is removed when the run ends. A run killed outright (kill -9,
 * the OOM killer) cannot remove its own: the next run, as it ends (off the start-up path: the sweep costs
 * milliseconds), removes those whose process is gone, once an hour old.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type RunScratch = {
  /** The folder, created owner-only. */
  dir: string;
  /** Removes the folder and everything in it, and those of killed runs; never throws. */
  remove(): void;
};

export function createRunScratch(env: NodeJS.ProcessEnv, sessionId: string): RunScratch {
  const base = join(env.TMPDIR || tmpdir(), `hearth-${process.getuid?.() ?? "user"}`);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  // A new folder per run (a resumed session gets a fresh one), named so a person can tell whose it is.
  const dir = join(base, `${sessionId}-${process.pid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    dir,
    remove: () => {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // A file a command made read-only, or a mount: left for the OS's temp cleaning.
      }
      removeOrphans(base);
    },
  };
}

/** An hour: a live run in another PID namespace (a container sharing /tmp) looks dead but keeps its folder fresh. */
const ORPHAN_AGE_MS = 60 * 60 * 1000;

/** Removes the scratch folders of runs whose process is gone (`<session>-<pid>`, an hour old or more). */
function removeOrphans(base: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    const dir = join(base, name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < ORPHAN_AGE_MS) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // gone already, or not ours to remove: leave it
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
