/**
 * Paths whose change can run code later or change hearth's own permissions: git internals (hooks, config),
 * hearth's settings, shell start-up files, ssh and global git config, direnv scripts. Writing one always needs
 * an explicit yes, in every mode (auto included), and no allow rule pre-approves it. Pure: no fs, no env.
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

/** Directories below home whose every file is protected, with what to call them. */
const HOME_DIRS: Array<[string, string]> = [
  [".config/fish", "a fish start-up file"],
  [".ssh", "ssh keys and config"],
  [".config/git", "the global git config"],
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

/** The path of `path` below `dir` ("" for `dir` itself), or null when it is not inside. */
function below(path: string, dir: string): string | null {
  const rel = relative(dir, path);
  if (rel === "") return "";
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return rel;
}
