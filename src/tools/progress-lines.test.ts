import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createProgressLines } from "./progress-lines.ts";

test("reports the last complete line, at most once an interval, only when it changed, redacted and cut", async () => {
  const seen: string[] = [];
  const progress = createProgressLines((line) => seen.push(line), {
    intervalMs: 30,
    redact: (text) => text.replaceAll("sk-live", "[REDACTED]"),
  });
  progress.push(Buffer.from("step 1\nstep 2\npart"));
  progress.push(Buffer.from("ial\r\n"));
  await sleep(60);
  assert.deepEqual(seen, ["partial"]);
  progress.push(Buffer.from("partial\n"));
  await sleep(60);
  assert.deepEqual(seen, ["partial"], "an unchanged line is not reported again");
  progress.push(Buffer.from(`token sk-live ${"y".repeat(400)}\n`));
  progress.push(Buffer.from("downloading 10%\rdownloading 90%\n"));
  await sleep(60);
  assert.deepEqual(seen.slice(1), ["downloading 90%"]);
  progress.push(Buffer.from(`token sk-live ${"y".repeat(400)}\n`));
  await sleep(60);
  assert.ok(seen[2].startsWith("token [REDACTED] yyy"));
  assert.ok(seen[2].length <= 200);
  progress.push(Buffer.from("late\n"));
  progress.close();
  await sleep(60);
  assert.equal(seen.length, 3, "nothing after close");
});
