import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { processesNamed, waitNoneNamed } from "../../test/support/processes.ts";
import { createWorkspace } from "../policy/workspace.ts";
import { createBashTool } from "./bash.ts";
import { createProcessReaper, type ProcessReaper } from "./process-reaper.ts";

const base = realpathSync(mkdtempSync(join(tmpdir(), "hearth-reaper-")));
after(() => rmSync(base, { recursive: true, force: true }));

async function runCommand(reaper: ProcessReaper, command: string): Promise<string> {
  const tool = createBashTool({
    workspace: createWorkspace({ root: base }),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    spillDir: join(base, "spill"),
    reaper,
  });
  const result = await tool.execute({ command }, { signal: new AbortController().signal, callId: "c" });
  return result.content;
}

describe("process reaper", { skip: process.platform !== "linux" && "reads /proc" }, () => {
  it("stops what commands left running (&, nohup, a double-forked setsid daemon), and nothing else", async () => {
    const marker = `hearth-reaper-${process.pid}`;
    const reaper = createProcessReaper();
    const output = await runCommand(
      reaper,
      `(exec -a ${marker}-bg sleep 100) & nohup bash -c 'exec -a ${marker}-nohup sleep 100' >/dev/null 2>&1 & ` +
        `setsid bash -c '(exec -a ${marker}-daemon sleep 100) &'; sleep 0.2; echo started`,
    );
    assert.match(output, /^started\n/);
    // Started by someone else (no tag, another group): not hearth's to stop.
    const other = spawn("bash", ["-c", `exec -a ${marker}-other sleep 100`], { stdio: "ignore" });
    try {
      await new Promise((done) => setTimeout(done, 100));
      assert.equal(processesNamed(marker).length, 4, "all four are running");
      const found = await reaper.stopAll();
      assert.equal(found, 3);
      assert.ok(await waitNoneNamed(`${marker}-bg`, 1000));
      assert.ok(await waitNoneNamed(`${marker}-nohup`, 1000));
      assert.ok(await waitNoneNamed(`${marker}-daemon`, 1000));
      assert.equal(processesNamed(`${marker}-other`).length, 1, "another process was stopped");
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("kills a process that ignores SIGTERM once the grace period is over; at once when asked", async () => {
    const marker = `hearth-reaper-stubborn-${process.pid}`;
    const reaper = createProcessReaper();
    await runCommand(reaper, `trap '' TERM; (exec -a ${marker} sleep 100) & sleep 0.1`);
    assert.equal(processesNamed(marker).length, 1);
    const started = Date.now();
    await reaper.stopAll(300);
    assert.ok(Date.now() - started >= 300, "it waited for the grace period");
    assert.ok(await waitNoneNamed(marker, 1000), "killed after the grace period");

    await runCommand(reaper, `trap '' TERM; (exec -a ${marker} sleep 100) & sleep 0.1`);
    const now = Date.now();
    await reaper.stopAll(0);
    assert.ok(Date.now() - now < 200, "no grace after an interrupt");
    assert.ok(await waitNoneNamed(marker, 1000));
  });

  it("does nothing, and reads no /proc, when no command ran", async () => {
    const reaper = createProcessReaper({ procDir: join(base, "no-such-proc") });
    assert.equal(await reaper.stopAll(), 0);
    reaper.killAll();
  });
});
