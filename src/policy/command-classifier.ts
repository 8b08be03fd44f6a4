/**
 * Classifies a shell command as read-only, workspace, unknown, network or destructive, from a real parse
 * (shell-parse.ts), never from patterns on the raw string. Compounds are split and the whole takes the most
 * severe class of its parts. Wrappers (sudo, env, nice, xargs, find -exec, bash -c, eval, ...) are unwrapped,
 * substitutions are looked into, and redirections and path arguments are checked lexically against the
 * workspace. Anything not provably read-only is not read-only. Handlers for families of programs live in
 * runner-commands.ts, file-commands.ts, git-command.ts and database-clients.ts.
 *
 * The core is pure: the two things read from disk (the git aliases in effect, files a database client runs)
 * come through readers in the context (classify-readers.ts has the defaults).
 *
 * Judgement calls:
 * - A command name known only at run time (`$(echo rm) -rf /`, `$CMD`) is unknown; it is destructive when its
 *   arguments would make `rm` destructive (`-rf /`), or when it is a download (`$(curl ...)`).
 * - A recursive delete of a path known only at run time (`rm -rf "$DIR"`, `xargs rm -rf`) is destructive.
 * - `sudo` of a read-only command is unknown; of anything else, destructive.
 * - The temp directories are outside the workspace like any other place: only the run's own scratch folder
 *   (`scratchDir`) counts as the workspace. Outside it, deleting, overwriting or changing a file is
 *   destructive; appending to one or creating one sets `writesOutside` (a yes, as for the write tool).
 * - Global installs (`npm i -g`, `cargo install`, `go install`) write outside the workspace: destructive.
 *   `pip install` is network (whether a virtualenv is active cannot be told lexically).
 * - `cd` is followed through a command list, so `cd /etc && rm -rf x` deletes outside the workspace.
 * - A file a client runs (`psql -f x.sql`) is read when classifying; if the same command writes it first, the
 *   text it writes is used when known (`cat > x.sql <<EOF`), else the client is unknown.
 */
import { posix } from "node:path";
import type { CommandClassification } from "../protocol/permissions.ts";
import {
  type ClassifierApi,
  type Env,
  type FileText,
  INPUT,
  type Io,
  quote,
  RO,
  type Stdin,
  show,
  type Verdict,
  v,
  type WriteKind,
  worst,
} from "./classifier-kit.ts";
import * as T from "./command-tables.ts";
import { DATABASE_HANDLERS } from "./database-clients.ts";
import * as F from "./file-commands.ts";
import { git } from "./git-command.ts";
import { protectedPathReason } from "./protected-paths.ts";
import * as R from "./runner-commands.ts";
import {
  has,
  literal,
  loadShellParser,
  type ShellParser,
  type ShellScript,
  type ShellStage,
  type ShellWord,
  splitArgs,
} from "./shell-parse.ts";

export type ClassifyContext = {
  cwd: string;
  workspaceRoot: string;
  home: string;
  /** The run's own scratch folder: writes and deletes in it count as workspace edits. */
  scratchDir?: string;
  /** The git aliases in effect in a directory, by lower-case name (classify-readers.ts reads git's config). */
  gitAliases?: (cwd: string) => Record<string, string>;
  /** A text file's content; undefined when it is missing, not text or too large. May throw: counts as missing. */
  readFile?: (path: string) => string | undefined;
  /** Where an absolute path really leads (symlinks on disk resolved); absent: paths are taken as written. */
  realPath?: (path: string) => string;
};

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
    classifier.allowRuleUnsafe(verdict.reason);
  }
  const { commands, unsafe, outside } = classifier;
  const extra = {
    ...(unsafe === undefined ? {} : { allowRuleUnsafe: unsafe }),
    ...(outside === undefined ? {} : { writesOutside: outside }),
  };
  if (verdict.class !== "read-only") return { ...verdict, commands, ...extra };
  const names = [...new Set(commands.map((argv) => argv[0]).filter(Boolean))];
  return {
    class: "read-only",
    reason: names.length ? `only reads: ${names.join(", ")}` : "does nothing",
    commands,
    ...extra,
  };
}

type Handler = (this: Classifier, name: string, args: ShellWord[], env: Env, io: Io) => Verdict;

const MAX_LENGTH = 100_000;
const MAX_DEPTH = 10;
/** Variables that make git read other configuration files (and so other aliases). */
const GIT_CONFIG_VARIABLES = /^(GIT_CONFIG\w*|GIT_DIR|GIT_COMMON_DIR|HOME|XDG_CONFIG_HOME)$/;
const WRITE_OPS = new Set([">", ">>", "&>", "&>>", ">|", ">&", "<>"]);
const VERBS: Record<WriteKind, string> = {
  overwrite: "writes",
  append: "appends",
  create: "creates",
  delete: "deletes",
  change: "changes",
};

