/**
 * What the command classifier knows about git: which subcommands only read, change the repository or talk to
 * a remote, the rules that make some forms destructive (`push --force`, `reset --hard`, `gc --prune=now`),
 * the `-c` keys that cannot run a program, and `git config`. The handler is in git-command.ts.
 */
import type { CommandClass } from "../protocol/permissions.ts";
import { type Verdict, v } from "./classifier-kit.ts";
import { has, type Opt, type ShellWord } from "./shell-parse.ts";

/**
 * `git -c` keys that cannot run code or reach the network. Any other key (core.pager, core.sshCommand,
 * core.fsmonitor, alias.*, diff.external, filter.*, credential.helper, include.path, ...) makes the command
 * at least unknown.
 */
export const SAFE_GIT_CONFIG = [
  ...["color.", "advice.", "i18n.", "column.", "log.", "format.", "status.", "blame.", "grep.", "user.name"],
  ...["user.email", "core.quotepath", "core.abbrev", "core.autocrlf", "core.safecrlf", "core.longpaths"],
  ...["core.precomposeunicode", "core.ignorecase", "core.filemode", "diff.renames", "diff.algorithm"],
  ...["diff.noprefix", "diff.mnemonicprefix", "diff.relative", "diff.context", "diff.interhunkcontext"],
  ...["diff.colormoved", "diff.submodule", "init.defaultbranch", "pull.rebase", "pull.ff", "merge.ff"],
  ...["merge.conflictstyle", "rebase.autosquash", "rebase.autostash", "commit.gpgsign", "tag.gpgsign"],
  ...["tag.sort", "branch.sort", "safe.directory", "fetch.prune", "push.default", "push.autosetupremote"],
  ...["feature.manyfiles", "versionsort.suffix", "rerere.enabled", "help.autocorrect"],
];

/** git subcommands that only read the repository. */
export const GIT_READ_ONLY = new Set([
  ...["status", "diff", "log", "show", "shortlog", "blame", "annotate", "grep", "ls-files", "ls-tree"],
  ...["rev-parse", "rev-list", "describe", "cat-file", "show-ref", "for-each-ref", "merge-base", "name-rev"],
  ...["count-objects", "whatchanged", "diff-tree", "diff-files", "diff-index", "check-ignore", "check-attr"],
  ...["cherry", "range-diff", "var", "help", "version", "verify-commit", "verify-tag", "show-branch"],
  ...["check-ref-format", "fsck", "get-tar-commit-id", "column", "hash-object"],
]);

/** git subcommands that change only the local repository and working tree. */
export const GIT_WORKSPACE = new Set([
  ...["add", "commit", "checkout", "switch", "merge", "rebase", "cherry-pick", "revert", "restore", "mv"],
  ...[
    "rm",
    "init",
    "tag",
    "branch",
    "reset",
    "stash",
    "apply",
    "am",
    "notes",
    "bisect",
    "gc",
    "repack",
    "remote",
  ],
  ...["format-patch", "archive", "worktree", "sparse-checkout", "maintenance", "mergetool", "difftool"],
  ...["citool", "rerere", "commit-tree", "read-tree", "write-tree", "update-index", "pack-refs", "prune"],
  ...["bundle", "merge-file", "mktag", "mktree", "stripspace", "interpret-trailers", "replay"],
]);

/** git subcommands that talk to a remote. */
export const GIT_NETWORK = new Set([
  ...["clone", "fetch", "pull", "push", "ls-remote", "submodule", "send-email", "request-pull", "lfs"],
  ...["svn", "p4", "remote-http", "fetch-pack", "send-pack", "archive-remote"],
]);

/**
 * git subcommand rules, `[subcommands, when, class, reason]`; the first rule whose conditions all hold wins.
 * `when` joins conditions with `&`: options (any present), `!options` (none present), `=words` (the first
 * operand is one of them), `+` or `:` (an operand starts with it: force or delete refspecs), `.` (an operand
 * covers the whole working tree: `.`, `:/`, `*`, the workspace root or above), `0` (no operands).
 * `{sub}` and `{last}` (the last operand) fill in the reason.
 */
