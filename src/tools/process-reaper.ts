/**
 * Nothing a command starts outlives the run. The bash tool registers each command's process group, and every
 * command's environment carries a tag (`HEARTH_PROCESS_TAG`) that its descendants inherit, daemons included:
 * `setsid` and a double fork leave the process group, not the environment. At the end of the run, on SIGINT and
 * SIGTERM (which end the run) and at exit, every registered group and (on Linux, through /proc) every process
 * whose environment has the tag is stopped, zombies aside. A process that clears its own environment and leaves the group
 * escapes; without an OS sandbox nothing stronger is available to an unprivileged process.
 * In the OS sandbox a command's processes already end with the command (policy/sandbox.ts: a pid namespace).
 */
import { readdirSync, readFileSync } from "node:fs";
import { shortRandom } from "../protocol/ids.ts";

export const PROCESS_TAG_VARIABLE = "HEARTH_PROCESS_TAG";

export type ProcessReaper = {
  /** Added to every command's environment. */
  env: Record<string, string>;
  /** A command's process group (the pid of the process spawned detached). */
  track(processGroup: number): void;
  /**
   * SIGTERM everything, then SIGKILL what is still there after `graceMs` (0: SIGKILL at once, as after an
   * interrupt). Resolves to how many were found.
   */
  stopAll(graceMs?: number): Promise<number>;
  /** SIGKILL everything now (for process exit, where nothing can wait). */
  killAll(): void;
};

const POLL_MS = 50;

export function createProcessReaper(options: { procDir?: string } = {}): ProcessReaper {
  const procDir = options.procDir ?? (process.platform === "linux" ? "/proc" : null);
  const tag = `${PROCESS_TAG_VARIABLE}=${process.pid}-${shortRandom(12)}`;
  const groups = new Set<number>();
  let used = false;

  /**
   * What to signal: on Linux the live processes (zombies left out) that are in a registered group or carry the
   * tag, found in /proc; elsewhere the registered groups themselves (as negative pids).
   */
  const targets = (): number[] => {
    if (!procDir) return [...groups].map((group) => -group);
    let names: string[];
    try {
      names = readdirSync(procDir);
    } catch {
      return [];
    }
    const needle = Buffer.from(`\0${tag}\0`);
    const found: number[] = [];
    for (const name of names) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      try {
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ")".
        const stat = readFileSync(`${procDir}/${name}/stat`, "utf8");
        const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (state === "Z" || state === "X") continue;
        if (groups.has(Number(group))) {
          found.push(pid);
          continue;
        }
        // A leading NUL so the tag matches as a whole entry, also when it is the first one.
        const environ = Buffer.concat([Buffer.from([0]), readFileSync(`${procDir}/${name}/environ`)]);
        if (environ.includes(needle)) found.push(pid);
      } catch {
        // gone, or another user's process
      }
    }
    return found;
  };

  /** Sends `signal` to every target; returns how many were still there. */
  const signalAll = (signal: NodeJS.Signals | 0): number => {
    // No command ran: nothing to look for (and no /proc scan at the end of a run without commands).
    if (!used) return 0;
    let alive = 0;
    for (const target of targets()) {
      if (send(target, signal)) alive++;
      else if (target < 0) groups.delete(-target);
    }
    return alive;
  };

  return {
    env: { [PROCESS_TAG_VARIABLE]: tag.slice(PROCESS_TAG_VARIABLE.length + 1) },
    track(processGroup) {
      used = true;
      groups.add(processGroup);
    },
    async stopAll(graceMs = 500) {
      if (graceMs <= 0) return signalAll("SIGKILL");
      const found = signalAll("SIGTERM");
      if (found === 0) return 0;
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, POLL_MS));
        if (signalAll(0) === 0) return found;
      }
      signalAll("SIGKILL");
      return found;
    },
    killAll() {
      signalAll("SIGKILL");
    },
  };
}

/** True when the target exists (the signal, if any, was delivered). */
function send(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false;
  }
}
