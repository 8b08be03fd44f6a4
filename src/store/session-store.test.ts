import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { resolveSessionId, SessionNotFoundError, sessionsDir, shortSessionIds } from "./session-store.ts";

// Two sessions started in the same minute share their first 13 characters: the timestamp.
const A = "019a3c4e-1f20-7abc-8def-0123456789ab";
const B = "019a3c4e-1f20-7d01-9e02-fedcba987654";
const C = "019a3c4e-1f21-7555-a555-5555456789ab"; // ends in the same 8 characters as A

function store(ids: string[]): string {
  const dataDir = mkdtempSync(join(tmpdir(), "hearth-ids-"));
  mkdirSync(sessionsDir(dataDir), { recursive: true });
  for (const id of ids) writeFileSync(join(sessionsDir(dataDir), `${id}.jsonl`), "{}\n");
  return dataDir;
}

test("a session is found by its short id (the end), by a unique start, or whole", () => {
  const dataDir = store([A, B, C]);
  assert.equal(resolveSessionId(dataDir, "3456789ab"), A);
  assert.equal(resolveSessionId(dataDir, "fedcba987654"), B);
  assert.equal(resolveSessionId(dataDir, "BA987654"), B, "any case");
  assert.equal(resolveSessionId(dataDir, "019a3c4e-1f21"), C);
  assert.equal(resolveSessionId(dataDir, B), B);
});

test("a prefix shared by sessions of the same minute is ambiguous and says what to give instead", () => {
  const dataDir = store([A, B, C]);
  assert.throws(
    () => resolveSessionId(dataDir, A.slice(0, 8)),
    (error: Error) =>
      error instanceof SessionNotFoundError &&
      /^3 sessions match 019a3c4e \(.*\); give the short id hearth sessions shows \(the end of the id\)/.test(
        error.message,
      ),
  );
  assert.throws(() => resolveSessionId(dataDir, "456789ab"), /2 sessions match 456789ab/);
  assert.throws(() => resolveSessionId(dataDir, "ffffffff"), /no session ffffffff; run hearth sessions/);
  assert.throws(() => resolveSessionId(dataDir, "x1"), /is not a session id/);
});

test("short ids are the last 8 characters, longer only where another id would also match", () => {
  const short = shortSessionIds([A, B, C]);
  assert.equal(short.get(B), "ba987654");
  // A and C end in the same 8 characters: each gets one more, which tells them apart.
  assert.equal(short.get(A), "3456789ab");
  assert.equal(short.get(C), "5456789ab");
  const dataDir = store([A, B, C]);
  for (const [id, tail] of short) assert.equal(resolveSessionId(dataDir, tail), id);
});
