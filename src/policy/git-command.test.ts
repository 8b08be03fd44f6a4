import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ClassifierRow, classifierRows } from "../../test/support/classifier-rows.ts";
import { type ClassifyContext, classifyCommand } from "./command-classifier.ts";
import { splitAlias } from "./git-command.ts";

/** Aliases as the repository's and the user's git config would give them (lower-case names). */
const ALIASES: Record<string, string> = {
  p: "push -f",
  pf: "p origin main",
  st: "status -sb",
  wipe: "reset --hard",
  nuke: "!rm -rf ~",
  lsf: "!git ls-files",
  loop: "loop2",
  loop2: "loop",
  status: "push --force",
  out: "diff --output=/home/u/.bashrc",
};
const seen: string[] = [];
const context: ClassifyContext = {
  cwd: "/w/project",
  workspaceRoot: "/w/project",
  home: "/home/u",
  gitAliases: (cwd) => {
    seen.push(cwd);
    return ALIASES;
  },
};

type Row = ClassifierRow;

const ROWS: Row[] = [
  // 11.13: aliases are expanded before classifying
  ["git -c alias.p='push -f' p", "destructive", "git push --force"],
  ["git -c alias.p='push -f' p origin main", "destructive", "alias of"],
  ["git -c 'alias.P=push --force' p", "destructive", "git push --force"],
  ['git -c alias.x="reset --hard" x', "destructive", "git reset --hard"],
  ["git -c alias.x='!rm -rf ~' x", "destructive", 'of "~"'],
  ["git p", "destructive", "git push --force"],
  ["git P", "destructive", "git push --force"],
  ["git pf", "destructive", "git push --force"],
  ["git wipe", "destructive", "git reset --hard"],
  ["git nuke", "destructive", 'of "~"'],
  ["git -C sub p", "destructive", "git push --force"],
  ["git st", "read-only"],
  ["git lsf", "read-only"],
  ["git loop", "unknown", "loop"],
  // an alias never hides one of git's own commands
  ["git status", "read-only"],
  ["git -c alias.status='push -f' status", "read-only"],
  ["git unknown-thing", "unknown", "maybe an alias"],
  // an alias from configuration the same command sets or writes cannot be read first
  ["git -c include.path=/tmp/evil.cfg zap", "destructive", "cannot be checked"],
  ["GIT_CONFIG_GLOBAL=/tmp/evil.cfg git zap", "destructive", "GIT_CONFIG_GLOBAL"],
  ["env HOME=/tmp/h git zap", "destructive", "HOME"],
  [
    "export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.zap GIT_CONFIG_VALUE_0='push -f'; git zap",
    "destructive",
    "GIT_CONFIG_COUNT",
  ],
  [
    "printf '[alias]\\nzap = push -f\\n' >> bare/config && git --git-dir=bare zap",
    "destructive",
    "cannot be checked",
  ],
  [
    "printf '[alias]\\nzap = push -f\\n' >> my.gitconfig && git -c include.path=my.gitconfig zap",
    "destructive",
    "cannot be checked",
  ],
  ["echo x > notes.txt && git unknown-thing", "unknown", "maybe an alias"],
  ['cd "$REPO" && git zap', "destructive", "known only at run time"],
  ['cd "$REPO" && git st', "read-only"],
  ["git -c alias.x='push \"-f' x", "unknown", "cannot be read"],
  // 11.16
  ["git gc --prune=now", "destructive", "git gc --prune"],
  ["git gc --prune=all", "destructive", "git gc --prune"],
  ["git gc", "workspace"],
  ["git reflog expire --expire=now --all", "destructive", "reflog expire"],
  ["git prune", "destructive", "git prune"],
  ["git prune -n", "read-only"],
  // 11.14: forms that run another program or write a file
  ["git diff --ext-diff", "unknown", "--ext-diff"],
  ["git diff --output=/home/u/.bashrc", "destructive", "~/.bashrc"],
  ["git diff --output=/tmp/x.patch", "destructive", "outside the workspace"],
  ["git out", "destructive", "~/.bashrc"],
];

describe("git aliases and forms", () => {
  classifierRows(ROWS, context);

  it("reads the aliases of the directory git runs in (after -C), and only for non-builtin subcommands", async () => {
    seen.length = 0;
    await classifyCommand("git -C ../other st && cd sub && git st && git log", context);
    assert.deepEqual(seen, ["/w/other", "/w/project/sub"]);
  });

  it("leaves an alias unknown when no reader is given, and survives a reader that throws", async () => {
    const bare = { cwd: "/w/project", workspaceRoot: "/w/project", home: "/home/u" };
    assert.equal((await classifyCommand("git p", bare)).class, "unknown");
    const broken = {
      ...bare,
      gitAliases: () => {
        throw new Error("EACCES");
      },
    };
    assert.equal((await classifyCommand("git p", broken)).class, "unknown");
  });

  it("splits aliases as git does", () => {
    assert.deepEqual(splitAlias(`log --format='%h %s' -n "1 0" a\\ b`), [
      "log",
      "--format=%h %s",
      "-n",
      "1 0",
      "a b",
    ]);
    assert.deepEqual(splitAlias("  push   -f "), ["push", "-f"]);
    assert.equal(splitAlias("push 'unclosed"), undefined);
  });
});

describe("prefix allow rules never cover git forms that run programs or write files", () => {
  const unsafe: string[] = [
    "git diff --output=/home/u/.bashrc",
    "git diff --output=patch.diff",
    "git diff --ext-diff",
    "git log -p --ext-diff",
    "git -c core.pager='less -R' diff",
    "git -c diff.external=./x diff",
    "git -c core.sshCommand='ssh -i k' fetch",
    "git -c core.fsmonitor=./x status",
    "git -c alias.d=diff diff",
    "git fetch --upload-pack=./x origin",
    "git --exec-path=/tmp/x diff",
    "git grep -O foo",
    "GIT_EXTERNAL_DIFF=./x git diff",
    "git format-patch -o /tmp/patches HEAD~1",
  ];
  for (const command of unsafe) {
    it(`${command}: allowRuleUnsafe`, async () => {
      const result = await classifyCommand(command, context);
      assert.ok(result.allowRuleUnsafe, `${command}: ${result.class} ${result.reason}`);
    });
  }
  for (const command of ["git diff", "git diff --stat HEAD~1", "git -c color.ui=always log", "git push"]) {
    it(`${command}: no allowRuleUnsafe`, async () => {
      assert.equal((await classifyCommand(command, context)).allowRuleUnsafe, undefined);
    });
  }
});
