/**
 * End to end: session ids start with a timestamp, so sessions of the same minute share their first characters.
 * The short id hearth shows is the random end; it (or any unique start or end) names a session everywhere.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const sessionsDir = (sandbox: Sandbox) => join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions");
const sessionFile = (sandbox: Sandbox, id: string) => join(sessionsDir(sandbox), `${id}.jsonl`);

/** A copy of session `id` under a new id that shares its timestamp, as a session started a moment later would. */
function twin(sandbox: Sandbox, id: string, tail: string): string {
  const twinId = `${id.slice(0, 24)}${tail}`;
  const text = readFileSync(sessionFile(sandbox, id), "utf8").replace(`"id":"${id}"`, `"id":"${twinId}"`);
  writeFileSync(sessionFile(sandbox, twinId), text);
  return twinId;
}

test("short ids: the list shows the random end, which resumes, shows, forks, undoes and removes", async () => {
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ name: "write", arguments: { path: "notes.txt", content: "by the agent\n" } }] },
      { text: "written" },
      { text: "resumed" },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m1",
    permissionMode: "edits",
  });
  const first = await runHearth(sandbox, ["-p", "--output-format", "json", "write notes"]);
  assert.equal(first.code, 0, first.stderr);
  const id = JSON.parse(first.stdout).session_id as string;
  const other = twin(sandbox, id, "aaaabbbbcccc");

  // The start of an id is shared by sessions of the same minute: ambiguous, and the message says what to give.
  const byPrefix = await runHearth(sandbox, ["-r", id.slice(0, 8), "-p", "x"]);
  assert.equal(byPrefix.code, 2, "an ambiguous id is a usage error");
  assert.match(
    byPrefix.stderr,
    /2 sessions match .*give the short id hearth sessions shows \(the end of the id\)/,
  );

  const list = await runHearth(sandbox, ["sessions"]);
  assert.equal(list.code, 0, list.stderr);
  const shortId = id.slice(-8);
  const ids = list.stdout
    .trim()
    .split("\n")
    .slice(1)
    .map((row) => row.split(/\s+/)[0]);
  assert.deepEqual(ids.sort(), [shortId, "bbbbcccc"].sort());

  const resumed = await runHearth(sandbox, ["-r", shortId, "-p", "again"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(readFileSync(sessionFile(sandbox, id), "utf8"), /"again"/);
  assert.doesNotMatch(readFileSync(sessionFile(sandbox, other), "utf8"), /"again"/);

  const show = await runHearth(sandbox, ["sessions", "show", shortId]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /again/);
  const exported = await runHearth(sandbox, ["sessions", "export", shortId, "--format", "json"]);
  assert.equal(JSON.parse(exported.stdout).header.id, id);
  const fork = await runHearth(sandbox, ["sessions", "fork", shortId, "--at", "1"]);
  assert.equal(fork.code, 0, fork.stderr);
  const forkId = fork.stdout.trim();
  assert.match(
    fork.stderr,
    new RegExp(
      `forked ${shortId} at turn 1 into ${forkId.slice(-8)}; continue it with hearth -r ${forkId.slice(-8)}`,
    ),
  );

  const undo = await runHearth(sandbox, ["undo", "--session", shortId]);
  assert.equal(undo.code, 0, undo.stderr);
  assert.ok(!existsSync(join(sandbox.project, "notes.txt")), "the write was undone");

  const rm = await runHearth(sandbox, ["sessions", "rm", "bbbbcccc"]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.ok(!existsSync(sessionFile(sandbox, other)));
  assert.ok(existsSync(sessionFile(sandbox, id)));
});

test("the list says when it shows only the latest 50, and --all shows every one", async () => {
  const fake = await startFakeServer({ script: [{ text: "hello" }] });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m1",
  });
  const first = await runHearth(sandbox, ["-p", "--output-format", "json", "hi"]);
  const id = JSON.parse(first.stdout).session_id as string;
  for (let i = 0; i < 51; i++) twin(sandbox, id, `${i.toString(16).padStart(4, "0")}deadbeef`);

  const list = await runHearth(sandbox, ["sessions"]);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout.trim().split("\n").length, 51, "a header and 50 rows");
  assert.match(
    list.stderr,
    /^hearth: showing the latest 50 of 52; add --all to see every one \(or --limit N\)$/m,
  );
  const all = await runHearth(sandbox, ["sessions", "--all"]);
  assert.equal(all.stdout.trim().split("\n").length, 53);
  assert.equal(all.stderr, "");
  // The twins all end in deadbeef: their short ids grow until each names one session.
  assert.match(all.stdout, /^01deadbeef\s/m);
  const show = await runHearth(sandbox, ["sessions", "show", "01deadbeef"]);
  assert.equal(show.code, 0, show.stderr);
});
