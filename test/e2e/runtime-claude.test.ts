/**
 * End to end: `hearth -p --runtime claude` runs the real Claude Code CLI (devDependency, pinned) against the fake
 * model server. Its events become ours, its turns are stored in our session with its session id, `-c` continues
 * its own session, our permission mode maps to its own, and a run interrupted mid-task leaves the session
 * resumable.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { processesNamed, waitGone } from "../support/processes.ts";
import { claudeEnv, requestText, sessionRecords } from "../support/runtimes.ts";
import { makeSandbox, runHearth } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const TIMEOUT = 90_000;

test("claude runs the prompt: its text, tool calls and results become our events and session turns; -c resumes its session", {
  timeout: 200_000,
}, async () => {
  const sandbox = makeSandbox({ "notes.txt": "old\n" });
  const target = join(sandbox.project, "hello.txt");
  const fake = await startFakeServer({
    script: [
      {
        text: "I will write it.",
        toolCalls: [{ name: "Write", arguments: { file_path: target, content: "hi\n" } }],
      },
      { text: "Done writing." },
      { text: "Second answer." },
    ],
  });
  servers.push(fake);
  const env = { ...claudeEnv(fake), NOTES: "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789" };
  const first = await runHearth(
    sandbox,
    [
      "-p",
      "--runtime",
      "claude",
      "--permission-mode",
      "edits",
      "--output-format",
      "stream-json",
      "write hello",
    ],
    { env, timeoutMs: TIMEOUT },
  );
  assert.equal(first.code, 0, first.stderr);
  assert.equal(readFileSync(target, "utf8"), "hi\n");
  const types = first.events.map((e) => e.type);
  const child = first.events.find((e) => e.type === "runtime_session") as {
    childSessionId: string;
    resumed: boolean;
  };
  assert.match(child.childSessionId, /^[0-9a-f-]{36}$/);
  assert.equal(child.resumed, false);
  assert.equal(first.events.find((e) => e.type === "session_info")?.runtime, "claude");
  assert.equal(first.events.find((e) => e.type === "agent_started")?.model, "claude");
  // The loop's order: the response, then its call, the call's result, then the next response.
  const order = types.filter((t) =>
    ["message_ended", "tool_call_started", "tool_call_ended", "prompt_ended"].includes(t as string),
  );
  assert.deepEqual(order, [
    "message_ended",
    "tool_call_started",
    "tool_call_ended",
    "message_ended",
    "prompt_ended",
  ]);
  const call = first.events.find((e) => e.type === "tool_call_ended") as {
    call: { name: string };
    isError: boolean;
    content: string;
  };
  assert.equal(call.call.name, "Write");
  assert.equal(call.isError, false);
  assert.match(call.content, /File created successfully/);
  const text = first.events
    .filter((e) => e.type === "text_delta")
    .map((e) => e.text)
    .join("");
  assert.equal(text, "I will write it.Done writing.");
  const ended = first.events.find((e) => e.type === "prompt_ended") as {
    costUsd: number;
    usage: { inputTokens: number };
  };
  assert.ok(ended.costUsd > 0, "claude's own cost is passed on");
  assert.ok(ended.usage.inputTokens > 0);
  const result = first.events.find((e) => e.type === "result") as { result: string };
  assert.equal(result.result, "Done writing.");
  // Claude Code was pointed at the loopback server and nowhere else (a HEAD probe, then the model requests).
  assert.equal(fake.modelRequests.length, 2);
  // hearth's scrub reaches the child: a secret-shaped value under an innocent name is not in its environment.
  // (Claude sends its environment's facts in the system prompt; the value must not be anywhere it sent.)
  assert.ok(!requestText(fake, 0).includes("sk-ant-api03-abcdef"));

  let records = sessionRecords(sandbox);
  const runtimeRecords = records.filter((r) => r.type === "runtime");
  assert.deepEqual(runtimeRecords.at(-1), {
    ...runtimeRecords.at(-1),
    runtime: "claude",
    childSessionId: child.childSessionId,
    turn: 1,
  });
  const stored = records
    .filter((r) => r.type === "message")
    .map((r) => r.message as { role: string; provider?: string });
  assert.deepEqual(
    stored.map((m) => m.role),
    ["user", "assistant", "tool", "assistant"],
  );
  assert.equal(stored[1].provider, "claude");

  // -c: no --runtime needed; the same child session is continued with claude's --resume.
  const second = await runHearth(sandbox, ["-p", "-c", "--output-format", "stream-json", "and again"], {
    env,
    timeoutMs: TIMEOUT,
  });
  assert.equal(second.code, 0, second.stderr);
  const resumed = second.events.find((e) => e.type === "runtime_session") as {
    childSessionId: string;
    resumed: boolean;
  };
  assert.deepEqual([resumed.childSessionId, resumed.resumed], [child.childSessionId, true]);
  assert.ok(requestText(fake, 2).includes("write hello"), "the resumed child sends the earlier conversation");
  records = sessionRecords(sandbox);
  assert.equal(
    records.filter((r) => r.type === "message" && (r.message as { role: string }).role === "user").length,
    2,
  );

  // Shown and searchable like hearth's own turns.
  const show = await runHearth(sandbox, ["sessions", "show", String(records[0].id)]);
  assert.ok(show.stdout.includes(`_run by claude (its session ${child.childSessionId})_`), show.stdout);
  assert.match(show.stdout, /→ Write .*hello\.txt[\s\S]*\*\*Write result:\*\*[\s\S]*Done writing\./);
  const search = await runHearth(sandbox, ["sessions", "search", "Second answer"]);
  assert.ok(search.stdout.includes(String(records[0].id).slice(-8)), search.stdout);
});

test("in ask mode claude runs in its default mode: its write is refused, nothing changes", {
  timeout: 120_000,
}, async () => {
  const sandbox = makeSandbox();
  const target = join(sandbox.project, "hello.txt");
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ name: "Write", arguments: { file_path: target, content: "hi\n" } }] },
      { text: "I could not write." },
    ],
  });
  servers.push(fake);
  const run = await runHearth(
    sandbox,
    ["-p", "--runtime", "claude", "--output-format", "stream-json", "write hello"],
    {
      env: claudeEnv(fake),
      timeoutMs: TIMEOUT,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(existsSync(target), false);
  const call = run.events.find((e) => e.type === "tool_call_ended") as { isError: boolean; content: string };
  assert.equal(call.isError, true);
  assert.match(call.content, /permission/i);
});

test("interrupted while claude works: its process group is killed, and -c continues the session", {
  timeout: 200_000,
}, async () => {
  const sandbox = makeSandbox();
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ name: "Bash", arguments: { command: "sleep 1; echo started", description: "say" } }] },
      { hang: true },
      { text: "Back again." },
    ],
  });
  servers.push(fake);
  const env = claudeEnv(fake);
  const interrupted = await runHearth(
    sandbox,
    [
      "-p",
      "--runtime",
      "claude",
      "--permission-mode",
      "auto",
      "--output-format",
      "stream-json",
      "start task-7f3a",
    ],
    {
      env,
      timeoutMs: TIMEOUT,
      onLine: (line, child) => {
        // The second model request hangs: interrupt once the first call has its result.
        if (line.includes('"type":"tool_call_ended"')) setTimeout(() => child.kill("SIGINT"), 1500);
      },
    },
  );
  assert.equal(interrupted.code, 130, interrupted.stderr);
  // The call is reported when it starts (claude's message_stop), not when its result comes a second later.
  const started = interrupted.events.find((e) => e.type === "tool_call_started") as { ts: number };
  const ended = interrupted.events.find((e) => e.type === "tool_call_ended") as {
    ts: number;
    content: string;
  };
  assert.match(ended.content, /started/);
  assert.ok(ended.ts - started.ts >= 900, `started ${started.ts}, ended ${ended.ts}`);
  // Nothing of the child outlives hearth: its command line carries the prompt.
  for (const pid of processesNamed("task-7f3a"))
    assert.ok(await waitGone(pid, 5000), `pid ${pid} still runs`);
  const records = sessionRecords(sandbox);
  assert.ok(records.some((r) => r.type === "run_ended" && r.reason === "aborted"));
  const child = records.find((r) => r.type === "runtime" && r.childSessionId) as { childSessionId: string };
  const next = await runHearth(sandbox, ["-p", "-c", "--output-format", "stream-json", "go on"], {
    env,
    timeoutMs: TIMEOUT,
  });
  assert.equal(next.code, 0, next.stderr);
  const resumed = next.events.find((e) => e.type === "runtime_session") as { childSessionId: string };
  assert.equal(resumed.childSessionId, child.childSessionId);
  assert.equal((next.events.find((e) => e.type === "result") as { result: string }).result, "Back again.");
});

test("offline: claude starts only when pointed at a loopback model", { timeout: 120_000 }, async () => {
  const sandbox = makeSandbox();
  const fake = await startFakeServer({ script: [{ text: "Local answer." }] });
  servers.push(fake);
  const refused = await runHearth(sandbox, ["-p", "--offline", "--runtime", "claude", "hello"], {
    env: { ANTHROPIC_API_KEY: "test-anthropic-key" },
    timeoutMs: TIMEOUT,
  });
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /offline: hearth starts claude only when its model is on this machine, and it would use https:\/\/api\.anthropic\.com \(its default\)/,
  );
  assert.equal(fake.requests.length, 0);
  const local = await runHearth(sandbox, ["-p", "--offline", "--runtime", "claude", "hello"], {
    env: claudeEnv(fake),
    timeoutMs: TIMEOUT,
  });
  assert.equal(local.code, 0, local.stderr);
  assert.equal(local.stdout.trim(), "Local answer.");
});
