/**
 * The git aliases in effect in a directory, read from git's configuration files as git reads them, for the
 * command classifier (which expands aliases before classifying). Later sources win: the system file
 * ($GIT_CONFIG_SYSTEM or /etc/gitconfig), the global ones ($XDG_CONFIG_HOME/git/config, then ~/.gitconfig, or
 * $GIT_CONFIG_GLOBAL), the repository's (`.git/config`, found upwards from the directory, through a `.git`
 * file for worktrees and submodules, plus `config.worktree`), then $GIT_CONFIG_COUNT/KEY_n/VALUE_n.
 * Included files (`[include]` and `[includeIf "..."]` paths) are read too, their conditions not evaluated: an
 * alias that might apply is better classified than left unknown.
 */
import { existsSync, statSync } from "node:fs";
import { posix } from "node:path";

export type GitAliasOptions = {
  home: string;
  /** Environment variables git reads (GIT_DIR, GIT_CONFIG_GLOBAL, XDG_CONFIG_HOME, ...). */
  env: Record<string, string | undefined>;
  /** A text file's content, or undefined (missing, too large, not text). */
  read: (path: string) => string | undefined;
};

const MAX_FILES = 20;

/** A reader for ClassifyContext.gitAliases. Never throws. */
export function createGitAliasReader(options: GitAliasOptions): (cwd: string) => Record<string, string> {
  return (cwd) => {
    const aliases: Record<string, string> = {};
    const seen = new Set<string>();
    const load = (file: string | undefined) => {
      if (!file || seen.has(file) || seen.size >= MAX_FILES) return;
      seen.add(file);
      const text = options.read(file);
      if (text === undefined) return;
      const parsed = parseGitConfig(text);
      Object.assign(aliases, parsed.aliases);
      for (const include of parsed.includes) load(includePath(include, file, options.home));
    };
    try {
      const { env, home } = options;
      if (!env.GIT_CONFIG_NOSYSTEM) load(env.GIT_CONFIG_SYSTEM ?? "/etc/gitconfig");
      if (env.GIT_CONFIG_GLOBAL !== undefined) load(env.GIT_CONFIG_GLOBAL);
      else {
        load(posix.join(env.XDG_CONFIG_HOME || posix.join(home, ".config"), "git", "config"));
        load(posix.join(home, ".gitconfig"));
      }
      const gitDir = env.GIT_DIR ? posix.resolve(cwd, env.GIT_DIR) : findGitDir(cwd, options.read);
      if (gitDir) {
        const common = options.read(posix.join(gitDir, "commondir"))?.trim();
        load(posix.join(common ? posix.resolve(gitDir, common) : gitDir, "config"));
        load(posix.join(gitDir, "config.worktree"));
      }
      Object.assign(aliases, environmentAliases(env));
    } catch {
      // A directory we cannot look into has no aliases we can see.
    }
    return aliases;
  };
}

/** The repository's git directory for `cwd`: the nearest `.git` folder or `.git` file (`gitdir: ...`). */
function findGitDir(cwd: string, read: GitAliasOptions["read"]): string | undefined {
  for (let dir = posix.resolve(cwd); ; dir = posix.dirname(dir)) {
    const dotGit = posix.join(dir, ".git");
    if (existsSync(dotGit)) {
      if (statSync(dotGit).isDirectory()) return dotGit;
      const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(read(dotGit) ?? "");
      return pointer ? posix.resolve(dir, pointer[1]) : undefined;
    }
    if (dir === "/") return undefined;
  }
}

function includePath(path: string, from: string, home: string): string {
  if (path === "~" || path.startsWith("~/")) return posix.join(home, path.slice(1));
  return posix.resolve(posix.dirname(from), path);
}

function environmentAliases(env: GitAliasOptions["env"]): Record<string, string> {
  const aliases: Record<string, string> = {};
  const count = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10);
  for (let i = 0; i < Math.min(count, 100); i++) {
    const key = env[`GIT_CONFIG_KEY_${i}`]?.toLowerCase();
    if (key?.startsWith("alias.")) aliases[key.slice("alias.".length)] = env[`GIT_CONFIG_VALUE_${i}`] ?? "";
  }
  return aliases;
}

/** The `[alias]` entries (lower-case names) and include paths of one git config file. */
export function parseGitConfig(text: string): { aliases: Record<string, string>; includes: string[] } {
  const aliases: Record<string, string> = {};
  const includes: string[] = [];
  let section = "";
  const lines = text.replace(/\\\r?\n/g, "").split(/\r?\n/);
  for (const line of lines) {
    let rest = line.trim();
    const header = /^\[\s*([^\]\s"]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(rest);
    if (header) {
      section = header[1].toLowerCase().split(".")[0];
      rest = rest.slice(header[0].length).trim();
    }
    const entry = /^([A-Za-z][\w-]*)\s*(?:=(.*))?$/.exec(rest);
    if (!entry || /^[#;]/.test(rest)) continue;
    const key = entry[1].toLowerCase();
    const value = entry[2] === undefined ? "true" : configValue(entry[2]);
    if (section === "alias") aliases[key] = value;
    else if ((section === "include" || section === "includeif") && key === "path") includes.push(value);
  }
  return { aliases, includes };
}

/** A config value: quotes removed, escapes decoded, an unquoted comment cut off, outer blanks trimmed. */
function configValue(raw: string): string {
  let out = "";
  let quoted = false;
  let pendingSpace = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (!quoted && (c === "#" || c === ";")) break;
    if (c === '"') {
      quoted = !quoted;
      continue;
    }
    if (c === "\\") {
      const next = raw[++i] ?? "";
      out += pendingSpace + ({ n: "\n", t: "\t", b: "\b" }[next] ?? next);
      pendingSpace = "";
      continue;
    }
    if (!quoted && /\s/.test(c)) {
      if (out) pendingSpace += " ";
      continue;
    }
    out += pendingSpace + c;
    pendingSpace = "";
  }
  return out;
}
