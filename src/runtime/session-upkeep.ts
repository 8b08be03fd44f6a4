/**
 * After a run: bring the search index up to date with the session just written, and once a day delete sessions
 * older than the retention setting. Neither may fail the run; a problem is one line on stderr.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { expireSessions, sessionsDir } from "../store/session-store.ts";

export const DEFAULT_RETENTION_DAYS = 90;

export async function afterRun(input: {
  dataDir: string;
  retentionDays?: number;
  say: (line: string) => void;
  now?: number;
}): Promise<void> {
  const now = input.now ?? Date.now();
  try {
    expireOncePerDay(input.dataDir, input.retentionDays ?? DEFAULT_RETENTION_DAYS, now);
  } catch (error) {
    input.say(`could not expire old sessions: ${(error as Error).message}`);
  }
  try {
    // The index module (and the SQLite binding) load after the run's output is written.
    const { withSessionIndex } = await import("../store/session-index.ts");
    withSessionIndex(input.dataDir, () => {});
  } catch (error) {
    // The files are the source of truth; the index is rebuilt from them the next time it is used.
    input.say(
      `the session index was not updated (${(error as Error).message}); hearth sessions will rebuild it`,
    );
  }
}

function expireOncePerDay(dataDir: string, days: number, now: number): void {
  if (days <= 0) return;
  const stamp = join(sessionsDir(dataDir), ".expired");
  try {
    if (now - fs.statSync(stamp).mtimeMs < 86_400_000) return;
  } catch {}
  expireSessions(dataDir, days, now);
  fs.mkdirSync(sessionsDir(dataDir), { recursive: true, mode: 0o700 });
  fs.writeFileSync(stamp, "");
}
