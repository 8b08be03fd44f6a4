import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Exchange } from "./http-client.ts";
import { createEgressLedger, LEDGER_FILE, readLedger } from "./ledger.ts";

const base = mkdtempSync(join(tmpdir(), "hearth-ledger-"));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(base, `case-${++n}`, "state", "hearth");

function exchange(overrides: Partial<Exchange> = {}): Exchange {
  return {
    method: "POST",
    host: "api.anthropic.com",
    purpose: "model",
    status: 200,
    bytesSent: 1234,
    bytesReceived: 5678,
    startedAt: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    durationMs: 42,
    ...overrides,
  };
}

describe("egress ledger", () => {
  it("appends one JSON line per exchange and reads them back, oldest first", () => {
    const stateDir = freshDir();
    const problems: string[] = [];
    const ledger = createEgressLedger({ stateDir, onProblem: (m) => problems.push(m) });
    assert.equal(ledger.path, join(stateDir, LEDGER_FILE));
    ledger.record(exchange());
    ledger.record(exchange({ host: "127.0.0.1:11434", purpose: "probe", method: "GET", status: null }));
    ledger.record(exchange({ host: "[::1]:8080", bytesReceived: 0 }));

    const text = readFileSync(ledger.path, "utf8");
    assert.equal(text.split("\n").length, 4, "three lines and a final newline");
    const read = readLedger(stateDir);
    assert.equal(read.path, ledger.path);
    assert.equal(read.problem, undefined);
    assert.equal(read.skipped, 0);
    assert.deepEqual(read.entries[0], {
      time: "2025-01-02T03:04:05.678Z",
      method: "POST",
      host: "api.anthropic.com",
      purpose: "model",
      status: 200,
      bytesSent: 1234,
      bytesReceived: 5678,
      durationMs: 42,
      loopback: false,
    });
    assert.deepEqual(
      read.entries.map((e) => [e.host, e.purpose, e.status, e.loopback]),
      [
        ["api.anthropic.com", "model", 200, false],
        ["127.0.0.1:11434", "probe", null, true],
        ["[::1]:8080", "model", 200, true],
      ],
    );
    assert.deepEqual(read.lines, text.trimEnd().split("\n"));
    assert.deepEqual(problems, []);
  });

  it("creates the directory 0700 and the file 0600, and narrows a wider existing file", () => {
    const stateDir = freshDir();
    const ledger = createEgressLedger({ stateDir });
    ledger.record(exchange());
    assert.equal(statSync(ledger.path).mode & 0o777, 0o600);
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);

    const other = freshDir();
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, LEDGER_FILE), "", { mode: 0o644 });
    chmodSync(join(other, LEDGER_FILE), 0o644);
    createEgressLedger({ stateDir: other }).record(exchange());
    assert.equal(statSync(join(other, LEDGER_FILE)).mode & 0o777, 0o600);
  });

  it("creates nothing until the first exchange, and reads a missing ledger as empty", () => {
    const stateDir = freshDir();
    createEgressLedger({ stateDir });
    assert.throws(() => statSync(stateDir), { code: "ENOENT" });
    assert.deepEqual(readLedger(stateDir), {
      path: join(stateDir, LEDGER_FILE),
      entries: [],
      lines: [],
      skipped: 0,
    });
  });

  it("reports an unwritable state directory once and never throws", () => {
    // A file where a directory should be fails for every user, root included.
    const blocker = join(base, `blocker-${++n}`);
    writeFileSync(blocker, "not a directory");
    const problems: string[] = [];
    const ledger = createEgressLedger({
      stateDir: join(blocker, "hearth"),
      onProblem: (m) => problems.push(m),
    });
    for (let i = 0; i < 3; i++) ledger.record(exchange());
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /^cannot write the egress ledger .*egress\.jsonl \(ENOTDIR\); requests are not/,
    );
  });

  it("reports a read-only state directory once (skipped as root)", { skip: process.getuid?.() === 0 }, () => {
    const stateDir = freshDir();
    mkdirSync(stateDir, { recursive: true });
    chmodSync(stateDir, 0o500);
    try {
      const problems: string[] = [];
      const ledger = createEgressLedger({ stateDir, onProblem: (m) => problems.push(m) });
      ledger.record(exchange());
      ledger.record(exchange());
      assert.equal(problems.length, 1);
      assert.match(problems[0], /\(EACCES\)/);
    } finally {
      chmodSync(stateDir, 0o700);
    }
  });

  it("a throwing reporter does not break a request either", () => {
    const blocker = join(base, `blocker-${++n}`);
    writeFileSync(blocker, "");
    const ledger = createEgressLedger({
      stateDir: join(blocker, "hearth"),
      onProblem: () => {
        throw new Error("boom");
      },
    });
    assert.doesNotThrow(() => ledger.record(exchange()));
  });

  it("keeps the file under the cap by dropping the oldest half", () => {
    const stateDir = freshDir();
    const maxBytes = 4000;
    const ledger = createEgressLedger({ stateDir, maxBytes });
    ledger.record(exchange({ durationMs: 1000 }));
    const lineLength = statSync(ledger.path).size; // every line is this long (durations 1000-1099)
    for (let i = 1; i < 100; i++) {
      ledger.record(exchange({ durationMs: 1000 + i }));
      assert.ok(statSync(ledger.path).size <= maxBytes, `size after record ${i}`);
    }
    const read = readLedger(stateDir);
    assert.equal(read.skipped, 0, "every kept line is whole");
    assert.equal(read.entries.at(-1)?.durationMs, 1099, "the newest is kept");
    const durations = read.entries.map((e) => e.durationMs);
    assert.deepEqual(
      durations,
      durations.map((_, i) => durations[0] + i),
      "a contiguous run of the newest",
    );
    assert.ok(read.entries.length >= Math.floor(maxBytes / 2 / lineLength), "at least half the cap kept");
    assert.equal(statSync(ledger.path).mode & 0o777, 0o600, "the trimmed file is still 0600");
  });

  it("skips lines that are not entries", () => {
    const stateDir = freshDir();
    const ledger = createEgressLedger({ stateDir });
    ledger.record(exchange());
    writeFileSync(ledger.path, `${readFileSync(ledger.path, "utf8")}{"torn": \nnot json\n{"time": 1}\n`);
    ledger.record(exchange({ purpose: "mcp" }));
    const read = readLedger(stateDir);
    assert.equal(read.skipped, 3);
    assert.deepEqual(
      read.entries.map((e) => e.purpose),
      ["model", "mcp"],
    );
  });
});
