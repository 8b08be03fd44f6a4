import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { classifierReaders, readTextFile } from "./classify-readers.ts";
import { classifyCommand } from "./command-classifier.ts";
import { createGitAliasReader, parseGitConfig } from "./git-aliases.ts";

/** This machine's /etc/gitconfig must not leak into the expectations. */
const NO_SYSTEM = { GIT_CONFIG_NOSYSTEM: "1" };

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "hearth-git-aliases-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

describe("git alias reader", () => {
  it("reads the repository's, the user's and included files, later ones winning", () => {
    const root = tree({
      "home/.gitconfig": "[alias]\n\tst = status\n\tp = push\n[include]\n\tpath = ~/extra.inc\n",
      "home/extra.inc": "[alias]\n  wipe = reset --hard\n",
      "repo/.git/config":
        '[core]\n\tbare = false\n[alias]\n\tp = push -f ; the repo wins\n\tq = "log --format=\\"%h\\""\n',
      "repo/src/file.txt": "",
    });
    const read = createGitAliasReader({
      home: join(root, "home"),
      env: NO_SYSTEM,
      read: (p) => readTextFile(p),
    });
    assert.deepEqual(read(join(root, "repo/src")), {
      st: "status",
      p: "push -f",
      wipe: "reset --hard",
      q: 'log --format="%h"',
    });
  });

  it("follows a .git file (worktrees, submodules) to the common config", () => {
    const root = tree({
      "main/.git/config": "[alias]\n\tnuke = !rm -rf ~\n",
      "main/.git/worktrees/wt/commondir": "../..\n",
      "wt/.git": `gitdir: ../main/.git/worktrees/wt\n`,
    });
    const read = createGitAliasReader({
      home: join(root, "nohome"),
      env: NO_SYSTEM,
      read: (p) => readTextFile(p),
    });
    assert.deepEqual(read(join(root, "wt")), { nuke: "!rm -rf ~" });
  });

  it("reads aliases set through GIT_CONFIG_COUNT and honours GIT_CONFIG_GLOBAL", () => {
    const root = tree({ "global.cfg": "[alias]\n\tg = gc --prune=now\n" });
    const read = createGitAliasReader({
      home: join(root, "nohome"),
      env: {
        GIT_CONFIG_GLOBAL: join(root, "global.cfg"),
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "alias.X",
        GIT_CONFIG_VALUE_0: "push --mirror",
      },
      read: (p) => readTextFile(p),
    });
    assert.deepEqual(read(root), { g: "gc --prune=now", x: "push --mirror" });
  });

  it("parses sections, quoting, comments and continuations as git does", () => {
    const text = [
      "[Alias]",
      "  co = checkout # a comment",
      '  lg = "log --oneline ; not a comment"',
      "  long = log \\",
      "    --stat",
      '[alias "ignored"]',
      "  sub = x",
      '[includeIf "gitdir:~/work/"]',
      "  path = work.inc",
    ].join("\n");
    const parsed = parseGitConfig(text);
    assert.equal(parsed.aliases.co, "checkout");
    assert.equal(parsed.aliases.lg, "log --oneline ; not a comment");
    assert.equal(parsed.aliases.long, "log     --stat");
    assert.deepEqual(parsed.includes, ["work.inc"]);
  });

  it("a repository alias is classified by what it runs, end to end through the default readers", async () => {
    const root = tree({ "repo/.git/config": "[alias]\n\twipe = reset --hard\n\tsync = !git push -f\n" });
    const home = join(root, "home");
    const context = {
      cwd: join(root, "repo"),
      workspaceRoot: join(root, "repo"),
      home,
      ...classifierReaders({ home, env: { GIT_CONFIG_NOSYSTEM: "1" } }),
    };
    assert.equal((await classifyCommand("git wipe", context)).class, "destructive");
    assert.equal((await classifyCommand("git sync", context)).class, "destructive");
  });

  it("reads no file over the size cap, nor a binary one", () => {
    const root = tree({
      "big.sql": "x".repeat(300 * 1024),
      "bin.sql": "DROP\0TABLE",
      "ok.sql": "DROP TABLE t",
    });
    assert.equal(readTextFile(join(root, "big.sql")), undefined);
    assert.equal(readTextFile(join(root, "bin.sql")), undefined);
    assert.equal(readTextFile(join(root, "ok.sql")), "DROP TABLE t");
    assert.equal(readTextFile(join(root, "missing.sql")), undefined);
    assert.equal(readTextFile(root), undefined);
  });
});
