/**
 * End to end: `hearth -p --runtime codex` runs the real Codex CLI (devDependency, pinned; a native binary) against
 * the fake model server. Its commands become our tool calls, our mode picks its sandbox (ask: read-only, auto:
 * workspace-write), the child gets hearth's scrubbed environment, and `-c` continues its thread.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { codexEnv, requestText, sessionRecords } from "../support/runtimes.ts";
import { makeSandbox, runHearth } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const TIMEOUT = 90_000;
const SECRET = "sk-ant-api03-zyxwvutsrqponmlkjihgfedcba9876543210";

test("codex in auto mode writes in the workspace; its commands are our tool calls; -c resumes its thread", {
  timeout: 200_000,
}, async () => {
  const sandbox = makeSandbox();
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ id: "call_1", name: "exec_command", arguments: { cmd: "echo hi > hello.txt" } }] },
      { text: "Wrote it." },
      { text: "Still here." },
    ],
  });
  servers.push(fake);
  const env = codexEnv(sandbox, fake);
  const first = await runHearth(
    sandbox,
    [
      "-p",
      "--runtime",
      "codex",
      "--permission-mode",
      "auto",
      "--output-format",
      "stream-json",
      "write hello",
    ],
    { env, timeoutMs: TIMEOUT },
  );
  assert.equal(first.code, 0, first.stderr);
  assert.equal(readFileSync(join(sandbox.project, "hello.txt"), "utf8"), "hi\n");
  const call = first.events.find((e) => e.type === "tool_call_ended") as {
    call: { name: string; arguments: { command: string } };
    isError: boolean;
    content: string;
  };
  assert.equal(call.call.name, "command_execution");
  assert.match(call.call.arguments.command, /echo hi > hello.txt/);
  assert.equal(call.isError, false);
  assert.match(call.content, /exit code 0$/);
  const thread = first.events.find((e) => e.type === "runtime_session") as { childSessionId: string };
  assert.ok(thread.childSessionId);
  const records = sessionRecords(sandbox);
  assert.ok(
    records.some(
      (r) => r.type === "runtime" && r.runtime === "codex" && r.childSessionId === thread.childSessionId,
    ),
  );
  const answer = records.filter((r) => r.type === "message").at(-1)?.message as {
    provider: string;
    content: Array<{ text: string }>;
  };
  assert.equal(answer.provider, "codex");
  assert.equal(answer.content[0].text, "Wrote it.");

  const second = await runHearth(sandbox, ["-p", "-c", "--output-format", "stream-json", "anything else?"], {
    env,
    timeoutMs: TIMEOUT,
  });
  assert.equal(second.code, 0, second.stderr);
  const resumed = second.events.find((e) => e.type === "runtime_session") as {
    childSessionId: string;
    resumed: boolean;
  };
  assert.deepEqual([resumed.childSessionId, resumed.resumed], [thread.childSessionId, true]);
  assert.ok(
    requestText(fake, 2).includes("write hello"),
    "the resumed thread sends the earlier conversation",
  );
});

test("codex in ask mode runs read-only: its write fails, nothing changes; a secret-shaped variable never reaches it", {
  timeout: 120_000,
}, async () => {
  const sandbox = makeSandbox();
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ id: "call_1", name: "exec_command", arguments: { cmd: "env" } }] },
      { toolCalls: [{ id: "call_2", name: "exec_command", arguments: { cmd: "echo hi > hello.txt" } }] },
      { text: "Could not write." },
    ],
  });
  servers.push(fake);
  const run = await runHearth(
    sandbox,
    ["-p", "--runtime", "codex", "--output-format", "stream-json", "write hello"],
    {
      env: { ...codexEnv(sandbox, fake), NOTES: SECRET, INNOCENT_MARKER: "visible-1234" },
      timeoutMs: TIMEOUT,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(existsSync(join(sandbox.project, "hello.txt")), false);
  const ended = run.events.filter((e) => e.type === "tool_call_ended") as Array<{
    isError: boolean;
    content: string;
  }>;
  // Codex 0.171 now and then leaves a quickly failing command out of its --json output (it still runs it and
  // sends the model its output): the first call is there, and a second one, when reported, failed.
  assert.ok(ended.length >= 1, run.stdout);
  assert.equal(fake.modelRequests.length, 3);
  assert.match(ended[0].content, /INNOCENT_MARKER=visible-1234/, "the child's environment is shown");
  assert.ok(!ended[0].content.includes(SECRET));
  if (ended.length > 1) {
    assert.equal(ended[1].isError, true);
    assert.match(ended[1].content, /Read-only file system/);
  }
  assert.match(
    requestText(fake, 2),
    /Read-only file system/,
    "the write failed in codex's read-only sandbox",
  );
});

test("codex with no key and no login: one line before it starts, exit 1, nothing recorded", {
  timeout: 60_000,
}, async () => {
  const sandbox = makeSandbox();
  const run = await runHearth(sandbox, ["-p", "--runtime", "codex", "hello"], {
    env: { CODEX_HOME: join(sandbox.home, ".codex"), TMPDIR: sandbox.project },
  });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^hearth: codex is not logged in: run `codex login`, or set OPENAI_API_KEY$/m);
  assert.equal(existsSync(join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions")), false);
});
