/** End to end: sessions are recorded, continued, resumed, listed, searched, shown, exported, forked and removed. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function setup(script: FakeTurn[], files: Record<string, string> = {}) {
  const fake = await startFakeServer({ script });
  servers.push(fake);
  const sandbox = makeSandbox(files);
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m1",
  });
  return { fake, sandbox };
}

const sessionsDir = (sandbox: Sandbox) => join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions");
const sessionFiles = (sandbox: Sandbox) =>
  readdirSync(sessionsDir(sandbox)).filter((f) => f.endsWith(".jsonl"));
const records = (sandbox: Sandbox, id: string) =>
  readFileSync(join(sessionsDir(sandbox), `${id}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

test("a run is recorded, -c continues it with the whole history, -r resumes by id prefix", async () => {
  const { fake, sandbox } = await setup(
    [
      { toolCalls: [{ id: "c1", name: "read", arguments: { path: "a.txt" } }] },
      { text: "the file says hello" },
      { text: "second answer" },
      { text: "third answer" },
    ],
    { "a.txt": "hello\n" },
  );
  const first = await runHearth(sandbox, ["-p", "--output-format", "json", "read a.txt please"]);
  assert.equal(first.code, 0, first.stderr);
  const id = JSON.parse(first.stdout).session_id as string;
  assert.deepEqual(sessionFiles(sandbox), [`${id}.jsonl`]);
  const recs = records(sandbox, id);
  assert.equal(recs[0].type, "header");
  assert.equal(recs[0].v, 1);
  assert.equal(recs[0].cwd, sandbox.project);
  assert.equal(recs[0].model, "fake/m1");
  assert.equal(recs[0].title, "read a.txt please");
  assert.deepEqual(
    recs.slice(1).map((r) => (r.type === "message" ? r.message.role : r.type)),
    ["mode", "user", "assistant", "tool", "assistant", "files_seen", "run_ended"],
  );
  assert.ok(recs.slice(1).every((r) => r.turn === 1));
  assert.ok(!existsSync(join(sessionsDir(sandbox), `${id}.lock`)), "the lock is released");

  const second = await runHearth(sandbox, ["-c", "-p", "and now?"]);
  assert.equal(second.code, 0, second.stderr);
  const body = fake.modelRequests[2].body as { messages: Array<{ role: string; content: unknown }> };
  assert.deepEqual(
    body.messages.map((m) => m.role),
    ["system", "user", "assistant", "tool", "assistant", "user"],
  );
  assert.equal(body.messages.at(-1)?.content, "and now?");
  assert.deepEqual(sessionFiles(sandbox), [`${id}.jsonl`], "-c appends to the same file");
  assert.equal(records(sandbox, id).at(-1).turn, 2);

  const third = await runHearth(sandbox, ["-r", id.slice(0, 8), "-p", "once more"]);
  assert.equal(third.code, 0, third.stderr);
  assert.equal((fake.modelRequests[3].body as { messages: unknown[] }).messages.length, 8);

  const missing = await runHearth(sandbox, ["-r", "ffffffff", "-p", "x"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no session ffffffff; run hearth sessions to list them/);
  const elsewhere = makeSandbox();
  Object.assign(elsewhere.env, sandbox.env, { HOME: sandbox.home });
  const none = await runHearth({ ...sandbox, project: elsewhere.project }, ["-c", "-p", "x"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no earlier session in .* to continue/);
});

test("a session interrupted mid tool call resumes with one result per call", async () => {
  const { fake, sandbox } = await setup([{ text: "resumed fine" }]);
  const id = "019a0000-0000-7000-8000-000000000001";
  mkdir(sessionsDir(sandbox));
  const lines = [
    {
      type: "header",
      v: 1,
      id,
      cwd: sandbox.project,
      model: "fake/m1",
      version: "0",
      createdAt: "x",
      title: "t",
    },
    { type: "message", turn: 1, ts: 1, message: { role: "user", content: "run two things" } },
    {
      type: "message",
      turn: 1,
      ts: 2,
      message: {
        role: "assistant",
        stopReason: "tool_use",
        content: [
          { type: "tool_call", id: "a", name: "bash", arguments: { command: "sleep 100" } },
          { type: "tool_call", id: "b", name: "ls", arguments: {} },
        ],
      },
    },
  ];
  // The process died while writing the next line: a torn tail.
  writeFileSync(
    join(sessionsDir(sandbox), `${id}.jsonl`),
    `${lines.map((l) => JSON.stringify(l)).join("\n")}\n{"type":"message","turn":1,"ts":3,"mess`,
  );
  const run = await runHearth(sandbox, ["-r", id, "-p", "go on"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /incomplete last line skipped/);
  assert.match(run.stderr, /2 tool calls had no result \(interrupted\)/);
  const sent = (fake.modelRequests[0].body as { messages: Array<Record<string, unknown>> }).messages;
  const results = sent.filter((m) => m.role === "tool");
  assert.deepEqual(
    results.map((m) => m.tool_call_id),
    ["a", "b"],
  );
  assert.match(String(results[0].content), /interrupted/);
  // The torn line stays a skipped line; the interrupted calls are recorded, then the new turn follows.
  const text = readFileSync(join(sessionsDir(sandbox), `${id}.jsonl`), "utf8");
  assert.match(
    text,
    /"mess\n\{"type":"message","turn":1,"ts":\d+,"message":\{"role":"tool","toolCallId":"a"/,
  );
  const after = text
    .split("\n")
    .slice(4)
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    after.slice(0, 4).map((r) => [r.type, r.message?.role ?? r.mode, r.message?.toolCallId ?? null]),
    [
      ["message", "tool", "a"],
      ["message", "tool", "b"],
      ["mode", "ask", null],
      ["message", "user", null],
    ],
  );
});

test("list, search with ranking and snippets, show, export redacted, fork at a turn, rm", async () => {
  const secret = `sk-ant-api03-${"Zx8Kp2Lm".repeat(9)}`;
  const { sandbox } = await setup([
    { text: "Bananas are yellow. bananas bananas." },
    { text: "nothing here" },
    { text: "one mention of bananas" },
    { text: "turn two answer" },
  ]);
  const a = await runHearth(sandbox, ["-p", "--output-format", "json", "tell me about bananas"]);
  const b = await runHearth(sandbox, ["-p", "--output-format", "json", "apples please"]);
  const c = await runHearth(sandbox, ["-p", "--output-format", "json", `key ${secret} and fruit`], {
    env: { ANTHROPIC_API_KEY: secret },
  });
  for (const r of [a, b, c]) assert.equal(r.code, 0, r.stderr);
  const [ida, idb, idc] = [a, b, c].map((r) => JSON.parse(r.stdout).session_id as string);
  const more = await runHearth(sandbox, ["-r", idc, "-p", "second turn"]);
  assert.equal(more.code, 0, more.stderr);

  const list = await runHearth(sandbox, ["sessions"]);
  assert.equal(list.code, 0, list.stderr);
  const rows = list.stdout.trim().split("\n");
  assert.match(rows[0], /^ID\s+UPDATED\s+TURNS\s+SIZE\s+MODEL\s+DIRECTORY\s+TITLE$/);
  assert.equal(rows.length, 4);
  assert.ok(rows[1].startsWith(idc.slice(-8)), "newest first, by short id");
  assert.match(rows[1], /\s2\s+[\d.]+ (B|kB)\s+fake\/m1\s/);
  assert.match(list.stdout, /apples please/);

  const search = await runHearth(sandbox, ["sessions", "search", "banana", "--json"]);
  assert.equal(search.code, 0, search.stderr);
  const hits = JSON.parse(search.stdout) as Array<{ id: string; snippet: string }>;
  assert.deepEqual(
    hits.map((h) => h.id),
    [ida, idc],
    "the session that talks most about bananas ranks first",
  );
  assert.match(hits[0].snippet, /\[[Bb]ananas?\]/);
  const none = await runHearth(sandbox, ["sessions", "search", "kiwi"]);
  assert.match(none.stdout, /no session mentions "kiwi"/);

  // The secret never reached the file, and exports are redacted too.
  assert.ok(!readFileSync(join(sessionsDir(sandbox), `${idc}.jsonl`), "utf8").includes(secret));
  const show = await runHearth(sandbox, ["sessions", "show", idc]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /## Turn 2\n\n\*\*User:\*\*\n\nsecond turn/);
  const md = await runHearth(sandbox, ["sessions", "export", idc, "--format", "md"]);
  const json = await runHearth(sandbox, ["sessions", "export", idc, "--format", "json"]);
  for (const out of [show.stdout, md.stdout, json.stdout]) assert.ok(!out.includes(secret.slice(14)));
  const exported = JSON.parse(json.stdout);
  assert.equal(exported.messages.length, 4);
  const bad = await runHearth(sandbox, ["sessions", "export", idc, "--format", "pdf"]);
  assert.equal(bad.code, 2);

  const fork = await runHearth(sandbox, ["sessions", "fork", idc, "--at", "1"]);
  assert.equal(fork.code, 0, fork.stderr);
  const forkId = fork.stdout.trim();
  const forked = records(sandbox, forkId);
  assert.deepEqual(forked[0].parent, { id: idc, turn: 1 });
  assert.ok(forked.slice(1).every((r) => r.turn === 1));
  assert.equal(forked.filter((r) => r.type === "message").length, 2);
  const badFork = await runHearth(sandbox, ["sessions", "fork", idc, "--at", "5"]);
  assert.equal(badFork.code, 2);
  assert.match(badFork.stderr, /has turns 1 to 2; --at 5 is not one of them/);

  const rm = await runHearth(sandbox, ["sessions", "rm", idb]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.ok(!existsSync(join(sessionsDir(sandbox), `${idb}.jsonl`)));
  const after = await runHearth(sandbox, ["sessions", "--json"]);
  assert.deepEqual(
    (JSON.parse(after.stdout) as Array<{ id: string }>).map((s) => s.id).sort(),
    [ida, idc, forkId].sort(),
  );
});

test("the index is rebuilt when deleted or corrupt, and reindex reports unreadable files", async () => {
  const { sandbox } = await setup([{ text: "alpha answer" }, { text: "beta answer" }]);
  await runHearth(sandbox, ["-p", "alpha question"]);
  await runHearth(sandbox, ["-p", "beta question"]);
  const db = join(sandbox.env.XDG_DATA_HOME, "hearth", "index.db");
  assert.ok(existsSync(db), "the run updated the index");
  for (const suffix of ["", "-wal", "-shm"]) rmSync(db + suffix, { force: true });
  const rebuilt = await runHearth(sandbox, ["sessions", "search", "beta", "--json"]);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.equal(JSON.parse(rebuilt.stdout).length, 1);
  for (const suffix of ["-wal", "-shm"]) rmSync(db + suffix, { force: true });
  writeFileSync(db, "this is not a database at all, just garbage bytes ".repeat(100));
  const healed = await runHearth(sandbox, ["sessions", "--json"]);
  assert.equal(healed.code, 0, healed.stderr);
  assert.equal(JSON.parse(healed.stdout).length, 2);
  writeFileSync(join(sessionsDir(sandbox), "0000bad0-0000-7000-8000-000000000000.jsonl"), "not json\n");
  const reindex = await runHearth(sandbox, ["sessions", "reindex"]);
  assert.equal(reindex.code, 1);
  assert.match(reindex.stdout, /indexed 2 sessions/);
  assert.match(reindex.stderr, /skipped .*0000bad0.*not a hearth session/);
});

test("a session open in another hearth is refused with a way out; a stale lock is taken over", async () => {
  const { sandbox } = await setup([{ text: "first" }, { text: "after stale lock" }]);
  const first = await runHearth(sandbox, ["-p", "--output-format", "json", "hello"]);
  const id = JSON.parse(first.stdout).session_id as string;
  const lock = join(sessionsDir(sandbox), `${id}.lock`);
  // A live owner: this test process.
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), started: null, at: "now" }));
  const busy = await runHearth(sandbox, ["-r", id, "-p", "again"]);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, new RegExp(`session ${id} is open in another hearth \\(pid ${process.pid}`));
  assert.match(busy.stderr, new RegExp(`hearth sessions fork ${id}`));
  const before = readFileSync(join(sessionsDir(sandbox), `${id}.jsonl`), "utf8");
  assert.equal(readFileSync(join(sessionsDir(sandbox), `${id}.jsonl`), "utf8"), before);
  // A dead owner: a pid that does not exist.
  writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), started: null, at: "then" }));
  const stale = await runHearth(sandbox, ["-r", id, "-p", "again"]);
  assert.equal(stale.code, 0, stale.stderr);
  assert.ok(!existsSync(lock));
});

test("two hearths on one session at once: one runs, the other is refused, the file stays whole", async () => {
  const { sandbox } = await setup([
    { text: "first" },
    { text: "slow one", frameDelayMs: 400 },
    { text: "fast one" },
  ]);
  const first = await runHearth(sandbox, ["-p", "--output-format", "json", "hello"]);
  const id = JSON.parse(first.stdout).session_id as string;
  const [x, y] = await Promise.all([
    runHearth(sandbox, ["-r", id, "-p", "one"]),
    new Promise((r) => setTimeout(r, 150)).then(() => runHearth(sandbox, ["-r", id, "-p", "two"])),
  ]);
  assert.deepEqual([x.code, y.code].sort(), [0, 1]);
  const loser = x.code === 1 ? x : y;
  assert.match(loser.stderr, /is open in another hearth/);
  const recs = records(sandbox, id);
  assert.equal(recs.filter((r) => r.type === "run_ended").length, 2);
  assert.ok(recs.every((r) => r.type === "header" || r.turn <= 2));
});

test("a full disk stops the run with a clear message and keeps the earlier records", {
  skip: !isRoot(),
}, async () => {
  const { sandbox } = await setup([{ text: "x".repeat(200_000) }]);
  const data = join(sandbox.env.XDG_DATA_HOME, "hearth");
  mkdir(data);
  const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", data]);
  if (mount.status !== 0) return; // no mount in this container: the unit test covers the injected error
  try {
    const run = await runHearth(sandbox, ["-p", "--output-format", "json", "fill the disk"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot write the session file .*: the disk is full; free some space/);
    const file = sessionFiles(sandbox)[0];
    const text = readFileSync(join(sessionsDir(sandbox), file), "utf8");
    assert.ok(text.endsWith("\n"), "no torn line left behind");
    const kept = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      kept.map((r) => r.type),
      ["header", "mode", "message"],
    );
  } finally {
    spawnSync("umount", [data]);
  }
});

function mkdir(dir: string) {
  mkdirSync(dir, { recursive: true });
}
function isRoot(): boolean {
  return process.getuid?.() === 0;
}

test("-c --fork-session continues a copy under a new id; the original is left byte for byte", async () => {
  const { fake, sandbox } = await setup([{ text: "first answer" }, { text: "second answer" }]);
  const first = await runHearth(sandbox, ["-p", "--output-format", "json", "remember the word apricot"]);
  assert.equal(first.code, 0, first.stderr);
  const id = JSON.parse(first.stdout).session_id as string;
  const original = readFileSync(join(sessionsDir(sandbox), `${id}.jsonl`), "utf8");
  const forked = await runHearth(sandbox, [
    "-c",
    "--fork-session",
    "-p",
    "--output-format",
    "json",
    "which word?",
  ]);
  assert.equal(forked.code, 0, forked.stderr);
  const forkId = JSON.parse(forked.stdout).session_id as string;
  assert.notEqual(forkId, id);
  assert.match(forked.stderr, /continuing a copy of session/);
  assert.equal(
    readFileSync(join(sessionsDir(sandbox), `${id}.jsonl`), "utf8"),
    original,
    "the original is untouched",
  );
  const users = records(sandbox, forkId)
    .filter((r) => r.type === "message" && r.message.role === "user")
    .map((r) => r.message.content);
  assert.deepEqual(users, ["remember the word apricot", "which word?"]);
  assert.ok(
    JSON.stringify(fake.modelRequests.at(-1)?.body).includes("apricot"),
    "the fork carries the history",
  );
  const alone = await runHearth(sandbox, ["-p", "--fork-session", "hi"]);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--fork-session forks the session -c or -r opens/);
});
