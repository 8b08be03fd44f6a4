/**
 * Classifies a shell command as read-only, workspace, unknown, network or destructive, from a real parse
 * (shell-parse.ts), never from patterns on the raw string. Compounds are split and the whole takes the most
 * severe class of its parts. Wrappers (sudo, env, nice, xargs, find -exec, bash -c, eval, ...) are unwrapped,
 * substitutions are looked into, and redirections and path arguments are checked lexically against the
 * workspace (nothing here touches the filesystem). Anything not provably read-only is not read-only.
 *
 * Judgement calls:
 * - A command name known only at run time (`$(echo rm) -rf /`, `$CMD`) is unknown; it is destructive when its
 *   arguments would make `rm` destructive (`-rf /`).
 * - A recursive delete of a path known only at run time (`rm -rf "$DIR"`, `xargs rm -rf`) is destructive.
 * - `sudo` of a read-only command is unknown; of anything else, destructive.
 * - Writes into the temp directories count as workspace edits (the sandbox allows them too).
 * - Global installs (`npm i -g`, `cargo install`, `go install`) write outside the workspace: destructive.
 *   `pip install` is network (whether a virtualenv is active cannot be told lexically).
 * - `cd` is followed through a command list, so `cd /etc && rm -rf x` deletes outside the workspace.
 */
import { posix } from "node:path";
import { COMMAND_CLASSES, type CommandClass, type CommandClassification } from "../protocol/permissions.ts";
import * as T from "./command-tables.ts";
import { type Verdict, v } from "./command-tables.ts";
import { protectedPathReason } from "./protected-paths.ts";
import {
  has,
  literal,
  loadShellParser,
  optValues,
  type ShellParser,
  type ShellScript,
  type ShellStage,
  type ShellWord,
  splitArgs,
} from "./shell-parse.ts";

export type ClassifyContext = { cwd: string; workspaceRoot: string; home: string };

/** Classifies `command`. Loads the parser on first use (~50 ms); after that, well under a millisecond. */
export async function classifyCommand(
  command: string,
  context: ClassifyContext,
): Promise<CommandClassification> {
  if (command.length > MAX_LENGTH) return { ...v("unknown", "too long to check"), commands: [] };
  const classifier = new Classifier(await loadShellParser(), context);
  let verdict: Verdict;
  try {
    verdict = classifier.source(command, { cwd: posix.resolve(context.cwd) }, "the command");
  } catch (error) {
    verdict = v("unknown", `could not check the command (${error instanceof Error ? error.message : error})`);
  }
  const commands = classifier.commands;
  if (verdict.class !== "read-only") return { ...verdict, commands };
  const names = [...new Set(commands.map((argv) => argv[0]).filter(Boolean))];
  return {
    class: "read-only",
    reason: names.length ? `only reads: ${names.join(", ")}` : "does nothing",
    commands,
  };
}

/** The shell's current directory, undefined once it depends on run-time values (`cd "$X"`). */
type Env = { cwd: string | undefined };
/** Where a stage's stdin comes from: a download, static text, something else, or nothing (the terminal). */
type Stdin = { kind: "download" } | { kind: "text"; text: string } | { kind: "other" } | undefined;
/** stdin from the pipeline, and a heredoc or herestring on the command itself. */
type Io = { stdin: Stdin; input: ShellWord | undefined };
type Handler = (this: Classifier, name: string, args: ShellWord[], env: Env, io: Io) => Verdict;

const MAX_LENGTH = 100_000;
const MAX_DEPTH = 10;
/** An unexpected class ranks as unknown: a bug must not make a command look harmless. */
const RANK = (c: CommandClass): number =>
  COMMAND_CLASSES.indexOf(COMMAND_CLASSES.includes(c) ? c : "unknown");
const RO = v("read-only", "only reads");
const worst = (...verdicts: Verdict[]): Verdict =>
  verdicts.reduce((a, b) => (RANK(b.class) > RANK(a.class) ? b : a), RO);
const show = (w: ShellWord) => w.value ?? w.raw;
const quote = (w: ShellWord | string) => JSON.stringify(typeof w === "string" ? w : show(w));
const NO_IO: Io = { stdin: undefined, input: undefined };
/** Stands for arguments known only at run time (xargs input, fd matches). */
const INPUT: ShellWord = { value: undefined, raw: "<input>", glob: false, substitutions: [] };
const WRITE_OPS = new Set([">", ">>", "&>", "&>>", ">|", ">&", "<>"]);

class Classifier {
  readonly commands: string[][] = [];
  readonly root: string;
  readonly home: string;
  /** Files that downloads in this command were saved to (`curl -o x.sh ... && sh x.sh`). */
  readonly downloaded = new Set<string>();
  private depth = 0;
  private readonly parse: ShellParser;

  constructor(parse: ShellParser, context: ClassifyContext) {
    this.parse = parse;
    this.root = posix.resolve(context.workspaceRoot);
    this.home = posix.resolve(context.home);
  }

