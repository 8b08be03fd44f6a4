/**
 * Paths whose change can run code later or change hearth's own permissions: git internals (hooks, config),
 * hearth's settings, other tools' project settings that start programs (MCP servers, editor tasks), shell
 * start-up files, ssh and global git config, direnv scripts. Writing one through a file tool always needs an
 * explicit yes, in every mode (auto included), and no allow rule pre-approves it; commands see the workspace
 * ones and (when home is writable) the home ones read-only, whether or not they exist yet (policy/sandbox.ts).
 * Pure: no fs, no env.
 */
import { isAbsolute, relative, sep } from "node:path";

export type ProtectedPathContext = {
  /** Real absolute path of the home directory. */
  home: string;
  /** hearth's user config directory (user settings, trusted folders); default `~/.config/hearth`. */
  configDir?: string;
};

/** Shell start-up files, relative to home: each runs code in every new shell or session. */
export const SHELL_STARTUP = new Set([
  ".bashrc",
  ".bash_profile",
  ".bash_login",
  ".bash_logout",
  ".profile",
  ".zshrc",
  ".zshenv",
  ".zprofile",
  ".zlogin",
  ".zlogout",
  ".cshrc",
  ".tcshrc",
  ".kshrc",
  ".mkshrc",
  ".inputrc",
  ".login",
  ".logout",
  ".xprofile",
  ".xinitrc",
  ".xsessionrc",
  ".envrc",
]);

/** What another program reads and acts on, relative to the workspace (and each writable root). */
export type ProtectedName = {
  /** Posix path relative to the root. */
  path: string;
  /** What it is, for messages. */
  what: string;
  /** What it is when it exists: an empty folder standing in for a missing "file" is a leftover (sandbox.ts). */
  kind: "file" | "dir";
};

/**
 * The one list of protected names in a workspace: the file tools refuse them (protectedPathReason) and the
 * command sandbox keeps them read-only, existing or not. Each is matched at any depth by the file tools.
 */
export const WORKSPACE_PROTECTED: readonly ProtectedName[] = [
  { path: ".git/hooks", what: "a git hook", kind: "dir" },
  { path: ".git/config", what: "the repository's git config", kind: "file" },
  { path: ".hearth", what: "hearth project settings", kind: "dir" },
  { path: ".mcp.json", what: "MCP server settings, which start programs", kind: "file" },
  { path: ".vscode", what: "VS Code workspace settings and tasks", kind: "dir" },
  { path: ".idea", what: "JetBrains project settings and run configurations", kind: "dir" },
  { path: ".envrc", what: "a direnv script that runs on cd", kind: "file" },
  { path: ".claude/settings.json", what: "Claude Code settings, which run hooks", kind: "file" },
  { path: ".claude/settings.local.json", what: "Claude Code settings, which run hooks", kind: "file" },
];

/** Directories below home whose every file is protected, with what to call them. */
const HOME_DIRS: Array<[string, string]> = [
  [".config/fish", "a fish start-up file"],
  [".ssh", "ssh keys and config"],
  [".config/git", "the global git config"],
];

/**
 * Relative to home: protected for commands too when home lies inside a writable root (otherwise all of home is
 * read-only to them already).
 */
export const HOME_PROTECTED: readonly ProtectedName[] = [
  ...[...SHELL_STARTUP].map((path): ProtectedName => ({ path, what: "a shell start-up file", kind: "file" })),
  { path: ".gitconfig", what: "the global git config", kind: "file" },
  ...HOME_DIRS.map(([path, what]): ProtectedName => ({ path, what, kind: "dir" })),
];

/**
 * Why writing `realPath` needs an explicit yes, in a few words ("a git hook (.git/hooks/pre-commit)"), or
 * null when it is an ordinary path. `realPath` must be absolute with symlinks resolved. Directory names are
 * compared case-insensitively (`.GIT/hooks` is the same directory on macOS).
 */
export function protectedPathReason(realPath: string, context: ProtectedPathContext): string | null {
  const segments = realPath.split(sep).filter(Boolean);
  const lower = segments.map((s) => s.toLowerCase());

  const git = lower.indexOf(".git");
  if (git >= 0) {
    const shown = segments.slice(git).join("/");
    const next = lower[git + 1];
    if (next === "hooks") return `a git hook (${shown})`;
    if (next === "config") return `the repository's git config (${shown})`;
    return `git internals (${shown})`;
  }
  const hearth = lower.indexOf(".hearth");
  if (hearth >= 0) return `hearth project settings (${segments.slice(hearth).join("/")})`;

  const configDir = context.configDir ?? `${context.home}${sep}.config${sep}hearth`;
  if (below(realPath, configDir) !== null) return `hearth's own settings (${realPath})`;

  const name = lower[lower.length - 1] ?? "";
  if (name === ".envrc") return `a direnv script that runs on cd (${realPath})`;
  const named = namedInPath(segments, lower);
  if (named) return named;

  const inHome = below(realPath, context.home);
  if (inHome === null) return null;
  const home = inHome.split(sep).join("/");
  if (SHELL_STARTUP.has(home)) return `a shell start-up file (~/${home})`;
  if (home === ".gitconfig") return "the global git config (~/.gitconfig)";
  for (const [dir, what] of HOME_DIRS) {
    if (home === dir || home.startsWith(`${dir}/`)) return `${what} (~/${home})`;
  }
  return null;
}

/** The first WORKSPACE_PROTECTED name found in the path, at any depth ("VS Code ... (.vscode/tasks.json)"). */
function namedInPath(segments: string[], lower: string[]): string | null {
  for (const entry of WORKSPACE_PROTECTED) {
    const parts = entry.path.split("/");
    for (let i = 0; i + parts.length <= lower.length; i++) {
      if (parts.every((part, j) => lower[i + j] === part))
        return `${entry.what} (${segments.slice(i).join("/")})`;
    }
  }
  return null;
}

/** The path of `path` below `dir` ("" for `dir` itself), or null when it is not inside. */
function below(path: string, dir: string): string | null {
  const rel = relative(dir, path);
  if (rel === "") return "";
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return rel;
}
