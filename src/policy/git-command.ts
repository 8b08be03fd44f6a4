/**
 * The classifier's handler for `git`: global options (`-C`, `-c`, `--git-dir`), aliases, and the subcommand
 * rules of git-tables.ts.
 *
 * Aliases are expanded before classifying, as git does: from `-c alias.x=...` and from the configuration in
 * effect (the repository's `.git/config`, the user's `~/.gitconfig`, read through `ClassifierApi.gitAliases`).
 * An alias never hides one of git's own commands; a `!` alias is a shell command and classified as one.
 * A form that runs another program or writes a file (`--ext-diff`, `--output`, `-c core.pager=...`) sets
 * `allowRuleUnsafe`: `bash(git diff:*)` names a diff, not what else it may run or write.
 */
import { type ClassifierApi, type Env, RO, show, type Verdict, v, worst } from "./classifier-kit.ts";
import * as T from "./command-tables.ts";
import {
  GIT_NETWORK,
  GIT_READ_ONLY,
  GIT_RULES,
  GIT_SUB_VALUES,
  GIT_WORKSPACE,
  gitConfigRule,
  isGitCommand,
  safeGitKey,
} from "./git-tables.ts";
import { has, literal, optValues, type ShellWord, splitArgs } from "./shell-parse.ts";

/** Aliases defined by `-c` so far, and the aliases already expanded (git refuses loops). */
type AliasState = { aliases: Record<string, string>; expanded: string[] };
const MAX_ALIASES = 10;

export function git(this: ClassifierApi, _name: string, args: ShellWord[], env: Env): Verdict {
  return gitCommand.call(this, args, env, { aliases: {}, expanded: [] });
}

function gitCommand(this: ClassifierApi, args: ShellWord[], env: Env, state: AliasState): Verdict {
  let cwd = env.cwd;
  const verdicts: Verdict[] = [];
  const aliases = { ...state.aliases };
  let elsewhere = false;
  /** Set when the command line points git at configuration that is not read here. */
  let foreign: string | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i].value;
    if (a === undefined) return v("unknown", `git with an option known only at run time: ${args[i].raw}`);
    if (!a.startsWith("-")) break;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value =
      eq > 0 ? a.slice(eq + 1) : T.VALUE_OPTIONS.git.includes(flag) ? args[++i]?.value : undefined;
    if (flag === "-C") cwd = value === undefined ? undefined : this.resolve(value, cwd);
    else if (flag === "-c") {
      if (/^include(if\.[^=]*)?\.path=/i.test(value ?? "")) foreign ??= "git -c includes a config file";
      verdicts.push(configOption.call(this, value, aliases, env));
    } else if (flag === "--config-env" || (flag === "--exec-path" && eq > 0)) {
      if (flag === "--config-env") foreign ??= "git --config-env sets configuration";
      this.allowRuleUnsafe(`git ${flag} can make git run other programs`);
      verdicts.push(v("unknown", `git ${flag} can make git run other programs`));
    } else if (flag === "--git-dir" || flag === "--work-tree") {
      const path = value === undefined ? undefined : this.resolve(value, cwd);
      elsewhere ||= !path || !this.inside(path, this.root);
      if (flag === "--git-dir") foreign ??= "git --git-dir reads another repository's config";
    }
  }
  const sub = args[i];
  if (!sub) return worst(...verdicts, v("read-only", "git without a subcommand prints help"));
  if (sub.value === undefined) return v("unknown", "git with a subcommand known only at run time");
  const rest = args.slice(i + 1);
  if (!isGitCommand(sub.value)) {
    const key = sub.value.toLowerCase();
    // In a directory known only at run time, at least the user's aliases (read from the workspace) apply.
    const alias = T.own(aliases, key) ?? T.own(this.gitAliases(cwd ?? this.root), key);
    if (alias !== undefined) {
      const global = args.slice(0, i);
      const expanded = expandAlias.call(this, sub.value, alias, global, rest, { cwd }, { ...state, aliases });
      return worst(...verdicts, expanded);
    }
    // An alias may come from configuration this very command sets or writes: it cannot be read first.
    const unknownRepository = cwd === undefined ? "the repository is known only at run time" : undefined;
    const why = foreign ?? unknownRepository ?? this.gitConfigChanged();
    if (why) {
      return v("destructive", `git ${sub.value} may be an alias that cannot be checked first (${why})`);
    }
  }
  const result = gitSubcommand.call(this, sub.value, rest, { cwd });
  if (result.class === "workspace" && (elsewhere || (cwd !== undefined && !this.inside(cwd, this.root)))) {
    return worst(
      ...verdicts,
      v("destructive", `git ${sub.value} changes a repository outside the workspace`),
    );
  }
  return worst(...verdicts, result);
}

/** `git -c key=value`: an alias is remembered for expansion; a key that can run a program is classified. */
function configOption(
  this: ClassifierApi,
  setting: string | undefined,
  aliases: Record<string, string>,
  env: Env,
): Verdict {
  if (setting === undefined) {
    this.allowRuleUnsafe("git -c with a setting known only at run time");
    return v("unknown", "git -c with a setting known only at run time");
  }
  const at = setting.indexOf("=");
  const key = (at < 0 ? setting : setting.slice(0, at)).toLowerCase();
  const value = at < 0 ? undefined : setting.slice(at + 1);
  if (key.startsWith("alias.")) {
    aliases[key.slice("alias.".length)] = value ?? "true";
    this.allowRuleUnsafe(`git -c ${key} defines a command`);
    return RO;
  }
  if (safeGitKey(key)) return RO;
  this.allowRuleUnsafe(`git -c ${key} can run a program`);
  return this.injected(`git -c ${key} can run a program`, value, env);
}

