/**
 * scripts/protocol-docs.mjs, run as `npm run lint` runs it: the README's lists of stream-json events and of
 * commands are the protocol types, so an event, a command or a field added without its documentation fails.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = join(ROOT, "scripts/protocol-docs.mjs");
const trees: string[] = [];
after(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

function run(cwd: string, ...args: string[]): { status: number | null; output: string } {
  const done = spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: "utf8" });
  return { status: done.status, output: done.stdout + done.stderr };
}

/** A copy of this repository's protocol types and README, with `edit` applied to one protocol file. */
function treeWith(file: string, edit: (source: string) => string): string {
  const tree = mkdtempSync(join(tmpdir(), "hearth-protocol-docs-"));
  trees.push(tree);
  cpSync(join(ROOT, "src/protocol"), join(tree, "src/protocol"), { recursive: true });
  cpSync(join(ROOT, "README.md"), join(tree, "README.md"));
  const path = join(tree, "src/protocol", file);
  const before = readFileSync(path, "utf8");
  const after = edit(before);
  assert.notEqual(after, before, "the edit changed nothing");
  writeFileSync(path, after);
  return tree;
}

test("this repository's README lists every event and command as the types declare them", () => {
  const { status, output } = run(ROOT);
  assert.equal(status, 0, output);
  assert.match(output, /protocol docs ok/);
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const row of [
    "| `session_info` |",
    "| `permission_requested` |",
    "| `prompt_ended` |",
    "| `prompt` |",
  ])
    assert.ok(readme.includes(row), row);
});

test("a new event with its doc comment makes the README stale until --write adds its row", () => {
  const tree = treeWith("events.ts", (s) =>
    s.replace(
      "type SessionEventMap = {",
      "type SessionEventMap = {\n  /** Something new happened. */\n  thing_happened: { what: string; count?: number };",
    ),
  );
  const stale = run(tree);
  assert.equal(stale.status, 1);
  assert.match(stale.output, /README\.md does not match the protocol types.*thing_happened/);
  assert.match(stale.output, /--write/);
  assert.equal(run(tree, "--write").status, 0);
  assert.equal(run(tree).status, 0);
  const readme = readFileSync(join(tree, "README.md"), "utf8");
  assert.ok(
    readme.includes("| `thing_happened` | `what`: `string`, `count?`: `number` | Something new happened. |"),
    "the row carries the fields and the doc comment",
  );
});

test("an event without a doc comment fails, naming it", () => {
  const tree = treeWith("events.ts", (s) =>
    s.replace("type SessionEventMap = {", "type SessionEventMap = {\n  thing_happened: { what: string };"),
  );
  const { status, output } = run(tree, "--write");
  assert.equal(status, 1);
  assert.match(output, /`thing_happened` in SessionEventMap has no doc comment/);
});

test("a field added to an event, or a new command, makes the README stale", () => {
  const field = treeWith("events.ts", (s) =>
    s.replace("  tool_progress: { callId: string;", "  tool_progress: { callId: string; percent: number;"),
  );
  assert.match(run(field).output, /does not match.*`percent`: `number`/);
  const command = treeWith("commands.ts", (s) =>
    s.replace("type CommandMap = {", "type CommandMap = {\n  /** Say hello. */\n  greet: { name: string };"),
  );
  assert.match(run(command).output, /does not match.*greet/);
});

test("a README without the generated parts fails with a line saying which", () => {
  const tree = treeWith("events.ts", (s) => `${s}\n`);
  writeFileSync(join(tree, "README.md"), "# hearth\n");
  const { status, output } = run(tree);
  assert.equal(status, 1);
  assert.match(output, /no <!-- protocol:events --> \.\.\. <!-- \/protocol:events --> part/);
});
