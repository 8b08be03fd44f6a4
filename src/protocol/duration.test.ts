import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, parseDuration } from "./duration.ts";

test("durations with a unit become milliseconds", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("90s"), 90_000);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration(" 3s "), 3000);
});

test("anything else is null: no unit, zero, negative, other units, words", () => {
  for (const bad of [
    "",
    "90",
    "0s",
    "0ms",
    "-1s",
    "1d",
    "1 s",
    "s",
    "1.s",
    "abc",
    "1e3s",
    "0.0001ms",
    "1s2m",
  ])
    assert.equal(parseDuration(bad), null, bad);
});

test("formatDuration writes what parseDuration reads", () => {
  for (const text of ["500ms", "3s", "1.5s", "2m", "90m", "1h"]) {
    const ms = parseDuration(text);
    assert.ok(ms !== null);
    assert.equal(formatDuration(ms), text);
  }
});