  /** Parses and classifies shell source run by a shell (the top level, `bash -c`, `eval`, ...). */
  source(text: string, env: Env, what: string, stdin?: Stdin): Verdict {
    if (this.depth >= MAX_DEPTH) return v("unknown", "commands nested too deeply to check");
    this.depth++;
    try {
      const parsed = this.parse(text);
      const verdict = this.script(parsed.script, env, stdin);
      return parsed.complete ? verdict : worst(v("unknown", `could not parse ${what}`), verdict);
    } finally {
      this.depth--;
    }
  }

  script(script: ShellScript, env: Env, stdin?: Stdin): Verdict {
    let verdict = RO;
    for (const { stages } of script.statements) {
      let input = stdin;
      for (const stage of stages) {
        verdict = worst(verdict, this.stage(stage, stages.length > 1 ? { cwd: env.cwd } : env, input));
        input = this.output(stage, input);
      }
    }
    return verdict;
  }

  private stage(stage: ShellStage, env: Env, stdin: Stdin): Verdict {
    const words =
      stage.kind === "simple" ? [...stage.words, ...stage.assignments.map((a) => a.value)] : stage.words;
    for (const r of stage.redirects) words.push(...[r.target, r.input].filter((w) => w !== undefined));
    const verdicts = words.flatMap((w) => w.substitutions.map((s) => this.script(s, { cwd: env.cwd })));
    for (const r of stage.redirects) {
      if (!WRITE_OPS.has(r.op)) continue;
      if (!r.target) verdicts.push(v("unknown", `redirection ${r.op} without a target`));
      else if (!(r.op === ">&" && /^(\d+|-)$/.test(r.target.value ?? "")))
        verdicts.push(this.write(r.target, env));
    }
    if (stage.kind === "compound") {
      const own = stage.type === "subshell" || stage.type === "function_definition";
      return worst(...verdicts, this.script(stage.body, own ? { cwd: env.cwd } : env, stdin));
    }
    for (const { name, value } of stage.assignments) {
      const what = `setting ${name} changes what the command runs`;
      if (T.riskyEnv(name)) verdicts.push(this.injected(what, T.CODE_ENV.test(name) ? value.value : "", env));
    }
    if (T.DOWNLOADERS.has(posix.basename(T.unwrapForOutput(stage.words)[0]?.value ?? ""))) {
      for (const r of stage.redirects) if (WRITE_OPS.has(r.op) && r.target) this.saveDownload(r.target, env);
    }
    const input = stage.redirects.find((r) => r.input !== undefined)?.input;
    return worst(...verdicts, this.argv(stage.words, env, { stdin, input }));
  }

  /** What the next stage of a pipeline reads from this one. */
  private output(stage: ShellStage, stdin: Stdin): Stdin {
    if (stage.kind === "compound") {
      const inner = stage.body.statements.flatMap((p) => p.stages.map((s) => this.output(s, undefined)));
      return inner.some((s) => s?.kind === "download") ? { kind: "download" } : { kind: "other" };
    }
    const words = T.unwrapForOutput(stage.words);
    const name = words[0]?.value && posix.basename(words[0].value);
    const args = words.slice(1);
    if (!name) return { kind: "other" };
    if (T.DOWNLOADERS.has(name)) return { kind: "download" };
    if (stdin?.kind === "download" && T.PASS_THROUGH.has(name)) return stdin;
    if ((name === "echo" || name === "printf") && args.every((w) => w.value !== undefined)) {
      const text = args.filter((w) => !(name === "echo" && /^-[neE]+$/.test(w.value ?? ""))).map(show);
      return { kind: "text", text: text.join(" ") };
    }
    const heredoc = stage.redirects.find((r) => r.input)?.input;
    if (name === "cat" && !args.length && heredoc?.value !== undefined)
      return { kind: "text", text: heredoc.value };
    return { kind: "other" };
  }

  // ---- paths (lexical: `..` and `~` resolved, symlinks not followed) -----------------------------------

  resolve(value: string, cwd: string | undefined): string | undefined {
    if (value === "~" || value.startsWith("~/")) return posix.join(this.home, value.slice(1));
    if (value.startsWith("~")) return undefined;
    if (value.startsWith("/")) return posix.normalize(value);
    return cwd === undefined ? undefined : posix.resolve(cwd, value);
  }

  inside(path: string, dir: string): boolean {
    const rel = posix.relative(dir, path);
    return rel === "" || (rel !== ".." && !rel.startsWith("../") && !rel.startsWith("/"));
  }

  /** Scratch space: under a temp dir, but neither in or around the home directory nor around the workspace. */
  private inTemp(path: string): boolean {
    if (this.inside(path, this.home) || this.inside(this.home, path) || this.inside(this.root, path))
      return false;
    return T.TEMP_DIRS.some((dir) => path !== dir && this.inside(path, dir));
  }

