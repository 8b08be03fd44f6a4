/** A run killed with SIGKILL leaves its scratch folder; the next run removes it (as it ends) once its process is gone. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createRunScratch } from "./run-scratch.ts";

const root = mkdtempSync(join(tmpdir(), "hearth-scratch-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("the scratch folders of killed runs are removed by the next run, live and fresh ones kept", () => {
  const base = join(root, `hearth-${process.getuid?.() ?? "user"}`);
  // A pid that is surely gone: a child that has exited and been reaped.
  const deadPid = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], {
    encoding: "utf8",
  }).stdout.trim();
  const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
  const folder = (name: string, stale: boolean) => {
    const dir = join(base, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "spill.log"), "x".repeat(1000));
    if (stale) utimesSync(dir, old, old);
    return dir;
  };
  const orphan = folder(`01a2-dead-${deadPid}`, true);
  const fresh = folder(`01a2-fresh-${deadPid}0`, false);
  const live = folder(`01a2-live-${process.ppid}`, true);
  const other = folder("not-a-run", true);
  const scratch = createRunScratch({ TMPDIR: root }, "01a2-new");
  assert.ok(existsSync(orphan), "start-up does not pay for the sweep");
  scratch.remove();
  assert.equal(existsSync(scratch.dir), false, "the run's own folder is removed");
  assert.equal(existsSync(orphan), false, "a killed run's folder is left behind");
  assert.ok(existsSync(fresh), "a recent folder is kept (its run may live in another PID namespace)");
  assert.ok(existsSync(live), "a live run's folder is kept");
  assert.ok(existsSync(other), "a folder not named like a run's is kept");
});