export type GitRule = [string, string, CommandClass, string];
const FORCE_PUSH = "git push --force rewrites remote history";
const DELETE_PUSH = "git push --delete removes remote branches";
const BRANCH_CHANGES = "-d --delete -m -M -c -C -u --set-upstream-to --unset-upstream --edit-description";
export const GIT_RULES: GitRule[] = [
  ["push", "-f --force --force-with-lease --force-if-includes", "destructive", FORCE_PUSH],
  ["push", "+", "destructive", FORCE_PUSH],
  ["push", "--mirror", "destructive", "git push --mirror overwrites the remote"],
  ["push", "-d --delete --prune", "destructive", DELETE_PUSH],
  ["push", ":", "destructive", DELETE_PUSH],
  ["push", "", "network", "git push uploads commits"],
  ["reset", "--hard", "destructive", "git reset --hard discards uncommitted changes"],
  ["clean", "-n --dry-run & !-f --force", "read-only", "git clean -n only lists"],
  ["clean", "", "destructive", "git clean -f deletes untracked files"],
  ["checkout restore", ".", "destructive", "git {sub} {last} discards uncommitted changes"],
  [
    "checkout restore switch",
    "-f --force --discard-changes",
    "destructive",
    "git {sub} --force discards changes",
  ],
  ["branch", "-D", "destructive", "git branch -D deletes an unmerged branch"],
  ["branch", "-f --force", "destructive", "git branch --force moves or deletes a branch"],
  ["branch", `0 & !${BRANCH_CHANGES}`, "read-only", "git branch lists branches"],
  ["tag", "-l --list", "read-only", "git tag lists tags"],
  ["tag", "0 & !-d --delete", "read-only", "git tag lists tags"],
  ["remote", "0", "read-only", "git remote lists remotes"],
  ["remote", "=get-url", "read-only", "git remote get-url only reads"],
  ["remote", "=show update prune", "network", "git remote {sub} contacts the remote"],
  ["stash", "=list show", "read-only", "git stash list only reads"],
  ["stash", "=drop clear", "destructive", "git stash drop discards stashed changes"],
  ["reflog", "=expire delete", "destructive", "git reflog expire drops recovery points"],
  ["reflog", "", "read-only", "git reflog only reads"],
  ["prune", "-n --dry-run", "read-only", "git prune -n only lists"],
  ["prune", "", "destructive", "git prune deletes unreachable commits"],
  ["rebase", "-x --exec", "unknown", "git rebase --exec runs commands"],
  ["filter-branch filter-repo", "", "destructive", "git {sub} rewrites history"],
  ["rm", "-r & .", "destructive", "git rm -r deletes every tracked file"],
  ["grep", "-O --open-files-in-pager", "unknown", "git grep -O runs a pager program"],
  ["update-ref", "-d", "destructive", "git update-ref -d deletes a ref"],
  ["update-ref replace", "", "unknown", "git {sub} rewrites refs"],
  ["submodule", "=status summary", "read-only", "git submodule status only reads"],
  ["worktree", "=list", "read-only", "git worktree list only reads"],
  ["archive", "--remote", "network", "git archive --remote contacts the remote"],
  ["archive", "!-o --output", "read-only", "git archive writes to stdout"],
  ["difftool mergetool", "", "unknown", "git {sub} runs external tools"],
];

/** Options of git subcommands that take a value (so the value is not taken for an operand). */
export const GIT_SUB_VALUES: Record<string, string[]> = {
  clone: [
    "-b",
    "--branch",
    "-o",
    "--origin",
    "--depth",
    "-j",
    "--jobs",
    "--reference",
    "--filter",
    "--template",
  ],
  archive: ["-o", "--output", "--format", "--prefix", "--remote"],
  "format-patch": ["-o", "--output-directory"],
  log: ["-n", "--max-count", "--output"],
  diff: ["--output"],
  show: ["--output"],
  commit: ["-m", "--message", "-F", "--file", "-C", "-c", "--author", "--date"],
  config: ["-f", "--file", "--blob", "--type", "--default"],
  grep: ["-e", "-f"],
};
/** git options whose value is a file or directory written by the subcommand. */
export const GIT_OUTPUTS = ["--output", "-o", "--output-directory"];

/** Every subcommand named above: git runs these, never an alias of the same name. */
const GIT_COMMANDS = new Set([
  ...GIT_READ_ONLY,
  ...GIT_WORKSPACE,
  ...GIT_NETWORK,
  ...GIT_RULES.flatMap(([subs]) => subs.split(" ")),
  "config",
]);

/** Whether git runs `sub` as its own command (an alias of that name is ignored, as git does). */
export function isGitCommand(sub: string): boolean {
  return GIT_COMMANDS.has(sub);
}

/** Whether `git -c key=...` with this key cannot run code. */
export function safeGitKey(key: string): boolean {
  return SAFE_GIT_CONFIG.some((p) => (p.endsWith(".") ? key.startsWith(p) : key === p));
}

const CONFIG_READS = ["--get", "--get-all", "--get-regexp", "--get-urlmatch", "-l", "--list"];
const CONFIG_WRITES = [
  ...["--unset", "--unset-all", "--add", "--replace-all", "--rename-section", "--remove-section", "-e"],
  "--edit",
];

/** `git config`: reading is read-only; setting a key that can run code writes .git/config: destructive. */
export function gitConfigRule(opts: Opt[], operands: ShellWord[]): Verdict {
  const first = operands[0]?.value;
  const reads = has(opts, ...CONFIG_READS) || first === "get" || first === "list";
  if (reads || (operands.length <= 1 && !has(opts, ...CONFIG_WRITES))) {
    return v("read-only", "git config reads settings");
  }
  const key = ((first === "set" || first === "unset" ? operands[1] : operands[0])?.value ?? "").toLowerCase();
  if (has(opts, "--global", "--system"))
    return v("destructive", "git config --global writes outside the workspace");
  if (safeGitKey(key)) return v("workspace", `git config sets ${key}`);
  return v("destructive", `git config ${key} can make git run programs (writes .git/config)`);
}
