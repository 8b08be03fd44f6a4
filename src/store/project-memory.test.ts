import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { findRepoRoot, loadProjectMemory } from "./project-memory.ts";

/** A temp tree: `files` maps relative paths to content; a path ending in "/" is a directory. */
function tree(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "hearth-memory-")));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    if (path.endsWith("/")) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
  return root;
}

const noConfig = (root: string) => join(root, "no-config");

test("reads from the repository root down to the workspace, outermost first, and nothing above the root", () => {
  const root = tree({
    "AGENTS.md": "above the repo",
    "repo/.git/": "",
    "repo/AGENTS.md": "repo rules",
    "repo/a/GEMINI.md": "gemini in a",
    "repo/a/b/AGENTS.md": "workspace rules",
    "repo/a/b/CLAUDE.md": "not read: AGENTS.md is there",
  });
  const memory = loadProjectMemory({ workspaceRoot: join(root, "repo/a/b"), configDir: noConfig(root) });
  assert.deepEqual(
    memory.files.map((f) => [f.path, f.content, f.scope]),
    [
      [join(root, "repo/AGENTS.md"), "repo rules", "project"],
      [join(root, "repo/a/GEMINI.md"), "gemini in a", "project"],
      [join(root, "repo/a/b/AGENTS.md"), "workspace rules", "project"],
    ],
  );
  assert.equal(memory.repoRoot, join(root, "repo"));
  assert.deepEqual(memory.problems, []);
});

test("per directory: AGENTS.md, else CLAUDE.md, else GEMINI.md", () => {
  const root = tree({ ".git/": "", "CLAUDE.md": "claude", "GEMINI.md": "gemini" });
  const memory = loadProjectMemory({ workspaceRoot: root, configDir: noConfig(root) });
  assert.deepEqual(
    memory.files.map((f) => f.path),
    [join(root, "CLAUDE.md")],
  );
});

test("outside a repository only the workspace root is read; a .git file (worktree) marks a root", (t) => {
  const outer = tree({ "AGENTS.md": "parent", "ws/AGENTS.md": "workspace" });
  if (findRepoRoot(outer)) {
    t.skip("the temp directory is inside a git repository on this machine");
    return;
  }
  const memory = loadProjectMemory({ workspaceRoot: join(outer, "ws"), configDir: noConfig(outer) });
  assert.deepEqual(
    memory.files.map((f) => f.content),
    ["workspace"],
  );
  assert.equal(memory.repoRoot, undefined);

  writeFileSync(join(outer, ".git"), "gitdir: /elsewhere\n");
  const worktree = loadProjectMemory({ workspaceRoot: join(outer, "ws"), configDir: noConfig(outer) });
  assert.deepEqual(
    worktree.files.map((f) => f.content),
    ["parent", "workspace"],
  );
});

test("the user's file comes first", () => {
  const root = tree({ "config/AGENTS.md": "user rules", "repo/.git/": "", "repo/AGENTS.md": "repo rules" });
  const memory = loadProjectMemory({ workspaceRoot: join(root, "repo"), configDir: join(root, "config") });
  assert.deepEqual(
    memory.files.map((f) => [f.scope, f.content]),
    [
      ["user", "user rules"],
      ["project", "repo rules"],
    ],
  );
});

test("a long file is cut at the cap on a character boundary, says so, and reports its full size", () => {
  // "é" is two bytes: a cap of 11 falls in the middle of the sixth one.
  const text = "é".repeat(20);
  const root = tree({ ".git/": "", "AGENTS.md": text });
  const [file] = loadProjectMemory({ workspaceRoot: root, configDir: noConfig(root), maxBytes: 11 }).files;
  assert.equal(file.bytes, 40);
  assert.equal(file.truncated, true);
  assert.equal(file.content, `${"é".repeat(5)}\n[truncated: the first 10 of 40 bytes]`);

  const [whole] = loadProjectMemory({ workspaceRoot: root, configDir: noConfig(root), maxBytes: 40 }).files;
  assert.equal(whole.content, text);
  assert.equal(whole.truncated, false);
});

test("a link leading out of the repository is refused with a problem; a link inside it is read", () => {
  const root = tree({
    "secret.txt": "PRIVATE",
    "repo/.git/": "",
    "repo/docs/rules.md": "linked rules",
    "repo/a/": "",
  });
  symlinkSync(join(root, "secret.txt"), join(root, "repo/AGENTS.md"));
  symlinkSync(join(root, "repo/docs/rules.md"), join(root, "repo/a/AGENTS.md"));
  const memory = loadProjectMemory({ workspaceRoot: join(root, "repo/a"), configDir: noConfig(root) });
  assert.deepEqual(
    memory.files.map((f) => f.content),
    ["linked rules"],
  );
  assert.equal(memory.problems.length, 1);
  assert.match(memory.problems[0], /AGENTS\.md skipped: it links to .*secret\.txt, outside the repository/);
});

test("a directory named AGENTS.md is not a memory file: the next name is tried", () => {
  const root = tree({ ".git/": "", "AGENTS.md/": "", "CLAUDE.md": "claude" });
  const memory = loadProjectMemory({ workspaceRoot: root, configDir: noConfig(root) });
  assert.deepEqual(
    memory.files.map((f) => f.content),
    ["claude"],
  );
});
