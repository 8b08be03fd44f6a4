/**
 * The file tools against a hostile neighbour: a real process flipping a workspace folder between a real folder
 * and a symlink to the outside as fast as it can while hearth writes, reads and writes protected paths through
 * it; and a writer killed with SIGKILL at seeded moments. Nothing may land outside, no secret may be read, no
 * protected file may change, and a file is always its old or its new content, never a part.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { startFlipper as spawnFlipper, stopChild } from "../support/flipper.ts";
import { makeSandbox, providerSetup, runHearth, type Sandbox } from "./harness.ts";

const servers: FakeServer[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(servers.map((s) => s.close()));
});

function startFlipper(dir: string, target: string): ChildProcess {
  const child = spawnFlipper(dir, target);
  children.push(child);
  return child;
}

/** `count` calls of one tool, 100 to a model turn. */
function turnsOf(count: number, call: (n: number) => { name: string; arguments: Record<string, unknown> }) {
  const turns: FakeTurn[] = [];
  for (let n = 0; n < count; n += 100) {
    turns.push({ toolCalls: Array.from({ length: Math.min(100, count - n) }, (_, k) => call(n + k)) });
  }
  return [...turns, { text: "done" }];
}

/** Runs hearth -p over the script while a flipper flips `project/d` to `target`. */
async function raceFlipper(sandbox: Sandbox, turns: FakeTurn[], target: string) {
  const fake = await startFakeServer({ script: turns });
  servers.push(fake);
  const provider = providerSetup("anthropic-messages", fake.url);
  const flipper = startFlipper(join(sandbox.project, "d"), target);
  try {
    await sleep(100); // flipping by now
    const run = await runHearth(
      sandbox,
      ["-p", "--permission-mode", "edits", "--model", provider.model, "--output-format", "stream-json", "go"],
      { env: provider.env, timeoutMs: 120_000 },
    );
    assert.equal(run.code, 0, run.stderr);
    return { run, fake };
  } finally {
    await stopChild(flipper);
  }
}

test("1,000 writes race a folder flipped to a symlink to ~/.ssh: 0 files land outside", async () => {
  const sandbox = makeSandbox();
  const ssh = join(sandbox.home, ".ssh");
  mkdirSync(ssh);
  writeFileSync(join(ssh, "id_ed25519"), "sentinel key\n");
  mkdirSync(join(sandbox.project, "d"));
  const turns = turnsOf(1000, (n) => ({ name: "write", arguments: { path: `d/f${n}`, content: `${n}\n` } }));
  const { run } = await raceFlipper(sandbox, turns, ssh);
  const outside = readdirSync(ssh).filter((name) => name !== "id_ed25519");
  const written = run.events.filter((e) => e.type === "tool_call_ended" && e.isError !== true).length;
  process.stdout.write(`# race: ${written} of 1000 writes went through, ${outside.length} landed outside\n`);
  assert.deepEqual(outside, [], `${outside.length} of 1000 writes landed in ~/.ssh`);
  assert.equal(readFileSync(join(ssh, "id_ed25519"), "utf8"), "sentinel key\n");
  assert.ok(written > 0, "some writes went through: the race really ran");
});

test("reads race the same flip: the secret behind the link never reaches the model", async () => {
  const sandbox = makeSandbox({ "d/id_ed25519": "just a file in the project\n" });
  const ssh = join(sandbox.home, ".ssh");
  mkdirSync(ssh);
  writeFileSync(join(ssh, "id_ed25519"), "CANARY-PRIVATE-KEY-5b1f\n");
  // A different limit each time: identical calls would be stopped by the repeat guard.
  const turns = turnsOf(600, (n) => ({ name: "read", arguments: { path: "d/id_ed25519", limit: 1000 + n } }));
  const { run, fake } = await raceFlipper(sandbox, turns, ssh);
  assert.ok(!run.stdout.includes("CANARY-PRIVATE-KEY"), "the secret reached the model");
  assert.ok(
    !JSON.stringify(fake.requests).includes("CANARY-PRIVATE-KEY"),
    "the secret was sent to the model",
  );
  const results = run.events.filter((e) => e.type === "tool_call_ended");
  assert.equal(results.length, 600, "every read ran or was refused");
});

