import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, parseDuration } from "./duration.ts";

describe("durations", () => {
  it("reads milliseconds, seconds, minutes, hours and bare seconds", () => {
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(parseDuration("1.5m"), 90_000);
    assert.equal(parseDuration("2h"), 7_200_000);
    assert.equal(parseDuration("30"), 30_000);
  });

  it("refuses what is not a positive duration", () => {
    for (const bad of ["", "0", "0s", "-1s", "1d", "s", "1 5s", "abc", "1e3"]) {
      assert.equal(parseDuration(bad), null, bad);
    }
  });

  it("prints for people", () => {
    assert.equal(formatDuration(500), "500 ms");
    assert.equal(formatDuration(30_000), "30 s");
    assert.equal(formatDuration(1500), "1.5 s");
    assert.equal(formatDuration(600_000), "10 min");
  });
});