  /** A write (or delete, or mode change: `verb`) of one path. */
  write(word: ShellWord, env: Env, verb = "writes"): Verdict {
    const value = word.value;
    if (value === undefined) return v("unknown", `${verb} a path known only at run time: ${word.raw}`);
    if (T.HARMLESS_DEVICES.has(value) || /^\/dev\/fd\/\d+$/.test(value))
      return v("read-only", `${verb} ${value}`);
    const path = this.resolve(value, env.cwd);
    if (path === undefined) return v("unknown", `${verb} ${value} in a directory known only at run time`);
    if (path.startsWith("/dev/")) return v("destructive", `${verb} a device: ${path}`);
    const fromHome = posix.relative(this.home, path);
    if (T.RC_FILES.has(fromHome)) return v("destructive", `${verb} a shell start-up file: ~/${fromHome}`);
    const protectedWhy = protectedPathReason(path, { home: this.home });
    if (protectedWhy) return v("destructive", `${verb} ${protectedWhy}`);
    if (this.inside(path, this.root)) return v("workspace", `${verb} ${value} in the workspace`);
    if (this.inTemp(path)) return v("workspace", `${verb} ${path}`);
    const shown = this.inside(path, this.home) ? `~${path.slice(this.home.length)}` : path;
    return v("destructive", `${verb} outside the workspace: ${shown}`);
  }

  /** Deleting one path, recursively or not. */
  remove(word: ShellWord, env: Env, recursive: boolean, what = "recursive delete"): Verdict {
    if (!recursive) return this.write(word, env, "deletes");
    const value = word.value;
    if (value === undefined) return v("destructive", `${what} of a path known only at run time: ${word.raw}`);
    const path = this.resolve(value, env.cwd);
    if (path === undefined) return v("destructive", `${what} of ${quote(value)} (location unknown)`);
    if (path === this.root) return v("destructive", `${what} of ${quote(value)} (the workspace itself)`);
    if (this.inside(path, this.root)) {
      const segments = posix.relative(this.root, path).split("/");
      if (segments.length === 1 && word.glob && /^[*?]+$/.test(segments[0])) {
        return v("destructive", `${what} of ${quote(value)} (the whole workspace)`);
      }
      const write = this.write(literal(path), env, "deletes");
      if (write.class === "destructive") return write;
      if (segments.some((s) => T.BUILD_DIRS.has(s)))
        return v("workspace", `${what} of build output: ${value}`);
      return v("destructive", `${what} of ${quote(value)}`);
    }
    const topLevelGlob = word.glob && T.TEMP_DIRS.includes(posix.dirname(path));
    if (this.inTemp(path) && !topLevelGlob) return v("workspace", `${what} of ${path}`);
    return v("destructive", `${what} of ${quote(value)} (outside the workspace)`);
  }

  /** Whether a target of `chmod -R` covers the workspace or lies outside it. */
  broad(word: ShellWord, env: Env): boolean {
    const path = word.value === undefined ? undefined : this.resolve(word.value, env.cwd);
    if (path === undefined || path === this.root || !this.inside(path, this.root)) return true;
    return word.glob && posix.dirname(path) === this.root;
  }

  // ---- commands ----------------------------------------------------------------------------------------

  /** Classifies one argv; `shown` is what `commands` records (the words as written by default). */
  argv(words: ShellWord[], env: Env, io: Io, shown = words.filter((w) => w !== INPUT).map(show)): Verdict {
    if (words.length === 0) return RO;
    this.commands.push(shown);
    const [head, ...args] = words;
    if (head.value === undefined || head.glob) return this.computedName(head, args, env);
    let name = head.value;
    if (name.includes("/")) {
      const base = posix.basename(name);
      if (this.fetched(head, env)) return v("destructive", `runs a downloaded program: ${name}`);
      if (!name.startsWith("/") && !T.BUILD_TOOLS.has(base)) return v("unknown", `runs the program ${name}`);
      name = base;
    }
    const known =
      T.READ_ONLY.has(name) ||
      T.BUILD_TOOLS.has(name) ||
      T.NETWORK.has(name) ||
      T.own(HANDLERS, name) !== undefined;
    if (known && args.length === 1 && (args[0].value === "--version" || args[0].value === "--help")) {
      return v("read-only", `${name} ${args[0].value}`);
    }
    const handler = T.own(HANDLERS, name);
    const verdict = handler ? handler.call(this, name, args, env, io) : this.byTable(name);
    return worst(verdict, ...this.codeOptions(name, args, env));
  }

  /** Options whose value is a command line (`rsync -e`, `tar -I`, `ssh -o ProxyCommand=`): classified too. */
  private codeOptions(name: string, args: ShellWord[], env: Env): Verdict[] {
    const names = T.own(T.CODE_OPTIONS, name) ?? [];
    return splitArgs(args, names)
      .opts.filter((o) => names.includes(o.name))
      .map(({ name: opt, value }) => {
        const setting = opt === "-o" ? /^\s*(\w*command)\s*[= ]\s*(.*)$/i.exec(value?.value ?? "") : null;
        if (opt === "-o" && !setting) return RO;
        return this.injected(
          `${name} ${setting?.[1] ?? opt} runs a command`,
          setting?.[2] ?? value?.value,
          env,
        );
      });
  }

