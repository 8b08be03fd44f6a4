/**
 * One writer per session. A lock file next to the session holds the owner's pid, host and process start time;
 * a second hearth on the same session is refused (it can fork instead). A lock whose owner is gone (killed,
 * crashed, or a reused pid that is a different process) is stale and taken over.
 */
import * as fs from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";

type LockOwner = { pid: number; host: string; started: string | null; at: string };

export type SessionLock = { release(): void };

export class SessionLockedError extends Error {
  readonly owner: LockOwner;
  constructor(message: string, owner: LockOwner) {
    super(message);
    this.name = "SessionLockedError";
    this.owner = owner;
  }
}

/** Takes the lock or throws SessionLockedError. The lock is released on release() or when the process exits. */
export function lockSession(lockPath: string, sessionId: string): SessionLock {
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    started: processStart(process.pid),
    at: new Date().toISOString(),
  };
  fs.mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify(me), { flag: "wx", mode: 0o600 });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        try {
          // Only remove our own lock.
          if (readOwner(lockPath)?.pid === me.pid) fs.unlinkSync(lockPath);
        } catch {}
      };
      process.on("exit", release);
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = readOwner(lockPath);
    if (owner && isAlive(owner)) {
      throw new SessionLockedError(
        `session ${sessionId} is open in another hearth (pid ${owner.pid}${owner.host !== me.host ? ` on ${owner.host}` : ""}, since ${owner.at}); wait for it to finish, or branch it with: hearth sessions fork ${sessionId}`,
        owner,
      );
    }
    // Stale (or unreadable: a crash between create and write): take it over.
    try {
      fs.unlinkSync(lockPath);
    } catch {}
  }
  throw new Error(`could not lock session ${sessionId} (${lockPath}); try again`);
}

function readOwner(lockPath: string): LockOwner | null {
  try {
    const value = JSON.parse(fs.readFileSync(lockPath, "utf8"));
    return typeof value?.pid === "number" ? value : null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another machine (a shared home directory): we cannot check, so it counts as alive.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // The pid is in use; on Linux, make sure it is the same process and not a reused pid.
  const started = processStart(owner.pid);
  return owner.started === null || started === null || started === owner.started;
}

/** The process start time from /proc (Linux), in clock ticks since boot; null elsewhere. */
function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22, counted after the command name (which is in parentheses and may hold spaces).
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}
