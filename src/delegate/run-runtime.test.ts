import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { AgentEvent } from "../protocol/events.ts";
import { type RuntimeResult, runRuntime } from "./run-runtime.ts";
import { RUNTIMES } from "./runtimes.ts";

/** Runs a real node process as "claude": the script prints claude's lines (a stand-in for the CLI, not a mock). */
async function runScript(
  script: string,
  options: { signal?: AbortSignal; onEvent?: (event: AgentEvent) => void } = {},
): Promise<{ events: AgentEvent[]; result: RuntimeResult }> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-run-runtime-"));
  const file = join(dir, "child.cjs");
  writeFileSync(file, script);
  const spec = { ...RUNTIMES.claude, args: () => [file] };
  const run = runRuntime(
    {
      spec,
      command: process.execPath,
      prompt: "task",
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      mode: "ask",
      sessionId: "s1",
    },
    options.signal ?? new AbortController().signal,
  );
  const events: AgentEvent[] = [];
  for await (const event of run.events) {
    events.push(event);
    options.onEvent?.(event);
  }
  return { events, result: await run.result };
}

const line = (value: object) => `console.log(${JSON.stringify(JSON.stringify(value))});`;
const INIT = line({ type: "system", subtype: "init", session_id: "child-1", model: "m" });
const CALL = line({
  type: "assistant",
  message: {
    id: "a",
    content: [{ type: "tool_use", id: "t1", name: "Bash", input: { command: "sleep 60" } }],
  },
});

describe("running a runtime", () => {
  it("a child that exits without a result: the run fails with its last stderr line; an open call is closed as interrupted", async () => {
    const { events, result } = await runScript(
      `${INIT}${CALL}console.error("boom: model overloaded"); process.exit(3);`,
    );
    assert.equal(result.reason, "error");
    assert.equal(result.error, "claude failed: boom: model overloaded");
    assert.equal(result.childSessionId, "child-1");
    const ended = events.find((e) => e.type === "tool_call_ended");
    assert.ok(ended && ended.type === "tool_call_ended" && ended.isError);
    assert.match(ended.content, /^interrupted/);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        "agent_started",
        "runtime_session",
        "turn_started",
        "message_ended",
        "tool_call_started",
        "tool_call_ended",
        "turn_ended",
        "agent_ended",
      ],
    );
  });

  it("a login failure says how to log in", async () => {
    const { result } = await runScript(
      line({
        type: "result",
        subtype: "success",
        is_error: true,
        result: "Invalid API key · Please run /login",
      }),
    );
    assert.equal(
      result.error,
      "claude is not logged in (Invalid API key · Please run /login): run `claude` once and log in, or set ANTHROPIC_API_KEY",
    );
  });

  it("an abort kills the child's whole process group and ends the run aborted", async () => {
    const controller = new AbortController();
    let grandchild = 0;
    const script = `${INIT}${CALL}
      const c = require("node:child_process").spawn("sleep", ["60"], { stdio: "ignore" });
      console.log(JSON.stringify({ type: "system", subtype: "grandchild", pid: c.pid }));
      setInterval(() => {}, 1000);`;
    const { result } = await runScript(script, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "runtime_session") setTimeout(() => controller.abort(), 300);
      },
    });
    assert.equal(result.reason, "aborted");
    assert.equal(result.error, undefined);
    // The call it was running has its result: interrupted.
    assert.match(
      String(result.messages.at(-1)?.role === "tool" && result.messages.at(-1)?.content),
      /^interrupted/,
    );
    // The grandchild (a command the CLI started) is gone too.
    const pids = (await import("node:fs")).readdirSync("/proc").filter((p) => /^\d+$/.test(p));
    for (const pid of pids) {
      try {
        const cmd = (await import("node:fs")).readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (cmd === "sleep\u000060\u0000") grandchild = Number(pid);
      } catch {}
    }
    if (grandchild) {
      const stat = (await import("node:fs")).readFileSync(`/proc/${grandchild}/stat`, "utf8");
      assert.match(stat.split(") ")[1], /^[ZX]/, "the sleep the child started is killed");
    }
  });
});
