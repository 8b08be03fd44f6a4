/** End to end: provider faults, tool faults and bad input, each with its exit code and one clear line. */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function fakeWith(script: FakeTurn[]) {
  const fake = await startFakeServer({ script });
  servers.push(fake);
  return fake;
}

const noStackTrace = (stderr: string) =>
  assert.ok(!/\n\s+at /.test(stderr), `stack trace in stderr:\n${stderr}`);

async function runAnthropic(
  script: FakeTurn[],
  extraArgs: string[] = [],
  files: Record<string, string> = {},
) {
  const fake = await fakeWith(script);
  const sandbox = makeSandbox(files);
  const setup = providerSetup("anthropic-messages", fake.url);
  const run = await runHearth(
    sandbox,
    ["-p", "--model", setup.model, "--output-format", "stream-json", ...extraArgs, "do the task"],
    { env: setup.env },
  );
  return { run, fake, sandbox };
}

test("HTTP 401: exit 1, one line naming the key variable, no key, no stack trace", async () => {
  const { run } = await runAnthropic([
    {
      status: 401,
      errorBody: '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
    },
  ]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /rejected the API key \(HTTP 401\).*check ANTHROPIC_API_KEY/);
  assert.ok(!run.stderr.includes("test-anthropic-key"));
  noStackTrace(run.stderr);
  const result = run.events.at(-1)!;
  assert.equal(result.subtype, "error");
  assert.equal(result.error_kind, "auth");
});

