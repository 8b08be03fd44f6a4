import assert from "node:assert/strict";
import { writeSync as fsWriteSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRedactor } from "../secrets/redact.ts";
import {
  appendToSessionFile,
  createSessionFile,
  readSessionFile,
  SessionWriteError,
} from "./session-file.ts";
import {
  INTERRUPTED_RESULT,
  interruptedResults,
  parseSession,
  replayMessages,
  type SessionHeader,
  titleFrom,
} from "./session-records.ts";

const header: SessionHeader = {
  type: "header",
  v: 1,
  id: "s1",
  cwd: "/w",
  model: "p/m",
  version: "0",
  createdAt: "2026-01-01T00:00:00Z",
  title: "t",
};
const noRedact = (text: string) => text;
const dir = () => mkdtempSync(join(tmpdir(), "hearth-session-"));

test("records are whole lines; redaction applies to every line", () => {
  const path = join(dir(), "s.jsonl");
  const writer = createSessionFile(path, header, { redact: (t) => t.replaceAll("SECRET", "[REDACTED]") });
  writer.append({ type: "message", turn: 1, ts: 1, message: { role: "user", content: "my SECRET" } });
  writer.close();
  const text = readFileSync(path, "utf8");
  assert.equal(text.split("\n").length, 3);
  assert.ok(!text.includes("SECRET"));
  const parsed = readSessionFile(path);
  assert.equal(parsed.records.length, 1);
  assert.deepEqual(parsed.problems, []);
});

test("an image's base64 is written as it came, the redactor never sees it; the text beside it is redacted", () => {
  const redactor = createRedactor({ knownSecrets: ["known-secret-value-42"] });
  // Base64 may hold the shape of a Google key (AIza and 35 more characters) by chance: redacted, the image breaks.
  const data = `iVBORw0KGgo+AIzaSyD${"x7Kq2Lm9".repeat(5)}/known+secret==`;
  assert.notEqual(
    redactor.redact(JSON.stringify({ data })),
    JSON.stringify({ data }),
    "the redactor would cut it",
  );
  const path = join(dir(), "s.jsonl");
  const writer = createSessionFile(path, header, { redact: (t) => redactor.redact(t) });
  const message = {
    role: "user" as const,
    content: [
      { type: "image" as const, mediaType: "image/png" as const, data, name: "a.png" },
      { type: "text" as const, text: "the key is known-secret-value-42, see AIzaSyD" + "x7Kq2Lm9".repeat(5) },
    ],
  };
  writer.append({ type: "message", turn: 1, ts: 1, message });
  writer.close();
  const [record] = readSessionFile(path).records;
  assert.ok(record.type === "message" && record.message.role === "user");
  const [image, text] = record.message.content as typeof message.content;
  assert.equal(image.data, data);
  assert.equal(text.text, "the key is [REDACTED], see AIza…[REDACTED]");
});

test("a torn last line and a damaged middle line are skipped and reported, never fatal", () => {
  const lines = [
    JSON.stringify(header),
    "{broken",
    JSON.stringify({ type: "model", turn: 1, ts: 1, model: "x" }),
  ];
  const parsed = parseSession(`${lines.join("\n")}\n{"type":"mess`, "f");
  assert.equal(parsed.records.length, 1);
  assert.deepEqual(parsed.problems, [
    "f:2: damaged line skipped",
    "f:4: incomplete last line skipped (a crash while writing)",
  ]);
  assert.throws(() => parseSession("not a header\n", "g"), /g: not a hearth session/);
  assert.throws(() => parseSession(`${JSON.stringify({ ...header, v: 99 })}\n`, "h"), /newer hearth/);
});

test("a write that fails part way (disk full) is cut back to the last whole record", () => {
  const path = join(dir(), "s.jsonl");
  let budget = Number.POSITIVE_INFINITY;
  const writeSync = (fd: number, data: Buffer, position: number) => {
    if (budget <= 0) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    const n = Math.min(data.length, budget);
    budget -= n;
    return fsWriteSync(fd, data, 0, n, position);
  };
  const writer = createSessionFile(path, header, { redact: noRedact, writeSync });
  writer.append({ type: "message", turn: 1, ts: 1, message: { role: "user", content: "kept" } });
  budget = 10; // the next record gets 10 bytes on disk, then the disk is full
  assert.throws(
    () =>
      writer.append({ type: "message", turn: 1, ts: 2, message: { role: "user", content: "x".repeat(100) } }),
    (error: unknown) =>
      error instanceof SessionWriteError &&
      error.code === "ENOSPC" &&
      /cannot write the session file .*: the disk is full; free some space/.test(error.message),
  );
  writer.close();
  const text = readFileSync(path, "utf8");
  assert.ok(text.endsWith("\n"));
  const parsed = readSessionFile(path);
  assert.deepEqual(parsed.problems, []);
  assert.equal(parsed.records.length, 1);
});

test("appending after a torn tail starts a fresh line", () => {
  const path = join(dir(), "s.jsonl");
  writeFileSync(path, `${JSON.stringify(header)}\n{"type":"mess`);
  const writer = appendToSessionFile(path, { redact: noRedact });
  writer.append({ type: "model", turn: 1, ts: 1, model: "b" });
  writer.close();
  const parsed = readSessionFile(path);
  assert.equal(parsed.records.length, 1);
  assert.deepEqual(parsed.problems, [`${path}:2: damaged line skipped`]);
});

