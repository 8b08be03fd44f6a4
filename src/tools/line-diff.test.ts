import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lineDiff } from "./line-diff.ts";

const buf = (text: string) => Buffer.from(text);
const numbered = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`).join("\n") + "\n";

describe("lineDiff", () => {
  it("shows changed lines with three lines of context, in separate hunks when far apart", () => {
    const before = numbered(1, 20);
    const after = before.replace("line 2\n", "line two\n").replace("line 18\n", "");
    assert.deepEqual(lineDiff("f.txt", buf(before), buf(after)), [
      "--- f.txt",
      "+++ f.txt",
      "@@ -1,5 +1,5 @@",
      " line 1",
      "-line 2",
      "+line two",
      " line 3",
      " line 4",
      " line 5",
      "@@ -15,6 +15,5 @@",
      " line 15",
      " line 16",
      " line 17",
      "-line 18",
      " line 19",
      " line 20",
    ]);
  });

  it("aligns moved and inserted lines instead of replacing the whole middle", () => {
    assert.deepEqual(lineDiff("f", buf("a\nb\nc\nd\n"), buf("a\nx\nb\nd\ny\n")).slice(2), [
      "@@ -1,4 +1,5 @@",
      " a",
      "+x",
      " b",
      "-c",
      " d",
      "+y",
    ]);
  });

  it("handles created and deleted files, binary content, and caps long output", () => {
    assert.deepEqual(lineDiff("n.txt", null, buf("hi\n")), [
      "--- /dev/null",
      "+++ n.txt",
      "@@ -0,0 +1,1 @@",
      "+hi",
    ]);
    assert.deepEqual(lineDiff("n.txt", buf("hi\n"), null), [
      "--- n.txt",
      "+++ /dev/null",
      "@@ -1,1 +0,0 @@",
      "-hi",
    ]);
    assert.deepEqual(lineDiff("b.bin", buf("a\0b"), buf("c")), ["Binary file b.bin differs"]);
    const long = lineDiff("big", null, buf(numbered(1, 100)), 10);
    assert.equal(long.length, 11);
    assert.equal(long[10], "... (93 more lines)");
  });
});
