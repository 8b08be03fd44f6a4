import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createRedactor } from "../secrets/redact.ts";
import { createDailyLog, localIsoTime, logFileName } from "./daily-log.ts";

const base = mkdtempSync(join(tmpdir(), "hearth-daily-log-"));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshStateDir = () => join(base, `case-${++n}`, "state", "hearth");

/** A local time, so file names do not depend on the machine's time zone. */
const local = (day: number, hour = 10, minute = 0) => new Date(2025, 5, day, hour, minute, 0, 250).getTime();
const identity = (text: string) => text;

describe("daily log", () => {
  it("writes one line per entry with time, pid and level, in a 0600 file in a 0700 directory", () => {
    const stateDir = freshStateDir();
    const log = createDailyLog({ stateDir, redact: identity, now: () => local(1), pid: 4242 });
    log.write("info", "run_started model=ollama/qwen");
    log.write("warn", "retry attempt=1");
    const path = join(stateDir, "logs", "hearth-2025-06-01.log");
    assert.equal(log.currentPath(), path);
    const lines = readFileSync(path, "utf8").split("\n");
    assert.deepEqual(lines, [
      `${localIsoTime(new Date(local(1)))} 4242 info run_started model=ollama/qwen`,
      `${localIsoTime(new Date(local(1)))} 4242 warn retry attempt=1`,
      "",
    ]);
    assert.match(lines[0], /^2025-06-01T10:00:00\.250[+-]\d\d:\d\d 4242 /);
    if (process.platform !== "win32") {
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(join(stateDir, "logs")).mode & 0o777, 0o700);
    }
  });

  it("starts a new file when the day changes", () => {
    const stateDir = freshStateDir();
    let time = local(1, 23, 59);
    const log = createDailyLog({ stateDir, redact: identity, now: () => time });
    log.write("info", "before midnight");
    time = local(2, 0, 1);
    log.write("info", "after midnight");
    const dir = join(stateDir, "logs");
    assert.match(readFileSync(join(dir, "hearth-2025-06-01.log"), "utf8"), /before midnight\n$/);
    const second = readFileSync(join(dir, "hearth-2025-06-02.log"), "utf8");
    assert.match(second, /after midnight\n$/);
    assert.doesNotMatch(second, /before midnight/);
  });

  it("redacts every message and keeps an entry on one line", () => {
    const stateDir = freshStateDir();
    const secret = "hunter2-very-secret-value";
    const redactor = createRedactor({ knownSecrets: [secret] });
    const log = createDailyLog({ stateDir, redact: redactor.redact, now: () => local(3) });
    log.write(
      "error",
      `tool_ended args={"command":"curl -u me:${secret} x"}\nsecond line sk-ant-api03-${"a".repeat(40)}`,
    );
    const text = readFileSync(join(stateDir, "logs", logFileName(local(3))), "utf8");
    assert.doesNotMatch(text, /hunter2/);
    assert.doesNotMatch(text, /a{40}/);
    assert.match(text, /\[REDACTED\]/);
    assert.equal(text.split("\n").length, 2, "one line and the final newline");
    assert.match(text, /\\nsecond line/);
  });

  it("rolls the day's file to .1 at the size cap and says so at the top of the new one", () => {
    const stateDir = freshStateDir();
    const log = createDailyLog({ stateDir, redact: identity, now: () => local(4), maxBytes: 400 });
    for (let i = 0; i < 12; i++) log.write("info", `entry ${i} ${"x".repeat(40)}`);
    const path = join(stateDir, "logs", "hearth-2025-06-04.log");
    const current = readFileSync(path, "utf8");
    const rolled = readFileSync(`${path}.1`, "utf8");
    assert.ok(statSync(path).size <= 400, "the current file stays under the cap");
    assert.ok(statSync(`${path}.1`).size <= 400, "the rolled file stayed under the cap");
    assert.match(
      current.split("\n")[0],
      /log reached 400 bytes; earlier entries of the day are in hearth-2025-06-04\.log\.1$/,
    );
    assert.match(current, /entry 11 /, "the newest entry is kept");
    // Every entry is in exactly one of the two files or was rolled away whole (never cut).
    for (const line of `${rolled}${current}`.split("\n").filter(Boolean))
      assert.match(line, / info (entry \d+ x{40}|log reached)/);
  });

  it("deletes files older than the retention period once, on the first write", () => {
    const stateDir = freshStateDir();
    const dir = join(stateDir, "logs");
    mkdirSync(dir, { recursive: true });
    const old = ["hearth-2025-05-01.log", "hearth-2025-05-01.log.1", "hearth-2025-05-30.log"];
    const kept = ["hearth-2025-05-31.log", "hearth-2025-06-13.log", "notes.txt", "hearth-latest.log"];
    for (const name of [...old, ...kept]) writeFileSync(join(dir, name), "x\n");
    let time = local(14);
    const log = createDailyLog({ stateDir, redact: identity, now: () => time, retentionDays: 14 });
    log.write("info", "first");
    for (const name of old) assert.equal(existsSync(join(dir, name)), false, `${name} deleted`);
    for (const name of kept) assert.equal(existsSync(join(dir, name)), true, `${name} kept`);
    // Not again in the same process, even when a later write falls on a later day.
    time = local(29);
    log.write("info", "much later");
    assert.equal(existsSync(join(dir, "hearth-2025-05-31.log")), true);
  });

  it("reports a log that cannot be written once, never throws, and resumes when the cause is gone", () => {
    const stateDir = freshStateDir();
    mkdirSync(stateDir, { recursive: true });
    // A file where the logs directory should be: fails for root too, unlike a chmod.
    writeFileSync(join(stateDir, "logs"), "");
    const problems: string[] = [];
    const log = createDailyLog({
      stateDir,
      redact: identity,
      now: () => local(5),
      onProblem: (p) => problems.push(p),
    });
    log.write("info", "one");
    log.write("info", "two");
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /^cannot write the log in .*logs \((EEXIST|ENOTDIR)\); this run is not being logged$/,
    );
    rmSync(join(stateDir, "logs"));
    log.write("info", "three");
    assert.match(readFileSync(join(stateDir, "logs", "hearth-2025-06-05.log"), "utf8"), /three/);
    assert.equal(problems.length, 1);
  });

  it("reports an unwritable directory (skipped as root)", { skip: process.getuid?.() === 0 }, () => {
    const stateDir = freshStateDir();
    mkdirSync(stateDir, { recursive: true });
    chmodSync(stateDir, 0o500);
    const problems: string[] = [];
    const log = createDailyLog({
      stateDir,
      redact: identity,
      now: () => local(5),
      onProblem: (p) => problems.push(p),
    });
    try {
      log.write("info", "one");
    } finally {
      chmodSync(stateDir, 0o700);
    }
    assert.match(problems[0] ?? "", /\(EACCES\)/);
  });
});
