/**
 * The run's own scratch folder: TMPDIR for every command (in the sandbox and without one), so temp files land
 * where nobody else's are. The classifier exempts it from the destructive checks that hold for the rest of the
 * temp dir (someone else's files live there), and it is removed when the run ends.
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type RunScratch = {
  /** The folder, created owner-only. */
  dir: string;
  /** Removes the folder and everything in it; never throws. */
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
    },
  };
}
