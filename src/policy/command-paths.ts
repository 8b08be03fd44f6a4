/**
 * The paths a shell command's words name, resolved on disk, for the permission engine's check of hidden paths
 * (src/policy/hidden-paths.ts). Deliberately generous: every word of every simple command and every run of
 * characters between quotes and shell operators in the raw text (so `--file=x`, `< x`, `"open('x')"` count),
 * `~` and `$HOME` expanded, relative words resolved against the command's folder and every folder it `cd`s to,
 * a glob's last segment expanded as the shell would, and the current folder for searches that default to it
 * (`rg x`, `grep -r x`, `find`). More words only cost a question, never safety. Synchronous fs calls: a few
 * microseconds each, where a thread-pool round trip per word would cost milliseconds per command.
 */
import { type Dirent, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { CommandPath } from "./permission-engine.ts";
import { requestPath } from "./permission-rules.ts";

export type CommandPathOptions = {
  /** The folder the command runs in (the workspace root). */
  cwd: string;
  home: string;
  workspaceRoot: string;
  extraRoots: string[];
};

/** Programs that read what is below the current folder when given no path. */
const SEARCHES_CWD = new Set(["rg", "ag", "ack", "find"]);
const GREPS = new Set(["grep", "egrep", "fgrep"]);
const GLOB = /[*?[]/;

/** The words of a command that may be paths (before expansion and resolution). */
export function commandPathWords(text: string, commands: string[][]): { words: string[]; folders: string[] } {
  const words = new Set<string>();
  const folders: string[] = [];
  for (const argv of commands) {
    for (const word of argv) words.add(word);
    if ((argv[0] === "cd" || argv[0] === "pushd") && argv[1]) folders.push(argv[1]);
    if (searchesCwd(argv)) words.add(".");
  }
  for (const piece of text.split(/[\s"'`;&|()<>=,]+|\$\(/)) words.add(piece);
  // A bare program name is looked up on PATH, not in the folder.
  for (const argv of commands) if (argv[0] && !argv[0].includes("/")) words.delete(argv[0]);
  const out = [...words].filter((word) => word !== "" && !word.startsWith("-") && word.length <= 4096);
  return { words: out, folders };
}

function searchesCwd(argv: string[]): boolean {
  const name = basename(argv[0] ?? "");
  if (SEARCHES_CWD.has(name)) return true;
  if (GREPS.has(name))
    return argv.some(
      (w) =>
        /^-[A-Za-z]*[rR]/.test(w) || w.startsWith("--recursive") || w.startsWith("--dereference-recursive"),
    );
  return name === "git" && (argv[1] === "grep" || argv[1] === "add");
}

/**
 * The real paths a command names (see the file header), and the first word whose value only the shell knows
 * (`$dir/x`, `$(...)`, a backquote), if any. Never throws.
 */
export async function resolveCommandPaths(
  text: string,
  commands: string[][],
  options: CommandPathOptions,
): Promise<{ paths: CommandPath[]; unresolved?: string }> {
  const { words, folders } = commandPathWords(text, commands);
  const bases = [options.cwd, ...folders.map((f) => expand(f, options.home)).filter((f) => f !== null)].map(
    (f) => resolve(options.cwd, f),
  );
  const absolute = new Set<string>();
  for (const word of words) {
    const expanded = expand(word, options.home);
    if (expanded === null) continue;
    for (const base of isAbsolute(expanded) ? [options.cwd] : bases) absolute.add(resolve(base, expanded));
  }
  const found = new Map<string, CommandPath>();
  const realpaths = new Map<string, string | null>();
  const unresolved = commands.flat().find((word) => expand(word, options.home) === null);
  for (const path of absolute) {
    for (const candidate of GLOB.test(path) ? expandGlob(path, realpaths) : [{ path, directory: false }]) {
      const { real, exists } = realpathNearest(candidate.path, realpaths);
      const directory = candidate.directory || (exists && isDirectory(real));
      const known = found.get(real);
      if (!known || (directory && !known.directory)) {
        found.set(real, { ...requestPath(real, options.workspaceRoot, options.extraRoots), directory });
      }
    }
  }
  return { paths: [...found.values()], unresolved };
}

/** `~`, `~/x`, `$HOME/x` and `${HOME}/x` expanded; null for words with other expansions (not resolvable). */
function expand(word: string, home: string): string | null {
  const homed = word.replace(/"/g, "").replace(/^(~|\$HOME|\$\{HOME\})(?=\/|$)/, home);
  return /\$[A-Za-z_{(]|`/.test(homed) ? null : homed;
}

/**
 * A glob as the shell expands it, one level: the entries of its folder that the last segment matches. A deeper
 * glob such as `a/*\/b` may reach anything below its first magic segment, so that folder itself counts instead
 * (as it does when it cannot be listed). A word that only looks like a glob (`'\033[31m'`) names no folder.
 */
function expandGlob(
  path: string,
  realpaths: Map<string, string | null>,
): Array<{ path: string; directory: boolean }> {
  let folder = path;
  while (GLOB.test(folder)) folder = dirname(folder);
  const whole = [{ path: folder, directory: true }];
  const last = basename(path);
  if (dirname(path) !== folder || !GLOB.test(last)) return whole;
  let entries: Dirent[] = [];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return whole;
  }
  const out: Array<{ path: string; directory: boolean }> = [];
  const pattern = globRegExp(last);
  const realFolder = realpathNearest(folder, realpaths).real;
  for (const entry of entries) {
    if (!pattern.test(entry.name)) continue;
    const entryPath = join(folder, entry.name);
    // Only a symlink needs resolving: any other entry's real path is its real folder's plus its name.
    if (!entry.isSymbolicLink()) realpaths.set(entryPath, join(realFolder, entry.name));
    out.push({ path: entryPath, directory: entry.isDirectory() });
  }
  return out;
}

function globRegExp(segment: string): RegExp {
  let source = segment.startsWith(".") ? "" : "(?!\\.)";
  for (const c of segment) {
    source +=
      c === "*"
        ? "[^/]*"
        : c === "?"
          ? "[^/]"
          : c === "[" || c === "]"
            ? c
            : c.replace(/[\\^$.|+(){}]/g, "\\$&");
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    return /^/; // an odd bracket: treat every entry as named
  }
}

/** The real path, or for a path that does not exist, its nearest existing ancestor's real path plus the rest. */
/** The real path of `path`: symlinks in the part that exists resolved, the missing rest appended. */
export function realPathOf(path: string): string {
  return realpathNearest(path, new Map()).real;
}

function realpathNearest(path: string, cache: Map<string, string | null>): { real: string; exists: boolean } {
  const rest: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    let real = cache.get(current);
    if (real === undefined) {
      real = realpathOrNull(current);
      cache.set(current, real);
    }
    if (real !== null) return { real: join(real, ...rest.reverse()), exists: rest.length === 0 };
    if (dirname(current) === current) return { real: path, exists: false };
    rest.push(basename(current));
  }
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