  private byTable(name: string): Verdict {
    const destructive = T.own(T.DESTRUCTIVE, name);
    if (destructive) return v("destructive", destructive);
    if (name.startsWith("mkfs.")) return v("destructive", "formats a filesystem");
    if (T.READ_ONLY.has(name)) return v("read-only", `${name} only reads`);
    if (T.BUILD_TOOLS.has(name)) return v("workspace", `${name} builds or checks the project`);
    if (T.NETWORK.has(name)) return v("network", `${name} uses the network`);
    return v("unknown", `${name} is not a known command`);
  }

  private computedName(head: ShellWord, args: ShellWord[], env: Env): Verdict {
    const unknown = v("unknown", `the command name is known only at run time: ${head.raw}`);
    if (!has(splitArgs(args).opts, "-r", "-R", "--recursive")) return unknown;
    if (rm.call(this, "rm", args, env).class !== "destructive") return unknown;
    return v(
      "destructive",
      `${head.raw} (known only at run time) with rm-like arguments: ${args.map(show).join(" ")}`,
    );
  }

  /** An interpreter or shell that reads its program from stdin or a heredoc. */
  stdinCode(name: string, env: Env, io: Io): Verdict {
    const shell = T.SHELLS.has(name);
    if (io.input) {
      if (!shell) return v("unknown", `${name} runs inline code`);
      const parsed = this.source(io.input.value ?? io.input.raw, { cwd: env.cwd }, `the ${name} input`);
      if (io.input.value !== undefined) return parsed;
      return worst(v("unknown", `${name} runs a script known only at run time`), parsed);
    }
    if (io.stdin?.kind === "download") return v("destructive", `pipes a download into ${name}`);
    if (io.stdin?.kind === "text" && shell)
      return this.source(io.stdin.text, { cwd: env.cwd }, `${name} input`);
    if (io.stdin) return v("unknown", `${name} runs commands from its input`);
    return v("unknown", `starts an interactive ${name}`);
  }

  /** A script string given to a shell: parsed when static; a download is destructive; otherwise unknown. */
  code(name: string, word: ShellWord, env: Env): Verdict {
    if (word.value !== undefined) {
      const parsed = this.source(word.value, { cwd: env.cwd }, `the ${name} script`);
      return name === "fish" ? worst(v("unknown", "fish syntax is not bash"), parsed) : parsed;
    }
    if (T.downloads(word)) return v("destructive", `runs a download in ${name}`);
    return v("unknown", `${name} runs code known only at run time`);
  }

  /** Settings that can run a program: at least unknown, and as bad as their value read as a command. */
  injected(what: string, value: string | undefined, env: Env): Verdict {
    const parsed = value === undefined ? RO : this.source(value.replace(/^!/, ""), { cwd: env.cwd }, what);
    return worst(v("unknown", what), parsed);
  }

  /** Whether running this word as a script runs something this command downloaded. */
  fetched(word: ShellWord, env: Env): boolean {
    const path = word.value === undefined ? undefined : this.resolve(word.value, env.cwd);
    return T.downloads(word) || (path !== undefined && this.downloaded.has(path));
  }

  saveDownload(word: ShellWord, env: Env): void {
    const path = word.value === undefined ? undefined : this.resolve(word.value, env.cwd);
    if (path !== undefined) this.downloaded.add(path);
  }
}

// ---- handlers: programs whose arguments decide the class ---------------------------------------------------

function shell(this: Classifier, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  let commandMode = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].value;
    if (a === undefined || a === "-" || !/^[-+]/.test(a)) {
      if (commandMode) return this.code(name, args[i], env);
      if (a === "-") return this.stdinCode(name, env, io);
      if (this.fetched(args[i], env)) return v("destructive", `runs a download in ${name}`);
      return v("unknown", `${name} runs a script: ${show(args[i])}`);
    }
    if (/^[-+][oO]$/.test(a) || a === "--rcfile" || a === "--init-file") i++;
    else if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a)) commandMode = true;
  }
  if (commandMode) return v("unknown", `${name} -c without a command`);
  return this.stdinCode(name, env, io);
}

function evalCommand(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  if (args.length === 0) return v("read-only", `${name} with nothing to run`);
  if (args.every((w) => w.value !== undefined)) return this.source(args.map(show).join(" "), env, name);
  if (args.some(T.downloads)) return v("destructive", `runs a download with ${name}`);
  return v("unknown", `${name} runs a string known only at run time`);
}

function sourceCommand(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  if (args[0] && this.fetched(args[0], env)) return v("destructive", `runs a download with ${name}`);
  return v("unknown", `${name} runs the script ${args[0] ? show(args[0]) : "from its input"}`);
}

function wrapper(this: Classifier, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const spec = T.own(T.WRAPPERS, name) ?? { valueOptions: [] };
  const { opts, operands } = splitArgs(args, spec.valueOptions, true);
  if (name === "command" && has(opts, "-v", "-V")) return v("read-only", "command -v looks a command up");
  const inner = operands.slice(spec.leadingOperands ?? 0);
  return inner.length === 0 ? v("read-only", `${name} with nothing to run`) : this.argv(inner, env, io);
}

