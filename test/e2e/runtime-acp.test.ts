/**
 * End to end: `--runtime acp:<command>` drives an ACP agent over stdio with the SDK's client. The agent here is
 * hearth's own `hearth acp` (a real ACP agent that asks before writes), on the fake model server. Its permission
 * requests become ours: headless refuses them, a stream-json client may allow them; -c loads its session again.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeServer } from "../fake-server/server.ts";
import { requestText, sessionRecordsOf } from "../support/runtimes.ts";
import { CLI, fakeModelSandbox, runHearth } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const RUNTIME = `acp:${process.execPath} ${CLI} acp`;
const WRITE = { id: "c1", name: "write", arguments: { path: "hello.txt", content: "hi\n" } };

test("headless: the agent's permission request becomes ours and is refused; nothing is written", async () => {
  const { fake, sandbox } = await fakeModelSandbox(servers, [
    { text: "I will write.", toolCalls: [WRITE] },
    { text: "Could not write." },
    { text: "Second." },
  ]);
  const run = await runHearth(sandbox, [
    "-p",
    "--runtime",
    RUNTIME,
    "--output-format",
    "stream-json",
    "write hello",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(existsSync(join(sandbox.project, "hello.txt")), false);
  const asked = run.events.find((e) => e.type === "permission_requested") as { tool: string; target: string };
  assert.deepEqual([asked.tool, asked.target], ["edit", "hello.txt"]);
  const resolved = run.events.find((e) => e.type === "permission_resolved") as { decision: string };
  assert.equal(resolved.decision, "deny");
  assert.match(run.stderr, /^hearth: refused edit "hello\.txt": the runtime acp:.* asks before this call$/m);
  const ended = run.events.find((e) => e.type === "tool_call_ended") as { isError: boolean; content: string };
  assert.equal(ended.isError, true);
  assert.match(ended.content, /rejected/);
  assert.equal(
    (run.events.find((e) => e.type === "result") as { result: string }).result,
    "Could not write.",
  );

  // -c loads the agent's own session again (session/load): its next request carries the first prompt.
  const info = run.events.find((e) => e.type === "session_info") as { sessionId: string };
  const child = run.events.find((e) => e.type === "runtime_session") as { childSessionId: string };
  const next = await runHearth(sandbox, ["-p", "-c", "--output-format", "stream-json", "again"]);
  assert.equal(next.code, 0, next.stderr);
  const resumed = next.events.find((e) => e.type === "runtime_session") as {
    childSessionId: string;
    resumed: boolean;
  };
  assert.deepEqual([resumed.childSessionId, resumed.resumed], [child.childSessionId, true]);
  assert.ok(requestText(fake, 2).includes("write hello"));
  const records = sessionRecordsOf(sandbox, info.sessionId);
  assert.deepEqual(
    records.filter((r) => r.type === "runtime" && r.childSessionId).map((r) => r.turn),
    [1, 2],
  );
});

test("a stream-json client allows the agent's write: the file is written", async () => {
  const { sandbox } = await fakeModelSandbox(servers, [{ toolCalls: [WRITE] }, { text: "Written." }]);
  const run = await runHearth(
    sandbox,
    ["-p", "--runtime", RUNTIME, "--input-format", "stream-json", "--output-format", "stream-json"],
    {
      keepStdinOpen: true,
      onSpawn: (child) => child.stdin?.write(`${JSON.stringify({ type: "prompt", text: "write hello" })}\n`),
      onLine: (line, child) => {
        const event = JSON.parse(line) as { type: string; requestId?: string };
        if (event.type === "permission_requested")
          child.stdin?.write(
            `${JSON.stringify({ type: "answer_permission", requestId: event.requestId, answer: { decision: "allow_once" } })}\n`,
          );
        if (event.type === "prompt_ended") child.stdin?.end();
      },
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(join(sandbox.project, "hello.txt"), "utf8"), "hi\n");
  const resolved = run.events.find((e) => e.type === "permission_resolved") as {
    decision: string;
    answer: string;
  };
  assert.deepEqual([resolved.decision, resolved.answer], ["allow", "allow_once"]);
});

test("an ACP agent that is not there, or offline mode: one line, nothing started", async () => {
  const { sandbox, fake } = await fakeModelSandbox(servers, []);
  const missing = await runHearth(sandbox, ["-p", "--runtime", "acp:no-such-agent-xyz --stdio", "hi"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^hearth: the ACP agent no-such-agent-xyz is not on PATH: install it/m);
  const offline = await runHearth(sandbox, ["-p", "--offline", "--runtime", RUNTIME, "hi"]);
  assert.equal(offline.code, 1);
  assert.match(
    offline.stderr,
    /^hearth: offline: hearth cannot tell where the model of the ACP agent .* is/m,
  );
  assert.equal(fake.requests.length, 0);
});

test("set_runtime over stream-json: the next prompt goes to the agent, then back to hearth's own loop", async () => {
  const { fake, sandbox } = await fakeModelSandbox(servers, [
    { text: "From the agent." },
    { text: "From hearth." },
  ]);
  const lines = [
    { type: "set_runtime", runtime: RUNTIME },
    { type: "prompt", text: "first" },
    { type: "set_runtime", runtime: "hearth" },
    { type: "prompt", text: "second" },
  ];
  const run = await runHearth(
    sandbox,
    ["-p", "--input-format", "stream-json", "--output-format", "stream-json"],
    {
      stdin: lines.map((l) => `${JSON.stringify(l)}\n`).join(""),
    },
  );
  assert.equal(run.code, 0, run.stderr);
  const infos = run.events.filter((e) => e.type === "session_info").map((e) => e.runtime ?? "hearth");
  assert.deepEqual(infos, ["hearth", RUNTIME, "hearth"]);
  const results = run.events.filter((e) => e.type === "result").map((e) => e.result);
  assert.deepEqual(results, ["From the agent.", "From hearth."]);
  assert.equal(run.events.filter((e) => e.type === "runtime_session").length, 1);
  // hearth's own turn sends the whole session so far, the agent's turn included.
  assert.ok(requestText(fake, 1).includes("From the agent."));
  const bad = await runHearth(
    sandbox,
    ["-p", "--input-format", "stream-json", "--output-format", "stream-json"],
    {
      stdin: `${JSON.stringify({ type: "set_runtime", runtime: "nope" })}\n`,
    },
  );
  assert.match(
    String(bad.events.find((e) => e.type === "notice" && e.level === "error")?.text),
    /no runtime "nope": use hearth, claude, codex, gemini, opencode, or acp:<command>/,
  );
});

test("--max-time bounds a runtime's run: it is stopped, the run ends error_max_time, exit 1", async () => {
  const { sandbox } = await fakeModelSandbox(servers, [{ hang: true }]);
  const started = Date.now();
  const run = await runHearth(sandbox, [
    "-p",
    "--runtime",
    RUNTIME,
    "--max-time",
    "2s",
    "--output-format",
    "json",
    "wait",
  ]);
  assert.equal(run.code, 1, run.stderr);
  assert.ok(Date.now() - started < 15_000);
  assert.equal((JSON.parse(run.stdout) as { subtype: string }).subtype, "error_max_time");
});
