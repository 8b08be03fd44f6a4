import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEventOf } from "../../protocol/events.ts";
import { changeDiff, diffLines } from "./change-diff.ts";
import { createTheme } from "./theme.ts";
import { createTranscript } from "./transcript.ts";

const plain = createTheme({ NO_COLOR: "1" });
const colour = createTheme({ TERM: "xterm-256color" });

function ended(
  name: string,
  args: Record<string, unknown>,
  details: unknown,
  isError = false,
): AgentEventOf<"tool_call_ended"> {
  return {
    type: "tool_call_ended",
    sessionId: "s",
    turn: 1,
    ts: 0,
    call: { type: "tool_call", id: "c1", name, arguments: args },
    content: isError ? "error: not found" : `Done ${String(args.path)}`,
    isError,
    durationMs: 1,
    details,
  };
}

const EDIT_DIFF = ["--- a/a.ts", "+++ b/a.ts", "@@ -1,2 +1,2 @@", " keep", "-old", "+new"].join("\n");

test("an edit shows its own diff; a new file every line added; a failed call nothing", () => {
  assert.equal(changeDiff(ended("edit", { path: "a.ts" }, { diff: EDIT_DIFF }), undefined), EDIT_DIFF);
  const created = changeDiff(
    ended("write", { path: "n.txt", content: "a\nb\n" }, { created: true }),
    undefined,
  );
  assert.match(created ?? "", /\+a\n\+b$/);
  assert.equal(changeDiff(ended("edit", { path: "a.ts" }, undefined, true), undefined), undefined);
  assert.equal(changeDiff(ended("bash", { command: "ls" }, {}), undefined), undefined);
});

test("a write shows the diff its replacement made, else the prompt's; a replacement with neither shows nothing", () => {
  const made = "--- a.txt\n+++ a.txt\n@@ -1,2 +1,2 @@\n keep\n-x\n+y";
  const asked = "--- a.txt\n+++ a.txt\n@@ -1 +1 @@\n-x\n+z";
  const args = { path: "a.txt", content: "keep\ny\n" };
  assert.equal(changeDiff(ended("write", args, { created: false, diff: made }), asked), made);
  assert.equal(changeDiff(ended("write", args, { created: false }), asked), asked);
  assert.equal(
    changeDiff(ended("write", args, { created: false }), undefined),
    undefined,
    "new content shown as all added would say the file was empty before",
  );
});

test("diff lines: file heads dropped, indented, cut to the width, coloured, long diffs cut with a count", () => {
  assert.deepEqual(diffLines(EDIT_DIFF, plain, 80), [
    "    @@ -1,2 +1,2 @@",
    "     keep",
    "    -old",
    "    +new",
  ]);
  const coloured = diffLines(EDIT_DIFF, colour, 80);
  assert.equal(coloured[2], colour.red("    -old"));
  assert.equal(coloured[3], colour.green("    +new"));
  const long = Array.from({ length: 50 }, (_, i) => `+line ${i} ${"x".repeat(100)}`).join("\n");
  const lines = diffLines(long, plain, 40, 10);
  assert.equal(lines.length, 10);
  assert.equal(lines.at(-1), "    … 41 more lines");
  for (const line of lines) assert.ok(line.length <= 40, line);
});

test("the transcript prints the diff under the finished call", () => {
  const transcript = createTranscript(plain, () => 60);
  const lines = transcript.apply(
    ended("edit", { path: "a.ts", old_string: "old", new_string: "new" }, { diff: EDIT_DIFF }),
  );
  assert.match(lines[0], /^✓ edit a\.ts/);
  assert.deepEqual(lines.slice(1), ["    @@ -1,2 +1,2 @@", "     keep", "    -old", "    +new"]);
});