function sudo(this: Classifier, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.sudo, true);
  if (has(opts, "-e", "--edit") || name === "sudoedit") return v("destructive", `${name} edits as root`);
  if (operands.length === 0) {
    if (has(opts, "-i", "-s", "--login", "--shell")) return v("destructive", `${name} opens a root shell`);
    return v("unknown", `${name} changes cached credentials`);
  }
  const inner = this.argv(operands, env, io);
  if (inner.class === "read-only") return v("unknown", `${name} runs ${show(operands[0])} as root`);
  if (inner.class === "destructive") return inner;
  return v("destructive", `${name} runs ${show(operands[0])} as root (${inner.reason})`);
}

function envCommand(this: Classifier, _name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.env, true);
  const verdicts: Verdict[] = [];
  const inner: Env = { cwd: env.cwd };
  for (const dir of optValues(opts, "-C", "--chdir"))
    inner.cwd = dir.value && this.resolve(dir.value, env.cwd);
  let i = 0;
  for (; /^[A-Za-z_]\w*=/.test(operands[i]?.value ?? ""); i++) {
    const [name, ...rest] = show(operands[i]).split("=");
    const code = T.CODE_ENV.test(name) ? rest.join("=") : undefined;
    if (T.riskyEnv(name)) verdicts.push(this.injected(`setting ${name} changes what runs`, code, env));
  }
  const split = optValues(opts, "-S", "--split-string");
  if (split.length > 0) {
    const text = [...split, ...operands.slice(i)];
    if (text.some((w) => w.value === undefined)) return v("unknown", "env -S with a dynamic string");
    return worst(...verdicts, this.source(text.map(show).join(" "), inner, "the env -S string", io.stdin));
  }
  if (i >= operands.length) return worst(...verdicts, v("read-only", "env prints the environment"));
  return worst(...verdicts, this.argv(operands.slice(i), inner, io));
}

function xargs(this: Classifier, _name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.xargs, true);
  const marker = optValues(opts, "-I")[0]?.value ?? (has(opts, "-i") ? "{}" : undefined);
  if (operands.length === 0) return v("read-only", "xargs runs echo");
  const words =
    marker === undefined
      ? [...operands, INPUT]
      : operands.map((w) => (w.value?.includes(marker) ? INPUT : w));
  return this.argv(words, env, NO_IO, operands.map(show));
}

function cd(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const target = splitArgs(args).operands[0];
  if (name === "popd" || target?.value === "-") env.cwd = undefined;
  else if (!target) env.cwd = name === "cd" ? this.home : env.cwd;
  else env.cwd = target.value === undefined ? undefined : this.resolve(target.value, env.cwd);
  return v("read-only", `${name} changes directory`);
}

function rm(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args);
  if (has(opts, "--no-preserve-root")) return v("destructive", "rm --no-preserve-root");
  const recursive = name === "rm" && has(opts, "-r", "-R", "--recursive");
  if (operands.length === 0) return v("read-only", `${name} without operands`);
  return worst(...operands.map((w) => this.remove(w, env, recursive)));
}

function find(this: Classifier, _name: string, args: ShellWord[], env: Env): Verdict {
  const firstExpr = args.findIndex((w) => w.value === undefined || /^[-(!]/.test(w.value));
  const starts = firstExpr < 0 ? args : args.slice(0, firstExpr);
  if (starts.length === 0) starts.push(literal("."));
  // `{}` stands for a path below the start directory: `find node_modules -exec rm -rf {} +` stays there.
  const match =
    starts.length === 1 && starts[0].value !== undefined ? literal(`${starts[0].value}/{}`) : INPUT;
  const verdicts = [v("read-only", "find only lists files")];
  for (let i = Math.max(firstExpr, 0); i < args.length; i++) {
    const a = args[i].value ?? "";
    if (a === "-delete") {
      for (const s of starts) {
        const r = this.remove(literal(`${show(s)}/{}`), env, true, "find -delete");
        verdicts.push(
          r.class === "workspace" ? r : v(r.class, `find -delete deletes files under ${quote(s)}`),
        );
      }
    } else if (/^-(exec|execdir|ok|okdir)$/.test(a)) {
      const end = args.findIndex((w, j) => j > i && (w.value === ";" || w.value === "+"));
      const inner = args.slice(i + 1, end < 0 ? undefined : end);
      const words = inner.map((w) => (w.value?.includes("{}") ? match : w));
      verdicts.push(this.argv(words, env, NO_IO, inner.map(show)));
      i = end < 0 ? args.length : end;
    } else if (/^-(fprint|fprint0|fls|fprintf)$/.test(a) && args[i + 1]) {
      verdicts.push(this.write(args[i + 1], env));
    }
  }
  return worst(...verdicts);
}

function fd(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const i = args.findIndex((w) => ["-x", "--exec", "-X", "--exec-batch"].includes(w.value ?? ""));
  if (i < 0) return v("read-only", `${name} only lists files`);
  const inner = args.slice(i + 1);
  const words = inner.slice(0, inner.findIndex((w) => w.value === ";") >>> 0);
  return this.argv([...words, INPUT], env, NO_IO, words.map(show));
}

function copyLike(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.own(T.VALUE_OPTIONS, name) ?? []);
  const targetDir = optValues(opts, "-t", "--target-directory")[0];
  const writes: ShellWord[] = [];
  if (targetDir) writes.push(targetDir);
  else if (name === "ln" && operands.length === 1) writes.push(literal(posix.basename(show(operands[0]))));
  else if (operands.length > 0) writes.push(operands[operands.length - 1]);
  if (name === "mv") {
    for (const src of targetDir ? operands : operands.slice(0, -1)) {
      const path = src.value === undefined ? undefined : this.resolve(src.value, env.cwd);
      if (path && this.inside(this.root, path)) return v("destructive", `mv moves the workspace itself`);
      writes.push(src);
    }
  }
  if (writes.length === 0) return v("read-only", `${name} without operands`);
  return worst(...writes.map((w) => this.write(w, env)));
}

