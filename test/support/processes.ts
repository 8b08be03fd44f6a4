/** Test helpers for processes: is a pid gone, and wait until it is. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** True once the process is gone (or a zombie nobody has reaped yet). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const statFile = `/proc/${pid}/stat`;
  if (!existsSync(statFile)) return false;
  const state = readFileSync(statFile, "utf8").split(") ")[1]?.[0];
  return state === "Z" || state === "X";
}

/** Polls until the process is gone or `ms` pass; true when it is gone. */
export async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (isGone(pid)) return true;
    await sleep(50);
  }
  return isGone(pid);
}

/** Pids of live processes whose command line contains `text` (read from /proc: no pgrep of our own shell). */
export function processesNamed(text: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(text) && !isGone(pid)) found.push(pid);
    } catch {
      // gone
    }
  }
  return found;
}

/** Polls until no live process has `text` in its command line; true when none is left. */
export async function waitNoneNamed(text: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (processesNamed(text).length === 0) return true;
    await sleep(50);
  }
  return processesNamed(text).length === 0;
}