test("repairing a torn tail first keeps a byte-exact copy of the original beside the session", () => {
  const root = dir();
  const path = join(root, "s1.jsonl");
  const original = `${JSON.stringify(header)}\n{"type":"message","turn":1,"ts":1,"message":{"role":"user","content":"half a li`;
  writeFileSync(path, original, { mode: 0o600 });
  const writer = appendToSessionFile(path, { redact: noRedact, now: Date.UTC(2026, 0, 2, 3, 4, 5) });
  writer.append({ type: "model", turn: 1, ts: 1, model: "b" });
  writer.close();
  assert.equal(writer.backup, join(root, "s1", "backups", "2026-01-02T03-04-05-000Z.jsonl"));
  assert.equal(readFileSync(writer.backup ?? "", "utf8"), original);
  assert.equal(statSync(writer.backup ?? "").mode & 0o777, 0o600);
  assert.ok(readFileSync(path, "utf8").startsWith(`${original}\n`), "the session itself only grew");

  // A second repair at the same moment does not overwrite the first copy.
  writeFileSync(path, `${original}x`);
  const again = appendToSessionFile(path, { redact: noRedact, now: Date.UTC(2026, 0, 2, 3, 4, 5) });
  again.close();
  assert.equal(again.backup, join(root, "s1", "backups", "2026-01-02T03-04-05-000Z-1.jsonl"));
  assert.equal(readFileSync(writer.backup ?? "", "utf8"), original);

  // A whole file needs no repair and gets no copy.
  const wholePath = join(root, "s2.jsonl");
  writeFileSync(wholePath, `${JSON.stringify(header)}\n`);
  const whole = appendToSessionFile(wholePath, { redact: noRedact });
  whole.close();
  assert.equal(whole.backup, undefined);
});

test("replay gives every tool call exactly one result, in call order", () => {
  const call = (id: string) => ({ type: "tool_call" as const, id, name: "read", arguments: {} });
  const result = (id: string) => ({
    role: "tool" as const,
    toolCallId: id,
    toolName: "read",
    content: id,
    isError: false,
  });
  const { messages, repaired } = replayMessages([
    { type: "message", turn: 1, ts: 0, message: { role: "user", content: "go" } },
    {
      type: "message",
      turn: 1,
      ts: 0,
      message: { role: "assistant", stopReason: "tool_use", content: [call("a"), call("b"), call("c")] },
    },
    { type: "message", turn: 1, ts: 0, message: result("c") },
    { type: "message", turn: 1, ts: 0, message: result("a") },
    { type: "message", turn: 1, ts: 0, message: result("a") }, // duplicate
    { type: "message", turn: 1, ts: 0, message: result("zz") }, // no such call
    { type: "message", turn: 2, ts: 0, message: { role: "user", content: "next" } },
  ]);
  assert.equal(repaired, 3);
  const tools = messages.filter((m) => m.role === "tool");
  assert.deepEqual(
    tools.map((m) => [m.toolCallId, m.content]),
    [
      ["a", "a"],
      ["b", INTERRUPTED_RESULT],
      ["c", "c"],
    ],
  );
  assert.equal(messages.at(-1)?.role, "user");
});

test("titles come from the first line of the first prompt", () => {
  assert.equal(titleFrom("\n  fix   the bug\nin foo"), "fix the bug");
  assert.equal(titleFrom("x".repeat(200)).length, 80);
});

test("a compaction record replaces the older messages with its summary, keeping the last ones", () => {
  const user = (content: string) => ({
    type: "message" as const,
    turn: 1,
    ts: 0,
    message: { role: "user" as const, content },
  });
  const { messages } = replayMessages([
    user("one"),
    user("two"),
    user("three"),
    { type: "compaction", turn: 1, ts: 0, summary: "summary of one and two", keepLast: 1 },
    user("four"),
  ]);
  assert.deepEqual(
    messages.map((m) => (m.role === "user" ? m.content : "")),
    ["summary of one and two", "three", "four"],
  );
});

test("interruptedResults names the last message's calls that have no result, and nothing else", () => {
  const call = (id: string) => ({ type: "tool_call" as const, id, name: "bash", arguments: {} });
  const records = [
    {
      type: "message" as const,
      turn: 1,
      ts: 0,
      message: {
        role: "assistant" as const,
        stopReason: "tool_use" as const,
        content: [call("x"), call("y")],
      },
    },
    {
      type: "message" as const,
      turn: 1,
      ts: 0,
      message: { role: "tool" as const, toolCallId: "x", toolName: "bash", content: "ok", isError: false },
    },
  ];
  assert.deepEqual(
    interruptedResults(records).map((m) => [m.toolCallId, m.isError, m.content]),
    [["y", true, INTERRUPTED_RESULT]],
  );
  const answered = [...records, { ...records[1], message: { ...records[1].message, toolCallId: "y" } }];
  assert.deepEqual(interruptedResults(answered), []);
});