function writesOperands(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const { operands } = splitArgs(args, T.own(T.VALUE_OPTIONS, name) ?? []);
  if (operands.length === 0) return v("read-only", `${name} writes only to stdout`);
  return worst(...operands.map((w) => this.write(w, env)));
}

function chmodLike(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.own(T.VALUE_OPTIONS, name) ?? []);
  const recursive = has(opts, "-R", "--recursive");
  return worst(
    ...(has(opts, "--reference") ? operands : operands.slice(1)).map((w) =>
      recursive && this.broad(w, env)
        ? v("destructive", `recursive ${name} of ${quote(w)}`)
        : this.write(w, env, `${name} changes`),
    ),
  );
}

function dd(this: Classifier, _name: string, args: ShellWord[], env: Env): Verdict {
  const target = args.find((w) => w.value?.startsWith("of="));
  if (!target) return v("read-only", "dd writes to stdout");
  const verdict = this.write(literal(show(target).slice(3)), env);
  return verdict.class === "destructive" ? v("destructive", `dd ${verdict.reason}`) : verdict;
}

function sed(this: Classifier, _name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.sed);
  const scripts = optValues(opts, "-e", "--expression");
  const scriptFile = has(opts, "-f", "--file");
  const files = scripts.length > 0 || scriptFile ? operands : operands.slice(1);
  if (scripts.length === 0 && operands[0]) scripts.push(operands[0]);
  let verdict = v("read-only", "sed prints the edited text");
  if (scriptFile) verdict = v("unknown", "sed runs a script file");
  if (scripts.some((s) => s.value === undefined || T.sedRunsOrWrites(s.value))) {
    verdict = v("unknown", "the sed script writes files or runs commands");
  }
  if (!has(opts, "-i", "--in-place", "-I")) return verdict;
  return worst(
    verdict,
    v("workspace", "sed -i edits files"),
    ...files.map((f) => this.write(f, env, "sed -i edits")),
  );
}

function awk(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.awk);
  if (has(opts, "-f", "--file")) return v("unknown", `${name} runs a program file`);
  const program = operands[0]?.value;
  if (program === undefined) return v("unknown", `${name} runs a program known only at run time`);
  if (/system|getline|\||print[f]?[^;{}]*>/.test(program)) {
    return v("unknown", `the ${name} program runs commands or writes files`);
  }
  if (!optValues(opts, "-i", "--include").some((w) => w.value === "inplace")) return v("read-only", "prints");
  return worst(
    v("workspace", `${name} -i inplace edits files`),
    ...operands.slice(1).map((f) => this.write(f, env)),
  );
}

function perl(this: Classifier, _name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.perl);
  if (has(opts, "-v", "-V")) return v("read-only", "perl -v");
  if (!has(opts, "-e", "-E")) return interpreter.call(this, "perl", args, env, io);
  if (!has(opts, "-i")) return v("unknown", "perl runs inline code");
  return worst(v("workspace", "perl -i edits files"), ...operands.map((f) => this.write(f, env)));
}

function outputOptions(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const names = T.own(T.OUTPUT_OPTIONS, name) ?? [];
  const { opts, operands } = splitArgs(args, names);
  if (name === "rg" && has(opts, "--pre")) return v("unknown", "rg --pre runs a command on every file");
  const targets = optValues(opts, ...names);
  if (name === "uniq" && operands.length > 1) targets.push(operands[1]);
  return worst(v("read-only", `${name} only reads`), ...targets.map((w) => this.write(w, env)));
}

