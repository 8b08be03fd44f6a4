/** End to end: a run writes the daily log, and Ctrl-C during a command leaves a diagnostic line of what was in flight. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test("the daily log records the run and its tool calls; Ctrl-C mid-command writes a redacted diagnostic", async () => {
  const secret = `ghp_${"a1B2c3D4e5".repeat(4)}`;
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ name: "read", arguments: { path: "a.txt" } }] },
      { toolCalls: [{ name: "bash", arguments: { command: `TOKEN=${secret} sleep 30` } }] },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox({ "a.txt": "hello\n" });
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    permissionMode: "auto",
    sandbox: { enabled: false },
  });
  const run = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "go"], {
    onLine: (line, child) => {
      if (line.includes('"type":"tool_call_started"') && line.includes('"name":"bash"'))
        setTimeout(() => child.kill("SIGINT"), 300);
    },
  });
  assert.equal(run.code, 130, run.stderr);
  const dir = join(sandbox.env.XDG_STATE_HOME, "hearth", "logs");
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.match(files[0], /^hearth-\d{4}-\d{2}-\d{2}\.log$/);
  assert.equal(statSync(join(dir, files[0])).mode & 0o777, 0o600);
  const log = readFileSync(join(dir, files[0]), "utf8");
  assert.match(log, /run_started .*model=fake\/m/);
  assert.match(log, /tool_started turn=1 call=\S+ name=read/);
  assert.match(log, /tool_ended turn=1 call=\S+ name=read .*ok/);
  const diagnostic = log.split("\n").find((l) => l.includes("diagnostic cause=interrupted"));
  assert.ok(diagnostic, log);
  assert.match(diagnostic, /tools_in_flight=1/);
  assert.match(diagnostic, /bash/);
  assert.match(diagnostic, /killed=/);
  assert.ok(!log.includes(secret), "the token in the command was redacted");
});
