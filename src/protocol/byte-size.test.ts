import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes } from "./byte-size.ts";

test("sizes print in decimal units, one decimal below 10, never 1000 of a unit", () => {
  const cases: Array<[number, string]> = [
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [1536, "1.5 kB"],
    [9_949, "9.9 kB"],
    [9_960, "10 kB"],
    [10_240, "10 kB"],
    [999_499, "999 kB"],
    [999_600, "1.0 MB"],
    [1_800_000, "1.8 MB"],
    [4_683_087_332, "4.7 GB"],
    [2_000_000_000_000, "2.0 TB"],
  ];
  for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, String(bytes));
});
