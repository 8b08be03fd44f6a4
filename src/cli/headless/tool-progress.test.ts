import assert from "node:assert/strict";
import { test } from "node:test";
import { toolCallLine } from "../tool-call-line.ts";
import { showToolProgress } from "./tool-progress.ts";

const line = (name: string, args: Record<string, unknown>) =>
  toolCallLine({ type: "tool_call", id: "c1", name, arguments: args });

test("each tool call is one short line: the command, the file and the size of the change, the search", () => {
  assert.equal(line("bash", { command: "npm test" }), "→ $ npm test");
  assert.equal(line("bash", { command: "cd sub\nmake all\n" }), "→ $ cd sub ↵ make all");
  assert.equal(line("read", { path: "src/a.ts" }), "→ read src/a.ts");
  assert.equal(line("read", { path: "src/a.ts", offset: 10, limit: 5 }), "→ read src/a.ts:10-14");
  assert.equal(line("write", { path: "notes.txt", content: "x".repeat(1500) }), "→ write notes.txt (1.5 kB)");
  assert.equal(
    line("edit", { path: "a.ts", old_string: "one", new_string: "two\nthree\n" }),
    "→ edit a.ts (-1 +2 lines)",
  );
  assert.equal(line("grep", { pattern: "TODO", path: "src", glob: "*.ts" }), '→ grep "TODO" in src (*.ts)');
  assert.equal(line("glob", { pattern: "**/*.md" }), "→ glob **/*.md");
  assert.equal(line("ls", {}), "→ ls .");
  assert.equal(line("mcp_search", { q: "x" }), '→ mcp_search {"q":"x"}');
});

test("a line never carries terminal control characters and stays short", () => {
  const evil = line("bash", { command: "echo \x1b]0;pwned\x07\x1b[2J ok\r" });
  assert.ok(!/[\x00-\x1f\x7f-\x9f]/.test(evil), JSON.stringify(evil));
  assert.ok(evil.startsWith("→ $ echo"));
  const long = line("bash", { command: "x".repeat(500) });
  assert.equal(long.length, 160);
  assert.ok(long.endsWith("…"));
});

test("shown in text output unless --quiet; in json and stream-json only with --verbose", () => {
  const show = (outputFormat: "text" | "json" | "stream-json", quiet = false, verbose = false) =>
    showToolProgress({ outputFormat, quiet, verbose });
  assert.equal(show("text"), true);
  assert.equal(show("text", true), false);
  assert.equal(show("json"), false);
  assert.equal(show("stream-json"), false);
  assert.equal(show("stream-json", false, true), true);
});
