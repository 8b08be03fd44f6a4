/** End to end: resuming a session whose last line was torn by a crash keeps a byte-exact copy before repairing it. */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

let fake: FakeServer | undefined;
after(() => fake?.close());

test("-r on a session with a torn last line: the original is copied aside, the run says where, and goes on", async () => {
  fake = await startFakeServer({ script: [{ text: "resumed" }] });
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m1",
  });
  const id = "019a0000-0000-7000-8000-00000000abcd";
  const sessions = join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions");
  mkdirSync(sessions, { recursive: true });
  const header = {
    type: "header",
    v: 1,
    id,
    cwd: sandbox.project,
    model: "fake/m1",
    version: "0",
    createdAt: "x",
    title: "t",
  };
  const original = `${JSON.stringify(header)}\n${JSON.stringify({ type: "message", turn: 1, ts: 1, message: { role: "user", content: "first" } })}\n{"type":"message","turn":1,"ts":2,"mess`;
  writeFileSync(join(sessions, `${id}.jsonl`), original, { mode: 0o600 });

  const run = await runHearth(sandbox, ["-r", id, "-p", "go on"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "resumed\n");
  const backups = join(sessions, id, "backups");
  const copies = readdirSync(backups);
  assert.equal(copies.length, 1);
  assert.equal(readFileSync(join(backups, copies[0]), "utf8"), original, "byte for byte");
  assert.match(
    run.stderr,
    new RegExp(
      `copied to ${join(backups, copies[0]).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} before hearth repaired it`,
    ),
  );
  assert.ok(
    readFileSync(join(sessions, `${id}.jsonl`), "utf8").startsWith(original),
    "the session only grew",
  );
});
