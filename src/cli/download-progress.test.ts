import assert from "node:assert/strict";
import { test } from "node:test";
import { createDownloadProgress, formatDuration } from "./download-progress.ts";

function harness(tty: boolean) {
  let now = 0;
  const out: string[] = [];
  const progress = createDownloadProgress({
    write: (t) => out.push(t),
    tty,
    label: "m.gguf",
    now: () => now,
  });
  return { progress, out, tick: (ms: number) => (now += ms) };
}

test("not a terminal: a first line, a line per 10%, and a final line", () => {
  const { progress, out, tick } = harness(false);
  progress.start(0, 100_000_000);
  for (let done = 1_000_000; done <= 100_000_000; done += 1_000_000) {
    tick(100);
    progress.update(done);
  }
  progress.finish(100_000_000);
  assert.equal(out[0], "downloading m.gguf (100 MB)\n");
  assert.equal(out.length, 12, out.join(""));
  assert.equal(out[1], "10 MB / 100 MB  10%  10 MB/s  ETA 9.0s\n");
  assert.equal(out[10], "100 MB / 100 MB  100%  10 MB/s\n");
  assert.equal(out[11], "100 MB done: 100 MB in 10s, 10 MB/s\n");
});

test("a terminal: one line redrawn in place at most every 100 ms, ended by the final line", () => {
  const { progress, out, tick } = harness(true);
  progress.start(0, 1_000_000);
  for (let i = 1; i <= 100; i++) {
    tick(10);
    progress.update(i * 10_000);
  }
  progress.finish(1_000_000);
  const redraws = out.filter((line) => line.startsWith("\r"));
  assert.equal(redraws.length, 11, "10 redraws in 1 s plus the final line");
  assert.match(redraws[0], /^\r10 kB \/ 1\.0 MB {2}1% {2}1\.0 MB\/s {2}ETA 1\.0s\x1b\[K$/);
  assert.ok(out.at(-1)?.endsWith("\x1b[K\n"));
});

test("resuming says where it starts; the rate counts only this run's bytes", () => {
  const { progress, out, tick } = harness(false);
  progress.start(50_000_000, 100_000_000);
  tick(1000);
  progress.update(60_000_000);
  assert.equal(out[0], "resuming m.gguf at 50 MB of 100 MB\n");
  assert.equal(out[1], "60 MB / 100 MB  60%  10 MB/s  ETA 4.0s\n");
});

test("unknown size: bytes and rate, a line per 100 MB", () => {
  const { progress, out, tick } = harness(false);
  progress.start(0, undefined);
  tick(1000);
  progress.update(50_000_000);
  tick(1000);
  progress.update(150_000_000);
  assert.deepEqual(out, ["downloading m.gguf\n", "150 MB  75 MB/s\n"]);
});

test("stop ends a redrawn line so the error starts on its own line", () => {
  const { progress, out, tick } = harness(true);
  progress.start(0, 10);
  tick(200);
  progress.update(5);
  progress.stop();
  assert.equal(out.at(-1), "\n");
});

test("formatDuration", () => {
  assert.equal(formatDuration(0.42), "0.4s");
  assert.equal(formatDuration(42), "42s");
  assert.equal(formatDuration(65), "1m05s");
  assert.equal(formatDuration(3700), "1h01m");
});
