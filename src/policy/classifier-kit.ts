/**
 * What the command classifier's handler modules share: the verdict type and how verdicts combine, the
 * per-stage environment, and `ClassifierApi`, the part of the classifier a handler may call (`this` in every
 * handler). command-classifier.ts implements it; git-command.ts and database-clients.ts are handler modules.
 */
import { COMMAND_CLASSES, type CommandClass } from "../protocol/permissions.ts";
import type { ShellScript, ShellWord } from "./shell-parse.ts";

export type Verdict = { class: CommandClass; reason: string };
export const v = (cls: CommandClass, reason: string): Verdict => ({ class: cls, reason });

/** An unexpected class ranks as unknown: a bug must not make a command look harmless. */
const rank = (c: CommandClass): number =>
  COMMAND_CLASSES.indexOf(COMMAND_CLASSES.includes(c) ? c : "unknown");
export const RO = v("read-only", "only reads");
/** The most severe of the verdicts (the first of equals); read-only for none. */
export const worst = (...verdicts: Verdict[]): Verdict =>
  verdicts.reduce((a, b) => (rank(b.class) > rank(a.class) ? b : a), RO);
export const show = (w: ShellWord) => w.value ?? w.raw;
export const quote = (w: ShellWord | string) => JSON.stringify(typeof w === "string" ? w : show(w));

/** The shell's current directory, undefined once it depends on run-time values (`cd "$X"`). */
export type Env = { cwd: string | undefined };
/**
 * Where a stage's stdin comes from: a download, static text, a file (`< f`, `cat f |`), something else, or
 * nothing (the terminal).
 */
export type Stdin =
  | { kind: "download" }
  | { kind: "text"; text: string }
  | { kind: "file"; word: ShellWord; cwd: string | undefined }
  | { kind: "other" }
  | undefined;
/** stdin from the pipeline or a `<` redirection, and a heredoc or herestring on the command itself. */
export type Io = { stdin: Stdin; input: ShellWord | undefined };
export const NO_IO: Io = { stdin: undefined, input: undefined };
/** Stands for arguments known only at run time (xargs input, fd matches). */
export const INPUT: ShellWord = { value: undefined, raw: "<input>", glob: false, substitutions: [] };

/**
 * How a command writes a path. Outside the workspace, `overwrite`, `delete` and `change` are destructive;
 * `append` and `create` lose nothing and need a yes like the write tool's (`writesOutside`).
 */
export type WriteKind = "overwrite" | "append" | "create" | "delete" | "change";

/** A file's text as the command will see it: read now, or written earlier by the same command. */
export type FileText =
  | { text: string }
  /** Why it cannot be read: missing, too large, no reader, a path known only at run time, ... */
  | { unreadable: string };

export interface ClassifierApi {
  readonly root: string;
  readonly home: string;
  /** Parses and classifies shell source (a `-c` string, an alias, a hook). */
  source(text: string, env: Env, what: string, stdin?: Stdin): Verdict;
  /** Words joined into shell source and run (`eval`, `trap`, `git submodule foreach`). */
  evalWords(what: string, words: ShellWord[], env: Env): Verdict;
  /** Classifies one argv as a command. */
  argv(words: ShellWord[], env: Env, io: Io, shown?: string[]): Verdict;
  /** Classifies a script run by a substitution or a compound. */
  script(script: ShellScript, env: Env, stdin?: Stdin): Verdict;
  /** A write of one path (`verb` names it in the reason). */
  write(word: ShellWord, env: Env, kind: WriteKind, verb?: string): Verdict;
  /** Deleting one path, recursively or not (`what` names it in the reason). */
  remove(word: ShellWord, env: Env, recursive: boolean, what?: string): Verdict;
  /** Whether a recursive mode or owner change of this path covers the workspace or lies outside it. */
  broad(word: ShellWord, env: Env): boolean;
  /** An interpreter or shell that reads its program from stdin or a heredoc. */
  stdinCode(name: string, env: Env, io: Io): Verdict;
  /** A script string given to a shell (`bash -c`): parsed when static; a download is destructive. */
  code(name: string, word: ShellWord, env: Env): Verdict;
  /** A script given as `<(...)`: what it prints runs as in `... | bash`; undefined for any other word. */
  substitutedScript(name: string, word: ShellWord, env: Env): Verdict | undefined;
  /** Whether running this word as a script runs something downloaded (`<(curl ...)`, a file saved by curl). */
  fetched(word: ShellWord, env: Env): boolean;
  /** Remembers a file a download was saved to. */
  saveDownload(word: ShellWord, env: Env): void;
  /** `..` and `~` resolved against `cwd`; undefined when it depends on run-time values. */
  resolve(value: string, cwd: string | undefined): string | undefined;
  inside(path: string, dir: string): boolean;
  /** A setting or option whose value is a command line: at least unknown, and as bad as that command. */
  injected(what: string, value: string | undefined, env: Env): Verdict;
  /** A program file's text, for clients that run statements from files (`psql -f`, `sqlite3 < f`). */
  readText(word: ShellWord, cwd: string | undefined): FileText;
  /** The git aliases in effect in a directory; empty when they cannot be read. */
  gitAliases(cwd: string | undefined): Record<string, string>;
  /** Notes a variable the command sets (`X=1 cmd`, `env X=1`, `export X=1`). */
  noteVariable(name: string): void;
  /**
   * Why git may, in this command, read configuration that cannot be checked beforehand (it sets
   * GIT_CONFIG_GLOBAL or HOME, or writes a config file first), or undefined.
   */
  gitConfigChanged(): string | undefined;
  /** Records that a prefix allow rule must not pre-approve this command (`allowRuleUnsafe`), and why. */
  allowRuleUnsafe(reason: string): void;
}

export type Handler = (this: ClassifierApi, name: string, args: ShellWord[], env: Env, io: Io) => Verdict;
