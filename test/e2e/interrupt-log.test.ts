/**
 * End to end: Ctrl-C while a model request gets no answer. The daily log's lines carry the times things
 * happened (not the time of the interrupt) and a diagnostic line says what was in flight.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** The log line containing `marker`, and its time (ms since the epoch). */
function entry(log: string, marker: string): { line: string; at: number } {
  const line = log.split("\n").find((l) => l.includes(marker));
  assert.ok(line, `no "${marker}" line in:\n${log}`);
  return { line, at: Date.parse(line.split(" ")[0]) };
}

test("Ctrl-C during a request that never answers: real times in the log, and a diagnostic line", async () => {
  const fake = await startFakeServer({ script: [{ hang: true }] });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
  });
  let interruptedAt = 0;
  const run = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "hello"], {
    onLine: (line, child) => {
      if (!line.includes('"type":"turn_started"')) return;
      setTimeout(() => {
        interruptedAt = Date.now();
        child.kill("SIGINT");
      }, 1500);
    },
  });
  assert.equal(run.code, 130, run.stderr);
  const dir = join(sandbox.env.XDG_STATE_HOME, "hearth", "logs");
  const log = readFileSync(join(dir, readdirSync(dir)[0]), "utf8");
  const started = entry(log, "run_started");
  const sent = entry(log, "request_sent turn=1");
  const diagnostic = entry(log, "diagnostic cause=interrupted");
  const ended = entry(log, "run_ended reason=aborted");
  assert.ok(sent.at <= interruptedAt - 1000, "the request is logged when it was sent, not at the interrupt");
  assert.ok(started.at <= sent.at);
  assert.ok(Math.abs(diagnostic.at - interruptedAt) < 500, "the diagnostic is written at the interrupt");
  assert.match(diagnostic.line, /tools_in_flight=0 model_request=turn:1,attempt:1,sent:1\.\d+s_ago/);
  assert.match(diagnostic.line, /killed="model request \(turn 1\) aborted"/);
  const duration = Number(/duration_ms=(\d+)/.exec(ended.line)?.[1]);
  assert.ok(duration >= 1400, `run_ended duration_ms=${duration}`);
});

test("Ctrl-C during a command: one stderr line per call in flight, with its kind, session, time and arguments", async () => {
  const fake = await startFakeServer({
    script: [{ toolCalls: [{ name: "bash", arguments: { command: "sleep 30", description: "wait" } }] }],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    permissionMode: "auto",
  });
  const run = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "wait"], {
    onLine: (line, child) => {
      if (line.includes('"type":"tool_call_started"')) setTimeout(() => child.kill("SIGINT"), 1200);
    },
  });
  assert.equal(run.code, 130, run.stderr);
  assert.match(
    run.stderr,
    /hearth: interrupted: bash \(exec\) in session [0-9a-f]{8}, running 1\.\d s: \{"command":"sleep 30","description":"wait"\}/,
  );
  assert.ok(run.durationMs < 8000, `took ${run.durationMs} ms`);
});
