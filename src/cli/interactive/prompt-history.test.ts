import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openPromptHistory, promptHistoryPath } from "./prompt-history.ts";

const noRedact = (text: string) => text;

test("prompts are kept per workspace, in a 0600 file, across openings", () => {
  const state = mkdtempSync(join(tmpdir(), "hearth-history-"));
  const first = openPromptHistory(state, "/projects/a", noRedact);
  assert.deepEqual(first.entries, []);
  first.add("fix the bug");
  first.add("fix the bug");
  first.add("multi\nline");
  assert.deepEqual(openPromptHistory(state, "/projects/a", noRedact).entries, ["fix the bug", "multi\nline"]);
  assert.deepEqual(
    openPromptHistory(state, "/projects/b", noRedact).entries,
    [],
    "another workspace has its own",
  );
  assert.equal(statSync(promptHistoryPath(state, "/projects/a")).mode & 0o777, 0o600);
});

test("capped: only the newest entries are kept, and the file is compacted", () => {
  const state = mkdtempSync(join(tmpdir(), "hearth-history-"));
  const history = openPromptHistory(state, "/w", noRedact, 5);
  for (let i = 0; i < 23; i++) history.add(`p${i}`);
  assert.deepEqual(history.entries, ["p18", "p19", "p20", "p21", "p22"]);
  assert.deepEqual(openPromptHistory(state, "/w", noRedact, 5).entries, history.entries);
  const lines = readFileSync(promptHistoryPath(state, "/w"), "utf8").trim().split("\n");
  assert.ok(lines.length <= 10, `${lines.length} lines`);
});

test("stored redacted; huge prompts and torn lines are skipped", () => {
  const state = mkdtempSync(join(tmpdir(), "hearth-history-"));
  const history = openPromptHistory(state, "/w", (text) => text.replace(/sk-\w+/g, "[redacted]"));
  history.add("use key sk-abc123");
  history.add("y".repeat(20_000));
  const path = promptHistoryPath(state, "/w");
  assert.doesNotMatch(readFileSync(path, "utf8"), /sk-abc123/);
  writeFileSync(path, `${readFileSync(path, "utf8")}{"torn\n`);
  assert.deepEqual(openPromptHistory(state, "/w", noRedact).entries, ["use key [redacted]"]);
});