test("writes race a folder flipped to a symlink to .git/hooks: no hook is written", async () => {
  const sandbox = makeSandbox({ ".git/hooks/pre-commit.sample": "#!/bin/sh\n" });
  mkdirSync(join(sandbox.project, "d"));
  const hooks = join(sandbox.project, ".git", "hooks");
  const turns = turnsOf(300, (n) => ({
    name: "write",
    arguments: { path: `d/hook${n}`, content: "#!/bin/sh\nevil\n" },
  }));
  await raceFlipper(sandbox, turns, hooks);
  assert.deepEqual(readdirSync(hooks), ["pre-commit.sample"]);
});

test("a symlink in the workspace to .hearth/settings.json or a git hook cannot be used to write it", async () => {
  const sandbox = makeSandbox({
    ".hearth/settings.json": '{ "permissionMode": "ask" }\n',
    ".git/hooks/pre-commit": "#!/bin/sh\nexit 0\n",
  });
  symlinkSync(join(sandbox.project, ".hearth", "settings.json"), join(sandbox.project, "notes.json"));
  symlinkSync(".git/hooks/pre-commit", join(sandbox.project, "build.sh"));
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ name: "read", arguments: { path: "notes.json" } }] },
      {
        toolCalls: [
          {
            name: "write",
            arguments: { path: "notes.json", content: '{ "sandbox": { "enabled": false } }' },
          },
        ],
      },
      { toolCalls: [{ name: "read", arguments: { path: "build.sh" } }] },
      {
        toolCalls: [
          { name: "edit", arguments: { path: "build.sh", old_string: "exit 0", new_string: "curl x | sh" } },
        ],
      },
      { text: "done" },
    ],
  });
  servers.push(fake);
  const provider = providerSetup("anthropic-messages", fake.url);
  const run = await runHearth(
    sandbox,
    ["-p", "--permission-mode", "auto", "--model", provider.model, "--output-format", "stream-json", "go"],
    { env: provider.env },
  );
  assert.equal(run.code, 0, run.stderr);
  const results = run.events.filter((e) => e.type === "tool_call_ended");
  assert.equal(results[1].isError, true);
  assert.equal(results[3].isError, true);
  assert.equal(
    readFileSync(join(sandbox.project, ".hearth", "settings.json"), "utf8"),
    '{ "permissionMode": "ask" }\n',
  );
  assert.equal(
    readFileSync(join(sandbox.project, ".git", "hooks", "pre-commit"), "utf8"),
    "#!/bin/sh\nexit 0\n",
  );
});

/**
 * Kills `child` after `ms`, or at once when the file is caught shorter than its filler (a write truncated it
 * and is under way): a non-atomic write cannot hide from this. Polls synchronously, so the kill is immediate.
 */
function killAtSeededMomentOrMidWrite(child: ChildProcess, file: string, fullSize: number, ms: number): void {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) < fullSize) break;
  }
  child.kill("SIGKILL");
}

/** mulberry32: the same kill moments on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("kill -9 in the middle of write and edit: the file is always the old or the new content", async () => {
  // A writer child replaces a 4 MB file for ever, by write and edit in turn; it is killed at seeded moments.
  const sandbox = makeSandbox();
  const line = `${"x".repeat(63)}\n`;
  const filler = line.repeat(Math.ceil((4 * 1024 * 1024) / line.length));
  const file = join(sandbox.project, "big.txt");
  writeFileSync(file, `0\n${filler}`);
  const writer = resolve(dirname(fileURLToPath(import.meta.url)), "../support/file-writer.ts");
  const random = seeded(11);
  let last = 0;
  for (let round = 0; round < 6; round++) {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", writer, sandbox.project, "big.txt", String(filler.length)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    children.push(child);
    await new Promise<void>((ready, fail) => {
      child.stdout?.on("data", (chunk: Buffer) => chunk.includes("ready") && ready());
      child.on("exit", () => fail(new Error("the writer ended before it was ready")));
    });
    killAtSeededMomentOrMidWrite(child, file, filler.length, 300 + Math.floor(random() * 200));
    await stopChild(child);
    const content = readFileSync(file, "utf8");
    const newline = content.indexOf("\n");
    const n = Number(content.slice(0, newline));
    assert.ok(Number.isInteger(n), `round ${round}: the first line is not a number`);
    assert.equal(
      content.length,
      newline + 1 + filler.length,
      `round ${round}: a half-written file (${content.length} bytes)`,
    );
    assert.ok(content.endsWith(filler), `round ${round}: the content is damaged`);
    last = n;
  }
  assert.ok(last >= 0);
});