test("HTTP 404: exit 1, names the model and `hearth models`", async () => {
  const { run, fake } = await runAnthropic([
    { status: 404, errorBody: '{"error":{"message":"model: claude-sonnet-4-5"}}' },
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /model "claude-sonnet-4-5" not found at anthropic \(127\.0\.0\.1:\d+\).*hearth models/,
  );
  assert.equal(fake.modelRequests.length, 1, "a 404 is not retried");
  noStackTrace(run.stderr);
});

test("HTTP 429 then success: retried after retry-after, exit 0", async () => {
  const { run, fake } = await runAnthropic([
    { status: 429, headers: { "retry-after": "0" } },
    { text: "ok after retry" },
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(fake.modelRequests.length, 2);
  assert.match(run.stderr, /rate limiting.*retrying/);
  assert.equal(run.events.at(-1)?.result, "ok after retry");
  assert.ok(run.events.some((e) => e.type === "retry_scheduled"));
});

test("HTTP 500 then success: retried with backoff, exit 0", async () => {
  const { run, fake } = await runAnthropic([{ status: 500 }, { text: "recovered" }]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(fake.modelRequests.length, 2);
  assert.equal(run.events.at(-1)?.result, "recovered");
});

test("HTTP 400 is not retried", async () => {
  const { run, fake } = await runAnthropic([
    { status: 400, errorBody: '{"error":{"message":"bad field"}}' },
    { text: "never" },
  ]);
  assert.equal(run.code, 1);
  assert.equal(fake.modelRequests.length, 1);
  assert.match(run.stderr, /refused the request \(HTTP 400\): bad field/);
});

test("a malformed chunk: exit 1 with a one-line error", async () => {
  const { run } = await runAnthropic([{ text: "partial answer", malformed: true }]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /malformed|could not read/);
  noStackTrace(run.stderr);
});

test("a stream cut mid-response is retried", async () => {
  const { run, fake } = await runAnthropic([
    { text: "this will be cut off", cutAfterFrames: 3 },
    { text: "complete answer" },
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(fake.modelRequests.length, 2);
  assert.equal(run.events.at(-1)?.result, "complete answer");
});

test("a server that never answers: Ctrl-C ends the run with exit 130 within 500 ms", async () => {
  const fake = await fakeWith([{ hang: true }]);
  const sandbox = makeSandbox();
  const setup = providerSetup("anthropic-messages", fake.url);
  let interruptedAt = 0;
  const watch = setInterval(() => {
    if (fake.modelRequests.length > 0 && interruptedAt === 0 && child) {
      interruptedAt = Date.now();
      child.kill("SIGINT");
    }
  }, 10);
  let child: import("node:child_process").ChildProcess | undefined;
  const run = await runHearth(
    sandbox,
    ["-p", "--model", setup.model, "--output-format", "stream-json", "hi"],
    {
      env: setup.env,
      onSpawn: (c) => {
        child = c;
      },
    },
  );
  clearInterval(watch);
  const exitedAfter = Date.now() - interruptedAt;
  assert.equal(run.code, 130, run.stderr);
  assert.ok(exitedAfter < 500, `exited ${exitedAfter} ms after SIGINT; ${run.stderr}`);
  assert.equal(run.events.at(-1)?.subtype, "interrupted");
});

test("a tool that hangs is killed at its timeout, with its whole process group", async () => {
  const marker = `hearth-hang-${process.pid}-${Date.now()}`;
  const { run } = await runAnthropic(
    [
      {
        toolCalls: [
          { name: "bash", arguments: { command: `(sleep 30; echo ${marker}) & sleep 30`, timeout: 1 } },
        ],
      },
      { text: "it timed out" },
    ],
    ["--permission-mode", "auto"],
  );
  assert.equal(run.code, 0, run.stderr);
  const result = run.events.find((e) => e.type === "tool_call_ended")!;
  assert.equal(result.isError, true);
  assert.match(String(result.content), /timed out after 1 ?s/);
  // Run pgrep directly (not through a shell, whose own command line would contain the marker).
  const pgrep = spawnSync("pgrep", ["-f", marker], { encoding: "utf8" });
  assert.equal(pgrep.stdout.trim(), "", "no process of the tool's group survives");
  assert.equal(pgrep.status, 1, "pgrep found nothing");
});

test("a tool printing 50 MB: the model sees a capped result with a spill file", async () => {
  const { run, fake } = await runAnthropic(
    [
      { toolCalls: [{ name: "bash", arguments: { command: "head -c 50000000 /dev/zero | tr '\\0' x" } }] },
      { text: "seen" },
    ],
    ["--permission-mode", "auto"],
  );
  assert.equal(run.code, 0, run.stderr);
  const result = run.events.find((e) => e.type === "tool_call_ended")!;
  assert.ok(String(result.content).length < 40_000, `content is ${String(result.content).length} chars`);
  assert.match(String(result.content), /output was 50 MB/);
  const secondBody = JSON.stringify(fake.modelRequests[1].body);
  assert.ok(secondBody.length < 100_000, `second request is ${secondBody.length} bytes`);
});

test("ask mode headless: a command is refused, the model is told, stderr says how to allow it", async () => {
  const { run, sandbox } = await runAnthropic([
    { toolCalls: [{ name: "bash", arguments: { command: "echo done > out.txt" } }] },
    { text: "could not run it" },
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!existsSync(join(sandbox.project, "out.txt")));
  const result = run.events.find((e) => e.type === "tool_call_ended")!;
  assert.equal(result.isError, true);
  assert.match(String(result.content), /permission needed: .*nobody to ask.*--permission-mode edits/);
  assert.match(run.stderr, /refused bash "echo done > out.txt": .*\(allow with --permission-mode edits/);
});

test("plan mode: edits are refused; reads work", async () => {
  const { run, sandbox } = await runAnthropic(
    [
      {
        toolCalls: [
          { name: "read", arguments: { path: "a.txt" } },
          { name: "write", arguments: { path: "b.txt", content: "x" } },
        ],
      },
      { text: "planned" },
    ],
    ["--permission-mode", "plan"],
    { "a.txt": "alpha\n" },
  );
  assert.equal(run.code, 0, run.stderr);
  const results = run.events.filter((e) => e.type === "tool_call_ended");
  assert.equal(results[0].isError, false);
  assert.equal(results[1].isError, true);
  assert.match(String(results[1].content), /plan mode is read-only/);
  assert.ok(!existsSync(join(sandbox.project, "b.txt")));
});

test("a bad settings file: exit 2 with file:line and no request made", async () => {
  const fake = await fakeWith([{ text: "never" }]);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "project", '{\n  "model": "anthropic/claude-sonnet-4-5",\n  "maxTurns": "ten"\n}\n');
  const setup = providerSetup("anthropic-messages", fake.url);
  const run = await runHearth(sandbox, ["-p", "hi"], { env: setup.env });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^\.hearth\/settings\.json:3: "maxTurns": /m);
  assert.equal(fake.requests.length, 0);
  noStackTrace(run.stderr);
});

test("a model that does not exist in the catalog or a provider that does not exist", async () => {
  const sandbox = makeSandbox();
  const run = await runHearth(sandbox, ["-p", "--model", "nosuch/model", "hi"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown provider "nosuch"/);
  const keyless = await runHearth(sandbox, ["-p", "--model", "anthropic/claude-sonnet-4-5", "hi"]);
  assert.equal(keyless.code, 2);
  assert.match(keyless.stderr, /no API key for anthropic: set ANTHROPIC_API_KEY/);
});

test("a host that cannot be reached fails within 3 s with one clear line", async () => {
  // A listening socket that never accepts, with its backlog filled: further SYNs are dropped, so a connect
  // neither succeeds nor is refused, exactly like a black-holed host.
  const holder = spawn("python3", [
    "-c",
    "import socket,sys,time\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(0)\nfill=[]\n" +
      "for i in range(4):\n  c=socket.socket();c.setblocking(False)\n  try: c.connect(s.getsockname())\n  except BlockingIOError: pass\n  fill.append(c)\n" +
      "print(s.getsockname()[1],flush=True)\ntime.sleep(60)",
  ]);
  const port = await new Promise<string>((resolve) =>
    holder.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())),
  );
  try {
    const sandbox = makeSandbox();
    writeSettings(sandbox, "user", {
      providers: { remote: { api: "openai-chat", baseUrl: `http://127.0.0.1:${port}/v1` } },
    });
    const run = await runHearth(sandbox, ["-p", "--model", "remote/m", "hi"]);
    assert.equal(run.code, 1);
    assert.ok(run.durationMs < 4500, `took ${run.durationMs} ms`);
    assert.match(
      run.stderr,
      /cannot reach remote \(127\.0\.0\.1:\d+\): no connection to 127\.0\.0\.1:\d+ within 3000 ms/,
    );
    noStackTrace(run.stderr);
  } finally {
    holder.kill();
  }
});

test("Ctrl-C during a running command: the command's group is killed, exit 130 within 500 ms", async () => {
  const marker = `hearth-int-${process.pid}-${Date.now()}`;
  const fake = await fakeWith([
    { toolCalls: [{ name: "bash", arguments: { command: `sleep 31; echo ${marker}` } }] },
  ]);
  const sandbox = makeSandbox();
  const setup = providerSetup("anthropic-messages", fake.url);
  let interruptedAt = 0;
  const run = await runHearth(
    sandbox,
    ["-p", "--permission-mode", "auto", "--model", setup.model, "--output-format", "stream-json", "hi"],
    {
      env: setup.env,
      onLine: (line, child) => {
        if (interruptedAt === 0 && line.includes('"type":"tool_call_started"')) {
          // Interrupt once the command is really running (the classifier and sandbox start first).
          const poll = setInterval(() => {
            if (spawnSync("pgrep", ["-f", marker]).status !== 0) return;
            clearInterval(poll);
            interruptedAt = Date.now();
            child.kill("SIGINT");
          }, 20);
        }
      },
    },
  );
  const exitedAfter = Date.now() - interruptedAt;
  assert.equal(run.code, 130, run.stderr);
  assert.ok(interruptedAt > 0);
  assert.ok(exitedAfter < 500, `exited ${exitedAfter} ms after SIGINT; ${run.stderr}`);
  const result = run.events.find((e) => e.type === "tool_call_ended");
  assert.match(String(result?.content), /interrupted/);
  assert.equal(run.events.at(-1)?.subtype, "interrupted");
  const pgrep = spawnSync("pgrep", ["-f", marker], { encoding: "utf8" });
  assert.equal(pgrep.stdout.trim(), "", "the command was killed");
});