function git(this: Classifier, _name: string, args: ShellWord[], env: Env): Verdict {
  let cwd = env.cwd;
  const verdicts: Verdict[] = [];
  let elsewhere = false;
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
      const key = (value ?? "").split("=")[0].toLowerCase();
      const code = value?.slice(value.indexOf("=") + 1);
      if (!T.safeGitKey(key)) verdicts.push(this.injected(`git -c ${key} can run a program`, code, env));
    } else if (flag === "--config-env" || (flag === "--exec-path" && eq > 0)) {
      verdicts.push(v("unknown", `git ${flag} can make git run other programs`));
    } else if (flag === "--git-dir" || flag === "--work-tree") {
      const path = value === undefined ? undefined : this.resolve(value, cwd);
      elsewhere ||= !path || !this.inside(path, this.root);
    }
  }
  const sub = args[i];
  if (!sub) return worst(...verdicts, v("read-only", "git without a subcommand prints help"));
  if (sub.value === undefined) return v("unknown", "git with a subcommand known only at run time");
  const result = gitSubcommand.call(this, sub.value, args.slice(i + 1), { cwd });
  if (result.class === "workspace" && (elsewhere || (cwd !== undefined && !this.inside(cwd, this.root)))) {
    return worst(
      ...verdicts,
      v("destructive", `git ${sub.value} changes a repository outside the workspace`),
    );
  }
  return worst(...verdicts, result);
}

function gitSubcommand(this: Classifier, sub: string, rest: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(rest, T.own(T.GIT_SUB_VALUES, sub) ?? []);
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
  for (const [subs, when, cls, reason] of T.GIT_RULES) {
    if (!subs.split(" ").includes(sub) || !when.split(" & ").every(holds)) continue;
    const last = operands.length ? show(operands[operands.length - 1]) : "";
    return v(cls, reason.replace("{sub}", sub).replace("{last}", last));
  }
  const writes = optValues(opts, ...T.GIT_OUTPUTS).map((w) => this.write(w, env));
  if (sub === "config") return T.gitConfigRule(opts, operands);
  if (sub === "clone") {
    const dir = operands[1] ?? literal(posix.basename(first ?? "repo").replace(/\.git$/, "") || ".");
    if (flags("--template -u --upload-pack -c --config")) return v("unknown", "git clone options run code");
    return worst(v("network", "git clone downloads a repository"), this.write(dir, env));
  }
  if ((sub === "init" && first) || (sub === "worktree" && first === "add" && operands[1])) {
    writes.push(this.write(operands[sub === "init" ? 0 : 1], env));
  }
  // `git bisect run CMD...`: CMD with its options (splitArgs took them for git's).
  const after = rest.slice(rest.indexOf(operands[0]) + 1).filter((w) => w.value !== "--recursive");
  if (sub === "submodule" && first === "foreach") writes.push(evalCommand.call(this, "foreach", after, env));
  if (sub === "bisect" && first === "run") writes.push(this.argv(after, env, NO_IO));
  if (T.GIT_READ_ONLY.has(sub)) return worst(v("read-only", `git ${sub} only reads`), ...writes);
  if (T.GIT_WORKSPACE.has(sub)) return worst(v("workspace", `git ${sub} changes the repository`), ...writes);
  if (T.GIT_NETWORK.has(sub)) return worst(v("network", `git ${sub} talks to a remote`), ...writes);
  return v("unknown", `unknown git subcommand (maybe an alias): ${sub}`);
}

function interpreter(this: Classifier, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const base = name.replace(/[\d.]+$/, "");
  const m = base === "python" ? args.findIndex((w) => w.value === "-m") : -1;
  if (m >= 0 && args[m + 1]) return pythonModule.call(this, show(args[m + 1]), args.slice(m + 2), env);
  const { opts, operands } = splitArgs(args, T.own(T.VALUE_OPTIONS, base) ?? [], true);
  if (has(opts, "-V", "--version") || (has(opts, "-v") && base !== "python"))
    return v("read-only", `${name} --version`);
  if (base === "node" && has(opts, "--test")) return v("workspace", "node --test runs the tests");
  if (base === "node" && has(opts, "--check")) return v("read-only", "node --check only parses");
  if (has(opts, "-c", "-e", "--eval", "-p", "--print", "-r")) return v("unknown", `${name} runs inline code`);
  if (operands.length === 0 || operands[0].value === "-") return this.stdinCode(name, env, io);
  if (this.fetched(operands[0], env)) return v("destructive", `runs a download in ${name}`);
  return v("unknown", `${name} runs a script: ${show(operands[0])}`);
}

function pythonModule(this: Classifier, mod: string, args: ShellWord[], env: Env): Verdict {
  if (T.PYTHON_TOOLS.has(mod)) return v("workspace", `python -m ${mod} builds or checks the project`);
  if (mod === "pip") return T.subcommandRule("pip", args);
  if (mod === "venv" || mod === "virtualenv") {
    const targets = splitArgs(args, ["--prompt"]).operands.map((w) => this.write(w, env));
    return worst(v("workspace", `python -m ${mod} creates an environment`), ...targets);
  }
  if (mod === "json.tool" || mod === "platform") return v("read-only", `python -m ${mod} only reads`);
  return v("unknown", `python -m ${mod} is not a known module`);
}

function download(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const outputs = T.own(T.OUTPUT_OPTIONS, name) ?? [];
  const { opts } = splitArgs(args, [...outputs, ...T.DOWNLOAD_VALUES]);
  const targets = optValues(opts, ...outputs).filter((w) => w.value !== "-");
  for (const target of targets) this.saveDownload(target, env);
  return worst(v("network", `${name} downloads from the network`), ...targets.map((w) => this.write(w, env)));
}

