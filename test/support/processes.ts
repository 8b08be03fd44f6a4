/** Test helpers for processes: is a pid gone, and wait until it is. */
import { existsSync, readFileSync } from "node:fs";
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
