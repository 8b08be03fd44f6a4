import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCount } from "./count.ts";

test("counts are grouped by thousands as en-US writes them", () => {
  for (const n of [0, 7, 999, 1000, 12_345, 131_072, 1_000_000, 987_654_321, -4_321]) {
    assert.equal(formatCount(n), n.toLocaleString("en-US"), String(n));
  }
});

test("a fraction is rounded to a whole count", () => {
  assert.equal(formatCount(1234.6), "1,235");
  assert.equal(formatCount(-0.2), "0");
});
