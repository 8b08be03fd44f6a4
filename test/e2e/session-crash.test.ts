/**
 * Kill -9 the CLI at seeded random points of a scripted session with tool calls, then check that the session
 * file still loads, that a resume works, and that the resumed request has exactly one result per tool call.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseSession, replayMessages } from "../../src/store/session-records.ts";
import type { FakeTurn } from "../fake-server/script.ts";
import { startFakeServer } from "../fake-server/server.ts";
import { CLI, makeSandbox, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const POINTS = Number(process.env.HEARTH_CRASH_POINTS ?? 50);
const SEED = Number(process.env.HEARTH_CRASH_SEED ?? 20261126);

/** mulberry32: a small seeded generator, so a failing point can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCRIPT: FakeTurn[] = [
  {
    text: "Looking.",
    toolCalls: [
      { name: "read", arguments: { path: "a.txt" } },
      { name: "ls", arguments: {} },
    ],
    frameDelayMs: 10,
  },
  { toolCalls: [{ name: "bash", arguments: { command: "sleep 0.15; echo done" } }] },
  { toolCalls: [{ name: "write", arguments: { path: "out.txt", content: "written\n" } }], frameDelayMs: 20 },
  { text: "All done, the file is written.", frameDelayMs: 15 },
];

function settingsFor(sandbox: Sandbox, url: string) {
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${url}/v1` } },
    model: "fake/m",
    permissionMode: "auto",
    sandbox: { enabled: false },
  });
}

function runAndKill(sandbox: Sandbox, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "-p", "do the task"], {
      cwd: sandbox.project,
      env: sandbox.env,
      stdio: "ignore",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), afterMs);
    child.on("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

test(`kill -9 at ${POINTS} seeded points: every session loads, resumes, and has one result per tool call`, async () => {
  const next = random(SEED);
  // How long an uninterrupted run takes, to spread the kill points over it.
  const probe = makeSandbox({ "a.txt": "hello\n" });
  const fake = await startFakeServer({ script: SCRIPT });
  settingsFor(probe, fake.url);
  const full = await runHearth(probe, ["-p", "do the task"]);
  await fake.close();
  assert.equal(full.code, 0, full.stderr);
  const span = full.durationMs * 1.1;

  let withFile = 0;
  let resumedWithCalls = 0;
  for (let point = 0; point < POINTS; point++) {
    const at = Math.round(next() * span);
    const label = `point ${point} (seed ${SEED}, kill at ${at} ms)`;
    const sandbox = makeSandbox({ "a.txt": "hello\n" });
    const server = await startFakeServer({ script: SCRIPT });
    settingsFor(sandbox, server.url);
    await runAndKill(sandbox, at);
    await server.close();

    const dir = join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions");
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
    } catch {}
    if (files.length === 0) continue; // killed before the session file was created
    withFile++;
    assert.equal(files.length, 1, label);
    const id = files[0].slice(0, -6);
    const parsed = parseSession(readFileSync(join(dir, files[0]), "utf8"), files[0]);
    const replay = replayMessages(parsed.records);
    assert.equal(replay.messages[0]?.role, "user", label);

    const resume = await startFakeServer({ script: [{ text: "resumed" }] });
    settingsFor(sandbox, resume.url);
    const run = await runHearth(sandbox, ["-r", id, "-p", "continue"]);
    await resume.close();
    assert.equal(run.code, 0, `${label}: ${run.stderr}`);
    const sent = (resume.modelRequests[0].body as { messages: Array<Record<string, unknown>> }).messages;
    const calls = sent.flatMap((m) => ((m.tool_calls as Array<{ id: string }>) ?? []).map((c) => c.id));
    const results = sent.filter((m) => m.role === "tool").map((m) => m.tool_call_id as string);
    assert.deepEqual(results, calls, `${label}: one result per call, in order`);
    if (calls.length > 0) resumedWithCalls++;
    assert.equal(sent.at(-1)?.content, "continue", label);
  }
  // The seeded points must have reached the interesting parts of the run.
  assert.ok(withFile >= POINTS * 0.6, `only ${withFile} of ${POINTS} kills left a session file`);
  assert.ok(resumedWithCalls >= POINTS * 0.3, `only ${resumedWithCalls} kills landed after a tool call`);
});
