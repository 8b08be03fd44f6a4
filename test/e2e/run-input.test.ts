/**
 * End to end: what a run takes in before it starts. Piped stdin is read to the end however slowly it comes, up
 * to a cap; a prompt the model cannot hold is refused before anything is saved, with advice that fits the
 * model; hearth's own directories that cannot be written are named with the fix.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { CLI, makeSandbox, providerSetup, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function fakeChat(sandbox: Sandbox, script: Parameters<typeof startFakeServer>[0] = {}) {
  const fake = await startFakeServer(script);
  servers.push(fake);
  const setup = providerSetup("openai-chat", fake.url);
  writeSettings(sandbox, "user", setup.settings);
  return { fake, setup };
}

/** hearth with stdin a pipe written by `feed` (which may wait), the way `(sleep 2; echo x) | hearth` is. */
function runWithPipe(
  sandbox: Sandbox,
  args: string[],
  env: Record<string, string>,
  feed: (child: ChildProcessWithoutNullStreams) => void,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: sandbox.project,
      env: { ...sandbox.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c;
    });
    child.stdin.on("error", () => {}); // hearth may stop reading (the cap) and close its end
    const timer = setTimeout(() => child.kill("SIGKILL"), 30000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    feed(child);
  });
}

function sessionFiles(sandbox: Sandbox): string[] {
  const dir = join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions");
  return existsSync(dir) ? readdirSync(dir) : [];
}

function userMessage(fake: FakeServer): string | undefined {
  const messages = fake.modelRequests[0]?.body?.messages as Array<{ role: string; content: string }>;
  return messages?.find((m) => m.role === "user")?.content;
}

test("slow piped stdin with a prompt argument is waited for, not dropped, and the wait is explained", async () => {
  const sandbox = makeSandbox();
  const { fake, setup } = await fakeChat(sandbox, { script: [{ text: "fixed" }] });
  const run = await runWithPipe(
    sandbox,
    ["-p", "--model", setup.model, "fix the failing tests"],
    setup.env,
    (child) => {
      // The input comes once hearth has said it is waiting (after 2 s of silence), and half a second later.
      const send = () =>
        setTimeout(() => child.stdin.end("FAIL test/util.test.ts: expected 2, got 3\n"), 500);
      const fallback = setTimeout(send, 10000);
      child.stderr.on("data", (chunk: Buffer) => {
        if (!String(chunk).includes("waiting for piped stdin")) return;
        clearTimeout(fallback);
        send();
      });
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.ms >= 2500, `waited for the pipe (${run.ms} ms)`);
  assert.equal(userMessage(fake), "fix the failing tests\n\nFAIL test/util.test.ts: expected 2, got 3");
  assert.match(run.stderr, /waiting for piped stdin to end \(run with <\/dev\/null/);
});

test("piped input over the cap: exit 2, one line, nothing saved or sent", async () => {
  const sandbox = makeSandbox();
  const { fake, setup } = await fakeChat(sandbox, { script: [{ text: "never" }] });
  const chunk = Buffer.alloc(1_000_000, "x");
  const run = await runWithPipe(
    sandbox,
    ["-p", "--model", setup.model, "summarise"],
    setup.env,
    ({ stdin }) => {
      let left = 11;
      const write = () => {
        while (left > 0) {
          left--;
          if (!stdin.write(chunk)) return void stdin.once("drain", write);
        }
        stdin.end();
      };
      write();
    },
  );
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /^hearth: piped input is over 10 MB, more than a model can read in one prompt; .*\n/,
  );
  assert.equal(fake.modelRequests.length, 0);
  assert.deepEqual(sessionFiles(sandbox), []);
});

test("a prompt too large for the model is refused before it is saved; the advice is to send less", async () => {
  const fake = await startFakeServer({ script: [{ text: "never" }] });
  servers.push(fake);
  const sandbox = makeSandbox();
  const setup = providerSetup("anthropic-messages", fake.url);
  // 200k-token window; 1.5 MB is over it.
  const run = await runHearth(sandbox, ["-p", "--model", setup.model, "review this log"], {
    env: setup.env,
    stdin: "log line 0123456789 abcdefghij\n".repeat(50_000),
  });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /anthropic\/claude-sonnet-4-5 runs with a 200,000-token context window/);
  // Cloud or local advice after that is decided by the provider kind (prompt-fit.test.ts).
  assert.match(run.stderr, /: send less \(a shorter prompt, or a part of what is piped in\), or /);
  assert.doesNotMatch(run.stderr, /--profile lean/);
  assert.equal(fake.modelRequests.length, 0);
  assert.deepEqual(sessionFiles(sandbox), [], "nothing saved");
});

test("a data or state directory that cannot be created: which one, why, and the fix (exit 2)", async () => {
  const sandbox = makeSandbox();
  const { fake, setup } = await fakeChat(sandbox, { script: [] });
  // A path below a file fails for root too (ENOTDIR), where permission bits would not.
  const file = join(sandbox.home, "a-file");
  writeFileSync(file, "");
  for (const variable of ["XDG_DATA_HOME", "XDG_STATE_HOME"]) {
    const run = await runHearth(sandbox, ["-p", "--model", setup.model, "hi"], {
      env: { ...setup.env, [variable]: join(file, "x") },
    });
    assert.equal(run.code, 2, run.stderr);
    const what = variable === "XDG_DATA_HOME" ? "data" : "state";
    assert.equal(
      run.stderr,
      `hearth: cannot use hearth's ${what} directory ${join(file, "x", "hearth")} (ENOTDIR: a part of that path is a file, not a directory); ${variable} is ${join(file, "x")}: set it to a directory you can write, or fix that one\n`,
    );
  }
  assert.equal(fake.modelRequests.length, 0);
  const sessions = await runHearth(sandbox, ["sessions"], { env: { XDG_DATA_HOME: join(file, "x") } });
  assert.equal(sessions.code, 2);
  assert.match(
    sessions.stderr,
    /^hearth: cannot use hearth's data directory .* \(ENOTDIR: .*XDG_DATA_HOME is /,
  );
});