class Classifier implements ClassifierApi {
  readonly commands: string[][] = [];
  readonly root: string;
  readonly home: string;
  /** Why a prefix allow rule must not pre-approve the command (the first reason found). */
  unsafe: string | undefined;
  /** The first write outside the workspace that destroys nothing (an append, a new file). */
  outside: string | undefined;
  /** Files that downloads in this command were saved to (`curl -o x.sh ... && sh x.sh`). */
  private readonly downloaded = new Set<string>();
  /** Files this command writes, with the text written when it is known (`echo ... > f`, `cat > f <<EOF`). */
  private readonly written = new Map<string, string | undefined>();
  /** Set once the command writes a path known only at run time: any file may have changed. */
  private blindWrites = false;
  /** The first variable set by the command that changes which configuration git reads. */
  private configVariable: string | undefined;
  private readonly scratch: string | undefined;
  private depth = 0;
  private readonly parse: ShellParser;
  private readonly context: ClassifyContext;

  constructor(parse: ShellParser, context: ClassifyContext) {
    this.parse = parse;
    this.context = context;
    this.root = posix.resolve(context.workspaceRoot);
    this.home = posix.resolve(context.home);
    const scratch = context.scratchDir === undefined ? undefined : posix.resolve(context.scratchDir);
    // A scratch folder that holds the home, the workspace or a whole temp dir would exempt far too much.
    const tooBroad = (dir: string) =>
      this.inside(this.home, dir) || this.inside(this.root, dir) || T.TEMP_DIRS.includes(dir);
    this.scratch = scratch && !tooBroad(scratch) ? scratch : undefined;
  }

  allowRuleUnsafe(reason: string): void {
    this.unsafe ??= reason;
  }

  noteVariable(name: string): void {
    if (GIT_CONFIG_VARIABLES.test(name)) this.configVariable ??= name;
  }

  gitConfigChanged(): string | undefined {
    if (this.configVariable) return `it sets ${this.configVariable}`;
    if (this.blindWrites) return "it writes files known only at run time";
    const config = [...this.written.keys()].find((path) => /config|\.inc$/i.test(posix.basename(path)));
    return config === undefined ? undefined : `it writes ${this.shown(config)}`;
  }