/** Classifies what an alias runs: a shell command for `!...`, else git with the alias's words in front. */
function expandAlias(
  this: ClassifierApi,
  name: string,
  alias: string,
  global: ShellWord[],
  rest: ShellWord[],
  env: Env,
  state: AliasState,
): Verdict {
  if (state.expanded.includes(name) || state.expanded.length >= MAX_ALIASES) {
    return v("unknown", `git alias ${name} expands into a loop`);
  }
  const expanded = [...state.expanded, name];
  const note = (verdict: Verdict): Verdict => ({
    ...verdict,
    reason: `${verdict.reason} (git ${name} is an alias of ${JSON.stringify(alias)})`,
  });
  if (alias.startsWith("!")) {
    // git runs it with sh from the top of the repository (unknown here), the arguments appended.
    const text = [alias.slice(1), ...rest.map((w) => w.raw)].join(" ");
    return note(this.source(text, { cwd: undefined }, `the git alias ${name}`));
  }
  const words = splitAlias(alias);
  if (!words || words.length === 0) return v("unknown", `git alias ${name} cannot be read`);
  return note(
    gitCommand.call(this, [...global, ...words.map(literal), ...rest], env, { ...state, expanded }),
  );
}

/** Splits an alias as git does (split_cmdline): blanks separate; '...' and "..." quote; `\` escapes. */
export function splitAlias(text: string): string[] | undefined {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quoted: string | undefined;
  for (let i = 0; i < text.length; i++) {
    let c = text[i];
    if (!quoted && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (!quoted && (c === "'" || c === '"')) quoted = c;
    else if (c === quoted) quoted = undefined;
    else {
      if (c === "\\" && quoted !== "'") {
        c = text[++i];
        if (c === undefined) return undefined;
      }
      word += c;
    }
  }
  if (quoted) return undefined;
  if (inWord) words.push(word);
  return words;
}

function gitSubcommand(this: ClassifierApi, sub: string, rest: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(rest, T.own(GIT_SUB_VALUES, sub) ?? []);
  const first = operands[0]?.value;
  const flags = (list?: string) => list !== undefined && has(opts, ...list.split(" "));
  const everything = operands.some((w) => {
    const path = w.value === undefined ? undefined : this.resolve(w.value, env.cwd);
    return w.value === ":/" || w.value === "*" || (path !== undefined && this.inside(this.root, path));
  });
  const holds = (cond: string): boolean => {
    const list = cond.slice(1).split(" ");
    if (cond === "" || cond === "0") return cond === "" || operands.length === 0;
    if (cond === ".") return everything;
    if (cond === "+" || cond === ":") return operands.some((w) => w.value?.startsWith(cond));
    if (cond[0] === "=") return list.includes(first ?? "");
    if (cond[0] === "!") return !has(opts, ...list);
    return has(opts, ...cond.split(" "));
  };
  if (sub === "gc" && optValues(opts, "--prune").some((w) => w.value !== undefined)) {
    return v("destructive", "git gc --prune drops unreachable commits now, not after two weeks");
  }
  for (const [subs, when, cls, reason] of GIT_RULES) {
    if (!subs.split(" ").includes(sub) || !when.split(" & ").every(holds)) continue;
    const last = operands.length ? show(operands[operands.length - 1]) : "";
    const verdict = v(cls, reason.replace("{sub}", sub).replace("{last}", last));
    if (cls === "unknown") this.allowRuleUnsafe(verdict.reason);
    return verdict;
  }
  const outputs = [
    "--output",
    "--output-directory",
    ...(sub === "archive" || sub === "format-patch" ? ["-o"] : []),
  ];
  const writes = optValues(opts, ...outputs).map((w) => this.write(w, env, "overwrite"));
  if (writes.length > 0) this.allowRuleUnsafe(`git ${sub} --output writes a file`);
  if (has(opts, "--ext-diff")) {
    this.allowRuleUnsafe(`git ${sub} --ext-diff runs the configured diff program`);
    writes.push(v("unknown", `git ${sub} --ext-diff runs the configured diff program`));
  }
  if (sub === "config") return gitConfigRule(opts, operands);
  if (sub === "clone") {
    const dir = operands[1] ?? literal(posixBase(first ?? "repo").replace(/\.git$/, "") || ".");
    if (flags("--template -u --upload-pack -c --config")) {
      this.allowRuleUnsafe("git clone options run code");
      return v("unknown", "git clone options run code");
    }
    return worst(v("network", "git clone downloads a repository"), this.write(dir, env, "create"));
  }
  if ((sub === "init" && first) || (sub === "worktree" && first === "add" && operands[1])) {
    writes.push(this.write(operands[sub === "init" ? 0 : 1], env, "create"));
  }
  // `git bisect run CMD...`: CMD with its options (splitArgs took them for git's).
  const after = rest.slice(rest.indexOf(operands[0]) + 1).filter((w) => w.value !== "--recursive");
  if (sub === "submodule" && first === "foreach") writes.push(this.evalWords("foreach", after, env));
  if (sub === "bisect" && first === "run")
    writes.push(this.argv(after, env, { stdin: undefined, input: undefined }));
  if (GIT_READ_ONLY.has(sub)) return worst(v("read-only", `git ${sub} only reads`), ...writes);
  if (GIT_WORKSPACE.has(sub)) return worst(v("workspace", `git ${sub} changes the repository`), ...writes);
  if (GIT_NETWORK.has(sub)) return worst(v("network", `git ${sub} talks to a remote`), ...writes);
  return v("unknown", `unknown git subcommand (maybe an alias): ${sub}`);
}

function posixBase(path: string): string {
  return path.replace(/\/+$/, "").replace(/^.*[/:]/, "");
}
