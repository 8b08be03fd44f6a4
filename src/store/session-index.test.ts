import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { indexPath, withSessionIndex } from "./session-index.ts";

const dataDir = mkdtempSync(join(tmpdir(), "hearth-index-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test("the index's write-ahead log is emptied after every update, however often one session grows", () => {
  const id = "0190aaaa-0000-7000-8000-000000000001";
  const file = join(dataDir, "sessions", `${id}.jsonl`);
  mkdirSync(join(dataDir, "sessions"), { recursive: true });
  const header = {
    type: "header",
    v: 1,
    id,
    cwd: "/p",
    model: "m",
    version: "1",
    createdAt: "2025-01-01",
    title: "t",
  };
  writeFileSync(file, `${JSON.stringify(header)}\n`);
  const wal = `${indexPath(dataDir)}-wal`;
  for (let run = 1; run <= 12; run++) {
    for (let i = 0; i < 10; i++) {
      const message = { role: "user", content: `run ${run} message ${i} ${"words ".repeat(400)}` };
      appendFileSync(file, `${JSON.stringify({ type: "message", turn: run, ts: run, message })}\n`);
    }
    const turns = withSessionIndex(dataDir, (index) => index.list()[0]?.turns);
    assert.equal(turns, run);
    const size = existsSync(wal) ? statSync(wal).size : 0;
    assert.equal(size, 0, `after run ${run} the WAL holds ${size} bytes`);
  }
  assert.equal(
    withSessionIndex(dataDir, (index) => index.search("message 9").length),
    1,
    "the database still has everything",
  );
});

test("an image is indexed by its placeholder (name and size), never by its base64", () => {
  const id = "0190aaaa-0000-7000-8000-000000000002";
  const file = join(dataDir, "sessions", `${id}.jsonl`);
  mkdirSync(join(dataDir, "sessions"), { recursive: true });
  const header = { type: "header", v: 1, id, cwd: "/p", model: "m", version: "1", createdAt: "2025-01-01" };
  const data = Buffer.from("zebra crossing pixels, not words").toString("base64");
  const message = {
    role: "user",
    content: [
      { type: "image", mediaType: "image/png", data, name: "screenshot-login.png" },
      { type: "text", text: "why is the button grey" },
    ],
  };
  writeFileSync(
    file,
    `${JSON.stringify({ ...header, title: "why is the button grey" })}\n${JSON.stringify({ type: "message", turn: 1, ts: 1, message })}\n`,
  );
  const found = (text: string) =>
    withSessionIndex(dataDir, (index) => index.search(text)).map((hit) => hit.id);
  assert.deepEqual(found("screenshot-login.png"), [id]);
  assert.deepEqual(found("button grey"), [id]);
  assert.deepEqual(found(data.slice(0, 16)), [], "the base64 is not in the index");
  const snippet = withSessionIndex(dataDir, (index) => index.search("screenshot")[0]?.snippet);
  assert.match(snippet ?? "", /\[image: \[screenshot\]-login\.png, 32 B\] why is the button grey/);
});