function remoteCopy(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.rsync);
  if (operands.length < 2) return v("unknown", `${name} with one operand`);
  const remote = (w: ShellWord) => w.value === undefined || /^[^/]*:/.test(w.value);
  const dest = operands[operands.length - 1];
  const deletes = name === "rsync" && opts.some((o) => /^--(delete|remove-source-files)/.test(o.name));
  const net = operands.some(remote) ? v("network", `${name} copies over the network`) : RO;
  if (remote(dest)) return net;
  return worst(net, deletes ? this.remove(dest, env, true, "rsync --delete") : this.write(dest, env));
}

function sql(this: Classifier, name: string, args: ShellWord[], _env: Env, io: Io): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.sql);
  const texts = optValues(opts, "-c", "--command", "-e", "--execute");
  if (name.startsWith("sqlite") || name === "duckdb") texts.push(...operands.slice(1));
  if (io.input) texts.push(io.input);
  const text = [...texts.map((w) => w.value ?? w.raw), io.stdin?.kind === "text" ? io.stdin.text : ""].join(
    "\n",
  );
  const m = T.DESTRUCTIVE_SQL.exec(text);
  if (m) return v("destructive", `${name} runs ${m[0].trim().replace(/\s+/g, " ").toUpperCase()}`);
  return v("unknown", `${name} runs SQL against a database`);
}

function archive(this: Classifier, name: string, args: ShellWord[], env: Env): Verdict {
  const bundled = name === "tar" && args[0]?.value && !args[0].value.startsWith("-");
  const { opts, operands } = splitArgs(bundled ? [literal(`-${args[0].value}`), ...args.slice(1)] : args, [
    ...(T.own(T.VALUE_OPTIONS, name) ?? []),
  ]);
  const into = (dir: ShellWord | undefined) => this.write(dir ?? literal("."), env, `${name} extracts into`);
  if (has(opts, ...(T.own(T.ARCHIVE_READS, name) ?? []))) return v("read-only", `${name} only reads`);
  if (name === "tar") {
    if (has(opts, "-x", "--extract", "--get")) return into(optValues(opts, "-C", "--directory")[0]);
    const file = optValues(opts, "-f", "--file")[0];
    return file && file.value !== "-" ? this.write(file, env) : v("read-only", "tar writes to stdout");
  }
  if (name === "unzip") return into(optValues(opts, "-d")[0]);
  if (name === "zip")
    return operands[0] ? this.write(operands[0], env) : v("read-only", "zip writes to stdout");
  if (operands.length === 0) return v("read-only", `${name} writes to stdout`);
  return worst(...operands.map((w) => this.write(w, env, `${name} replaces`)));
}

function trap(this: Classifier, _name: string, args: ShellWord[], env: Env): Verdict {
  if (args.length < 2 || /^-[lp]$/.test(args[0].value ?? "")) return v("read-only", "trap lists handlers");
  return evalCommand.call(this, "trap", [args[0]], env);
}

function watch(this: Classifier, _name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, ["-n", "--interval"], true);
  if (has(opts, "-x", "--exec")) return this.argv(operands, env, NO_IO);
  return evalCommand.call(this, "watch", operands, env);
}

const each = (names: Iterable<string>, handler: Handler) =>
  Object.fromEntries([...names].map((n) => [n, handler]));

const HANDLERS: Record<string, Handler> = {
  ...each(Object.keys(T.WRAPPERS), wrapper),
  ...each(T.SHELLS, shell),
  ...each(T.INTERPRETERS, interpreter),
  ...each(Object.keys(T.SUBCOMMANDS), T.subcommandRule),
  ...each(T.SQL_CLIENTS, sql),
  ...each(Object.keys(T.ARCHIVE_READS), archive),
  ...each(
    ["export", "declare", "typeset", "local", "readonly", "alias", "date", "hostname"],
    T.shellStateRule,
  ),
  ...each(["sudo", "doas", "sudoedit"], sudo),
  ...each(["eval"], evalCommand),
  ...each(["source", "."], sourceCommand),
  ...each(["cd", "pushd", "popd"], cd),
  ...each(["rm", "unlink", "rmdir"], rm),
  ...each(["fd", "fdfind"], fd),
  ...each(["cp", "mv", "ln", "install"], copyLike),
  ...each(["touch", "mkdir", "truncate", "tee", "mkfifo"], writesOperands),
  ...each(["chmod", "chown", "chgrp"], chmodLike),
  ...each(["awk", "gawk", "mawk", "nawk"], awk),
  ...each(["sort", "tree", "uniq", "rg"], outputOptions),
  ...each(["curl", "wget"], download),
  ...each(["rsync", "scp"], remoteCopy),
  kill: T.killRule,
  env: envCommand,
  xargs,
  find,
  dd,
  sed,
  perl,
  git,
  trap,
  watch,
};
