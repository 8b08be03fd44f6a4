/**
 * A hostile neighbour for race tests: a real process that flips a folder between itself and a symlink to
 * `target` (move the folder aside, put the link in its place, take it away, move the folder back), as fast as
 * it can or holding each of the two states for `holdMs`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { waitGone } from "./processes.ts";

const FLIPPER = `
const fs = require("node:fs");
const [dir, target, hold] = process.argv.slice(1);
const pause = new Int32Array(new SharedArrayBuffer(4));
const wait = () => hold > 0 && Atomics.wait(pause, 0, 0, Number(hold));
for (let i = 0; ; i++) {
  const aside = dir + ".aside" + i;
  try { fs.renameSync(dir, aside); } catch { continue; }
  try { fs.symlinkSync(target, dir); wait(); } catch {}
  try { fs.unlinkSync(dir); } catch {}
  try { fs.renameSync(aside, dir); wait(); } catch {}
}`;

export function startFlipper(dir: string, target: string, holdMs = 0): ChildProcess {
  return spawn(process.execPath, ["-e", FLIPPER, dir, target, String(holdMs)], { stdio: "ignore" });
}

/** Kills `child` (a flipper, or any helper process) and waits until it is gone. */
export async function stopChild(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  if (child.pid) await waitGone(child.pid, 5000);
}