  /** Parses and classifies shell source run by a shell (the top level, `bash -c`, `eval`, ...). */
  source(text: string, env: Env, what: string, stdin?: Stdin): Verdict {
    if (this.depth >= MAX_DEPTH) return v("unknown", "commands nested too deeply to check");
    this.depth++;
    try {
      const parsed = this.parse(text);
      let verdict = this.script(parsed.script, env, stdin);
      // `rm${IFS}-rf${IFS}/x`: the shell splits words again where $IFS is (a space, unless the command sets it).
      if (IFS_TEST.test(text)) {
        const split = text.replace(new RegExp(IFS, "g"), " ");
        verdict = worst(verdict, this.source(split, env, `${what} split at $IFS`, stdin));
      }
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
        const stageEnv = stages.length > 1 ? { cwd: env.cwd } : env;
        const own = this.stdinOf(stage, input, stageEnv);
        verdict = worst(verdict, this.stage(stage, stageEnv, own));
        input = this.output(stage, own, stageEnv);
      }
    }
    return verdict;
  }

  /** A stage's stdin: its own `<` redirection, else what the pipeline gives it. */
  private stdinOf(stage: ShellStage, piped: Stdin, env: Env): Stdin {
    const file = stage.redirects.find(
      (r) => r.op === "<" && r.target && (r.fd === undefined || r.fd === "0"),
    );
    return file?.target ? { kind: "file", word: file.target, cwd: env.cwd } : piped;
  }

  private stage(stage: ShellStage, env: Env, stdin: Stdin): Verdict {
    const words =
      stage.kind === "simple" ? [...stage.words, ...stage.assignments.map((a) => a.value)] : stage.words;
    for (const r of stage.redirects) words.push(...[r.target, r.input].filter((w) => w !== undefined));
    const verdicts = words.flatMap((w) => w.substitutions.map((s) => this.script(s, { cwd: env.cwd })));
    for (const r of stage.redirects) {
      if (!WRITE_OPS.has(r.op)) continue;
      if (!r.target) verdicts.push(v("unknown", `redirection ${r.op} without a target`));
      else if (!(r.op === ">&" && /^(\d+|-)$/.test(r.target.value ?? ""))) {
        const append = r.op === ">>" || r.op === "&>>";
        verdicts.push(this.write(r.target, env, append ? "append" : "overwrite"));
        const stdout = r.fd === undefined || r.fd === "1" || r.op.startsWith("&");
        this.remember(r.target, env, append, stdout ? this.output(stage, stdin, env) : undefined);
      }
    }
    if (stage.kind === "compound") {
      const own = stage.type === "subshell" || stage.type === "function_definition";
      return worst(...verdicts, this.script(stage.body, own ? { cwd: env.cwd } : env, stdin));
    }
    for (const { name, value } of stage.assignments) {
      this.noteVariable(name);
      const what = `setting ${name} changes what the command runs`;
      if (!T.riskyEnv(name)) continue;
      this.allowRuleUnsafe(what);
      verdicts.push(this.injected(what, T.CODE_ENV.test(name) ? value.value : "", env));
    }
    if (T.DOWNLOADERS.has(posix.basename(T.unwrapForOutput(stage.words)[0]?.value ?? ""))) {
      for (const r of stage.redirects) if (WRITE_OPS.has(r.op) && r.target) this.saveDownload(r.target, env);
    }
    const input = stage.redirects.find((r) => r.input !== undefined)?.input;
    return worst(...verdicts, this.argv(stage.words, env, { stdin, input }));
  }

  /** What the next stage of a pipeline reads from this one. */
  private output(stage: ShellStage, stdin: Stdin, env: Env): Stdin {
    if (stage.kind === "compound") {
      const inner = stage.body.statements.flatMap((p) => p.stages.map((s) => this.output(s, undefined, env)));
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
      return { kind: "text", text: `${text.join(" ")}\n` };
    }
    const heredoc = stage.redirects.find((r) => r.input)?.input;
    if (name === "cat" && !args.length && heredoc?.value !== undefined)
      return { kind: "text", text: heredoc.value };
    if (name === "cat" && !args.length && (stdin?.kind === "file" || stdin?.kind === "text")) return stdin;
    if (name === "cat" && args.length === 1 && !/^-./.test(args[0].value ?? ""))
      return { kind: "file", word: args[0], cwd: env.cwd };
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

  /**
   * Where a path inside the workspace or the scratch folder really leads when a symlink on disk takes it outside
   * both, else undefined.
   */
  private leadsOut(path: string): string | undefined {
    const realPath = this.context.realPath;
    if (!realPath || !(this.inside(path, this.root) || this.inScratch(path))) return undefined;
    const real = realPath(path);
    const roots = [this.root, this.scratch].flatMap((dir) => (dir === undefined ? [] : [dir, realPath(dir)]));
    return roots.some((dir) => this.inside(real, dir)) ? undefined : real;
  }

  private inScratch(path: string): boolean {
    return this.scratch !== undefined && this.inside(path, this.scratch);
  }

  /** How a path is shown in a reason: `~/x` under the home directory. */
  private shown(path: string): string {
    return this.inside(path, this.home) ? `~${path.slice(this.home.length)}` : path;
  }

  /** A write (or delete, or mode change: `kind`) of one path; `verb` names it in the reason. */
  write(word: ShellWord, env: Env, kind: WriteKind, verb = VERBS[kind]): Verdict {
    const value = word.value;
    if (value === undefined) {
      this.blindWrites = true;
      return v("unknown", `${verb} a path known only at run time: ${word.raw}`);
    }
    if (T.HARMLESS_DEVICES.has(value) || /^\/dev\/fd\/\d+$/.test(value))
      return v("read-only", `${verb} ${value}`);
    const path = this.resolve(value, env.cwd);
    if (path === undefined) {
      this.blindWrites = true;
      return v("unknown", `${verb} ${value} in a directory known only at run time`);
    }
    this.written.set(path, undefined);
    if (path.startsWith("/dev/") && !path.startsWith("/dev/shm/"))
      return v("destructive", `${verb} a device: ${path}`);
    const fromHome = posix.relative(this.home, path);
    if (T.RC_FILES.has(fromHome)) return v("destructive", `${verb} a shell start-up file: ~/${fromHome}`);
    const protectedWhy = protectedPathReason(path, { home: this.home });
    if (protectedWhy) return v("destructive", `${verb} ${protectedWhy}`);
    const out = this.leadsOut(path);
    if (!out && this.inside(path, this.root)) return v("workspace", `${verb} ${value} in the workspace`);
    if (!out && this.inScratch(path)) return v("workspace", `${verb} ${path} in the run's scratch folder`);
    const reason = `${verb} outside the workspace: ${this.shown(out ?? path)}`;
    this.allowRuleUnsafe(reason);
    if (kind !== "append" && kind !== "create") return v("destructive", reason);
    this.outside ??= reason;
    return v("unknown", reason);
  }

  /** Records the text a redirection writes into a file, when it is known. */
  private remember(word: ShellWord, env: Env, append: boolean, output: Stdin): void {
    const path = word.value === undefined ? undefined : this.resolve(word.value, env.cwd);
    if (path === undefined || output?.kind !== "text") return;
    if (!append) this.written.set(path, output.text);
  }

  /** Deleting one path, recursively or not. */
  remove(word: ShellWord, env: Env, recursive: boolean, what = "recursive delete"): Verdict {
    if (!recursive) return this.write(word, env, "delete");
    const value = word.value;
    if (value === undefined) return v("destructive", `${what} of a path known only at run time: ${word.raw}`);
    const path = this.resolve(value, env.cwd);
    if (path === undefined) return v("destructive", `${what} of ${quote(value)} (location unknown)`);
    if (path === this.root) return v("destructive", `${what} of ${quote(value)} (the workspace itself)`);
    // Deleting a symlink removes the link; a folder on the way that is one takes the delete where it leads.
    const out = this.leadsOut(value.endsWith("/") ? path : posix.dirname(path));
    if (out) return v("destructive", `${what} of ${quote(value)} (through a link to ${this.shown(out)})`);
    if (this.inside(path, this.root)) {
      const segments = posix.relative(this.root, path).split("/");
      if (segments.length === 1 && word.glob && /^[*?]+$/.test(segments[0])) {
        return v("destructive", `${what} of ${quote(value)} (the whole workspace)`);
      }
      const write = this.write(literal(path), env, "delete");
      if (write.class === "destructive") return write;
      if (segments.some((s) => T.BUILD_DIRS.has(s)))
        return v("workspace", `${what} of build output: ${value}`);
      return v("destructive", `${what} of ${quote(value)}`);
    }
    if (this.inScratch(path)) return v("workspace", `${what} of ${path} in the run's scratch folder`);
    this.allowRuleUnsafe(`${what} outside the workspace`);
    return v("destructive", `${what} of ${quote(value)} (outside the workspace)`);
  }

  /** Whether a target of `chmod -R` covers the workspace or lies outside it. */
  broad(word: ShellWord, env: Env): boolean {
    const path = word.value === undefined ? undefined : this.resolve(word.value, env.cwd);
    if (path !== undefined && this.inScratch(path)) return false;
    if (path === undefined || path === this.root || !this.inside(path, this.root)) return true;
    return word.glob && posix.dirname(path) === this.root;
  }

  // ---- files and settings read from disk ---------------------------------------------------------------

  readText(word: ShellWord, cwd: string | undefined): FileText {
    const again = "(run it as a separate command, so that it can be checked first)";
    if (word.value === undefined) return { unreadable: "is known only at run time" };
    const path = this.resolve(word.value, cwd);
    if (path === undefined) return { unreadable: "is in a directory known only at run time" };
    if (this.written.has(path)) {
      const text = this.written.get(path);
      return text === undefined ? { unreadable: `this same command writes first ${again}` } : { text };
    }
    if (this.blindWrites) return { unreadable: `this same command may write first ${again}` };
    let text: string | undefined;
    try {
      text = this.context.readFile?.(path);
    } catch {
      text = undefined;
    }
    return text === undefined
      ? { unreadable: "could not be read (missing, not text, or too large)" }
      : { text };
  }

  gitAliases(cwd: string | undefined): Record<string, string> {
    if (cwd === undefined || !this.context.gitAliases) return {};
    try {
      return this.context.gitAliases(cwd);
    } catch {
      return {};
    }
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
        const what = `${name} ${setting?.[1] ?? opt} runs a command`;
        this.allowRuleUnsafe(what);
        return this.injected(what, setting?.[2] ?? value?.value, env);
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
    if (T.downloads(head)) return v("destructive", `runs a download as a command: ${head.raw}`);
    const unknown = v("unknown", `the command name is known only at run time: ${head.raw}`);
    if (!has(splitArgs(args).opts, "-r", "-R", "--recursive")) return unknown;
    if (F.rm.call(this, "rm", args, env).class !== "destructive") return unknown;
    return v(
      "destructive",
      `${head.raw} (known only at run time) with rm-like arguments: ${args.map(show).join(" ")}`,
    );
  }

  stdinCode(name: string, env: Env, io: Io): Verdict {
    const shell = T.SHELLS.has(name);
    if (io.input) {
      if (T.downloads(io.input)) return v("destructive", `pipes a download into ${name}`);
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

  code(name: string, word: ShellWord, env: Env): Verdict {
    if (word.value !== undefined) {
      const parsed = this.source(word.value, { cwd: env.cwd }, `the ${name} script`);
      return name === "fish" ? worst(v("unknown", "fish syntax is not bash"), parsed) : parsed;
    }
    if (T.downloads(word)) return v("destructive", `runs a download in ${name}`);
    return v("unknown", `${name} runs code known only at run time`);
  }

  evalWords(what: string, words: ShellWord[], env: Env): Verdict {
    if (words.length === 0) return v("read-only", `${what} with nothing to run`);
    if (words.every((w) => w.value !== undefined)) return this.source(words.map(show).join(" "), env, what);
    if (words.some(T.downloads)) return v("destructive", `runs a download with ${what}`);
    return v("unknown", `${what} runs a string known only at run time`);
  }

  injected(what: string, value: string | undefined, env: Env): Verdict {
    const parsed = value === undefined ? RO : this.source(value.replace(/^!/, ""), { cwd: env.cwd }, what);
    return worst(v("unknown", what), parsed);
  }

  substitutedScript(name: string, word: ShellWord, env: Env): Verdict | undefined {
    if (!word.raw.startsWith("<(") || word.substitutions.length !== 1) return undefined;
    const { statements } = word.substitutions[0];
    let out: Stdin = { kind: "other" };
    for (const stage of statements.length === 1 ? statements[0].stages : []) {
      out = this.output(stage, this.stdinOf(stage, out, { cwd: env.cwd }), { cwd: env.cwd });
    }
    return this.stdinCode(T.SHELLS.has(name) ? name : "bash", env, {
      stdin: out ?? { kind: "other" },
      input: undefined,
    });
  }

  fetched(word: ShellWord, env: Env): boolean {
    const path = word.value === undefined ? undefined : this.resolve(word.value, env.cwd);
    return T.downloads(word) || (path !== undefined && this.downloaded.has(path));
  }

  saveDownload(word: ShellWord, env: Env): void {
    const path = word.value === undefined ? undefined : this.resolve(word.value, env.cwd);
    if (path !== undefined) this.downloaded.add(path);
  }
}

/** `$IFS` or `${IFS}` in a word's source (not `$IFSX`). */
const IFS = String.raw`\$(?:\{IFS\}|IFS(?![A-Za-z0-9_]))`;
const IFS_TEST = new RegExp(IFS);

const each = (names: Iterable<string>, handler: Handler) =>
  Object.fromEntries([...names].map((n) => [n, handler]));

const HANDLERS: Record<string, Handler> = {
  ...each(Object.keys(T.WRAPPERS), R.wrapper),
  ...each(T.SHELLS, R.shell),
  ...each(T.INTERPRETERS, R.interpreter),
  ...each(Object.keys(T.SUBCOMMANDS), T.subcommandRule),
  ...each(Object.keys(T.ARCHIVE_READS), F.archive),
  ...each(["export", "declare", "typeset", "local", "readonly", "alias", "date", "hostname"], R.shellState),
  ...each(["sudo", "doas", "sudoedit"], R.sudo),
  ...each(["eval"], R.evalCommand),
  ...each(["source", "."], R.sourceCommand),
  ...each(["cd", "pushd", "popd"], R.cd),
  ...each(["rm", "unlink", "rmdir"], F.rm),
  ...each(["fd", "fdfind"], F.fd),
  ...each(["cp", "mv", "ln", "install"], F.copyLike),
  ...each(["touch", "mkdir", "truncate", "tee", "mkfifo"], F.writesOperands),
  ...each(["chmod", "chown", "chgrp"], F.chmodLike),
  ...each(["setfacl", "chattr"], F.aclLike),
  ...each(["awk", "gawk", "mawk", "nawk"], F.awk),
  ...each(["sort", "tree", "uniq", "rg"], F.outputOptions),
  ...each(["curl", "wget"], F.download),
  ...each(["rsync", "scp"], F.remoteCopy),
  ...DATABASE_HANDLERS,
  kill: T.killRule,
  env: R.envCommand,
  xargs: R.xargs,
  find: F.find,
  dd: F.dd,
  sed: F.sed,
  perl: R.perl,
  git,
  trap: R.trap,
  watch: R.watch,
};
