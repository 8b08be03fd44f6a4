/**
 * End to end: the model's `delegate` tool, turned on by the user's settings, hands a task to the real Claude Code
 * CLI (on its own fake server). It asks like a command: headless ask mode refuses it and nothing starts; auto mode
 * runs it, and claude's answer is the tool's result.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { claudeEnv } from "../support/runtimes.ts";
import { fakeModelSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function setup() {
  const { fake, sandbox } = await fakeModelSandbox(servers, [
    {
      toolCalls: [{ id: "d1", name: "delegate", arguments: { runtime: "claude", task: "write hello.txt" } }],
    },
    { text: "Claude did it." },
  ]);
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    sandbox: { enabled: false },
    delegate: { runtimes: ["claude"] },
  });
  const target = join(sandbox.project, "hello.txt");
  const claude = await startFakeServer({
    script: [
      { toolCalls: [{ name: "Write", arguments: { file_path: target, content: "hi\n" } }] },
      { text: "Wrote hello.txt." },
    ],
  });
  servers.push(claude);
  return { fake, sandbox, claude, target, env: claudeEnv(claude) };
}

test("auto mode: the model delegates to claude, claude writes, its answer is the call's result", {
  timeout: 120_000,
}, async () => {
  const { fake, sandbox, claude, target, env } = await setup();
  const run = await runHearth(
    sandbox,
    ["-p", "--permission-mode", "auto", "--output-format", "stream-json", "go"],
    {
      env,
      timeoutMs: 90_000,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(target, "utf8"), "hi\n");
  const tools = run.events.find((e) => e.type === "session_info")?.tools as string[];
  assert.ok(tools.includes("delegate"));
  const ended = run.events.find((e) => e.type === "tool_call_ended") as { content: string; isError: boolean };
  assert.equal(ended.isError, false);
  assert.match(ended.content, /^Wrote hello\.txt\.\n\n\(claude made 1 tool call\(s\): Write\)$/);
  assert.ok(run.events.some((e) => e.type === "tool_progress" && e.text === "claude: Write"));
  assert.equal(claude.modelRequests.length, 2);
  assert.match(JSON.stringify(fake.modelRequests[1].body), /Wrote hello\.txt/);
  assert.equal((run.events.find((e) => e.type === "result") as { result: string }).result, "Claude did it.");
});

test("ask mode headless: the delegation is refused and claude never starts", {
  timeout: 60_000,
}, async () => {
  const { sandbox, claude, target, env } = await setup();
  const run = await runHearth(sandbox, ["-p", "go"], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stderr,
    /^hearth: refused delegate .*\(allow with --permission-mode auto or "delegate"\)$/m,
  );
  assert.equal(claude.requests.length, 0);
  assert.equal(existsSync(target), false);
});

test("the rule it suggests works: --allowedTools delegate lets it run in ask mode (claude in its default mode)", {
  timeout: 120_000,
}, async () => {
  const { sandbox, claude, target, env } = await setup();
  const run = await runHearth(
    sandbox,
    ["-p", "--allowedTools", "delegate", "--output-format", "stream-json", "go"],
    {
      env,
      timeoutMs: 90_000,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(claude.modelRequests.length, 2);
  // Our ask mode is claude's default mode: its write was refused, so the file is not there.
  assert.equal(existsSync(target), false);
  const ended = run.events.find((e) => e.type === "tool_call_ended") as { content: string };
  assert.match(ended.content, /Write/);
});
