/**
 * End to end: tools that could wait forever do not hang a run. A `read` of a FIFO is refused at once; with
 * `--tool-timeout 1s` a command without a timeout of its own is stopped by the watchdog, while one whose
 * `timeout` argument asks for longer runs to its end (the watchdog never cuts a command shorter).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function setup(script: unknown[]) {
  const fake = await startFakeServer({ script } as Parameters<typeof startFakeServer>[0]);
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    permissionMode: "auto",
  });
  return { fake, sandbox };
}

function toolResults(events: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return events.filter((e) => e.type === "tool_call_ended");
}

test("a read of a FIFO in the workspace ends at once with an error the model sees", async () => {
  const { sandbox } = await setup([
    { toolCalls: [{ name: "read", arguments: { path: "pipe" } }] },
    { text: "done" },
  ]);
  execFileSync("mkfifo", [join(sandbox.project, "pipe")]);
  const run = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "read pipe"]);
  assert.equal(run.code, 0, run.stderr);
  const [ended] = toolResults(run.events);
  assert.equal(ended.isError, true);
  assert.match(String(ended.content), /pipe is a FIFO \(named pipe\), not a regular file/);
  assert.ok(run.durationMs < 10_000, `took ${run.durationMs} ms`);
});

test("--tool-timeout 1s stops a command without its own timeout; one asking for longer runs to its end", async () => {
  const { sandbox } = await setup([
    { toolCalls: [{ name: "bash", arguments: { command: "sleep 30" } }] },
    { toolCalls: [{ name: "bash", arguments: { command: "sleep 2; echo slept", timeout: 10 } }] },
    { text: "done" },
  ]);
  const run = await runHearth(sandbox, [
    "-p",
    "--output-format",
    "stream-json",
    "--tool-timeout",
    "1s",
    "go",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const [first, second] = toolResults(run.events);
  assert.equal(first.isError, true);
  assert.match(String(first.content), /^bash did not finish within 1s and was stopped; .*larger timeout/);
  assert.ok(Number(first.durationMs) < 3000, `first took ${first.durationMs} ms`);
  assert.match(String(second.content), /slept/);
  assert.ok(Number(second.durationMs) >= 1900, "the command's own timeout was honoured past the watchdog");
  assert.ok(run.durationMs < 15_000, `took ${run.durationMs} ms`);
  // One line on stderr says what the watchdog stopped, and the daily log has its diagnostic.
  assert.match(
    run.stderr,
    /hearth: watchdog: stopped bash \(exec\) in session [0-9a-f]{8}, running 1\.\d s: \{"command":"sleep 30"\} \(its limit: 1\.0 s\)/,
  );
  const logs = join(sandbox.env.XDG_STATE_HOME, "hearth", "logs");
  const log = readdirSync(logs)
    .map((name) => readFileSync(join(logs, name), "utf8"))
    .join("");
  assert.match(log, /diagnostic cause=watchdog .*bash \S+ stopped by the tool watchdog after 1\.0s/);
});

test("a bad --tool-timeout is a usage error", async () => {
  const { sandbox } = await setup([{ text: "done" }]);
  const run = await runHearth(sandbox, ["-p", "--tool-timeout", "soon", "go"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--tool-timeout must be a duration such as 90s/);
});
