/**
 * What the command sandbox mounts where, worked out from the file system before each command: which roots are
 * writable, which paths inside them stay read-only (protected-paths.ts, existing or not), which are hidden
 * (secret stores, read deny rules, sockets that lead out), and which folders are pinned so that renaming a parent
 * cannot carry a protected or hidden path away. The bwrap and Seatbelt builders (sandbox.ts) only translate it.
 *
 * A missing protected path gets an empty read-only folder at its first missing ancestor while commands run
 * (bwrap must create the mount point on the host; a folder, unlike an empty file, is invisible to `git status`
 * and `git add`). Made and removed for every command, those folders cost ~2 ms each on a busy ext4 and make file
 * watchers fire, so a run keeps the ones it made (`SandboxSpec.placeholders`) until it ends and then removes them
 * with `releasePlaceholders`; without that set they are removed after each command. An empty folder where a file
 * belongs that no run holds is a stand-in a killed run left behind, and is removed. One exception: a missing `.git`
 * is left creatable, so that `git init` works; its hooks and config are read-only from the next command on.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, rmdirSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { HOME_PROTECTED, type ProtectedName, WORKSPACE_PROTECTED } from "./protected-paths.ts";
import { secretStorePaths } from "./secret-stores.ts";
import { isInside } from "./workspace.ts";

export type SandboxSpec = {
  workspaceRoot: string;
  /** Extra directories that may be written (`--add-dir`), besides the workspace and the temp dir. */
  writableRoots: string[];
  /** Paths that stay read-only even inside a writable root (only those that exist are bound). */
  readOnlyPaths?: string[];
  /**
   * Paths whose content commands must not see, besides the secret stores below HOME (secret-stores.ts): hearth's
   * own config folder, files a read deny rule covers. Each that exists is covered with an empty read-only folder
   * or file.
   */
  hiddenPaths?: string[];
  allowNetwork: boolean;
  /** The user's temp dir (TMPDIR or /tmp): writable, and TMPDIR inside, when no scratchDir is given. */
  tmpDir: string;
  /**
   * The run's own scratch folder: when given, the only writable part of the temp dir, and TMPDIR inside. The
   * rest of the temp dir stays read-only, so no command can delete or overwrite someone else's files there.
   */
  scratchDir?: string;
  /** The host environment, for HOME, XDG_RUNTIME_DIR and SSH_AUTH_SOCK. Defaults to process.env. */
  hostEnv?: NodeJS.ProcessEnv;
  /**
   * The stand-in folders this run made, kept from one command to the next (wrapCommand adds to it); remove them
   * with releasePlaceholders when the run ends. Absent: each command's stand-ins are removed after it.
   */
  placeholders?: Set<string>;
};

export type MountPlan = {
  workspace: string;
  tmp: string | null;
  /** HOME, when it lies inside the temp dir (it must stay read-only there). */
  home: string | null;
  /** Writable roots, parents before children. */
  writable: string[];
  /** Existing folders inside writable roots bound onto themselves (a mount point cannot be renamed), parents first. */
  pinned: string[];
  /** Existing paths to keep read-only. */
  readOnly: string[];
  /** Missing protected paths: an empty read-only folder stands in for each, removed after the command. */
  placeholders: string[];
  /** Directories full of sockets to cover with an empty tmpfs. */
  socketDirs: string[];
  /** Socket files to cover with /dev/null. */
  socketFiles: string[];
  /** Folders to show empty (secret stores, read deny rules); writes there vanish with the command. */
  hiddenDirs: string[];
  /** Files to show as /dev/null (secret stores, read deny rules). */
  hiddenFiles: string[];
};

/** Unix sockets that lead out of any sandbox (container engines, init, the system bus). */
const HOST_SOCKETS = [
  "/run/docker.sock",
  "/var/run/docker.sock",
  "/run/podman/podman.sock",
  "/run/containerd/containerd.sock",
  "/run/dbus/system_bus_socket",
  "/run/systemd/private",
];

export function planMounts(spec: SandboxSpec): MountPlan {
  const hostEnv = spec.hostEnv ?? process.env;
  const workspace = realpathSync(spec.workspaceRoot);
  // With a scratch folder, only it is writable of the temp dir: other people's files there stay out of reach.
  const tmp = real(spec.scratchDir) || real(spec.tmpDir) || null;
  const homeReal = real(hostEnv.HOME);
  const home = homeReal && tmp && homeReal !== tmp && isInside(homeReal, tmp) ? homeReal : null;
  const roots = unique([workspace, ...spec.writableRoots.map(real)]).sort((a, b) => a.length - b.length);
  const writableAll = tmp ? [tmp, ...roots] : roots;

  const protect: Protection = { readOnly: [], placeholders: [], held: spec.placeholders };
  for (const root of roots) {
    protectNames(root, WORKSPACE_PROTECTED, protect);
    const git = join(root, ".git");
    if (isFile(git)) {
      // A worktree or submodule: `.git` names the real git dir, whose hooks and config matter.
      const gitDir = linkedGitDir(root, git);
      if (gitDir) protect.readOnly.push(join(gitDir, "hooks"), join(gitDir, "config"));
    }
  }
  // Shell start-up files and the like run outside any sandbox: protected wherever home is writable.
  if (homeReal && !home && roots.some((root) => isInside(homeReal, root))) {
    protectNames(homeReal, HOME_PROTECTED, protect);
  }
  protect.readOnly.push(...(spec.readOnlyPaths ?? []));
  const readOnly = unique(protect.readOnly.map(real));

  const runtimeDir = hostEnv.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? ""}`;
  const socketDirs = unique([runtimeDir, "/tmp/.X11-unix"].map(real)).filter(
    (dir) => isDirectory(dir) && !writableAll.some((root) => isInside(root, dir)),
  );
  const socketFiles = unique([...HOST_SOCKETS, hostEnv.SSH_AUTH_SOCK ?? ""].map(real)).filter(
    (file) => !socketDirs.some((dir) => isInside(file, dir)),
  );
  const hiddenDirs: string[] = [];
  const hiddenFiles: string[] = [];
  const secrets = [...(homeReal ? secretStorePaths(homeReal) : []), ...(spec.hiddenPaths ?? [])];
  for (const path of unique(secrets.map(real))) {
    // Never cover a root the command works in (a rule hiding a parent of the workspace).
    if (writableAll.some((root) => isInside(root, path))) continue;
    (isDirectory(path) ? hiddenDirs : hiddenFiles).push(path);
  }

  const covered = [...readOnly, ...protect.placeholders, ...hiddenDirs, ...hiddenFiles];
  return {
    workspace,
    tmp,
    home,
    writable: roots,
    pinned: pinnedAncestors(covered, roots),
    readOnly,
    placeholders: unique(protect.placeholders),
    socketDirs,
    socketFiles,
    hiddenDirs,
    hiddenFiles,
  };
}

/** Takes away the stand-ins for missing protected paths once the command is over (only while still empty). */
export function removePlaceholders(plan: MountPlan): void {
  removeEmptyFolders(plan.placeholders);
}

/** At the end of a run: takes away the stand-ins it kept (only while still empty). */
export function releasePlaceholders(held: Set<string>): void {
  removeEmptyFolders([...held].sort((a, b) => a.length - b.length));
  held.clear();
}

function removeEmptyFolders(paths: string[]): void {
  for (const path of [...paths].reverse()) {
    try {
      rmdirSync(path);
    } catch {
      // not empty (someone else made it meanwhile), or already gone: leave it
    }
  }
}

type Protection = { readOnly: string[]; placeholders: string[]; held?: Set<string> };

function protectNames(root: string, names: readonly ProtectedName[], out: Protection): void {
  for (const name of names) {
    const parts = name.path.split("/");
    const path = join(root, ...parts);
    let stat = lstat(path);
    const standIn = stat?.isDirectory() === true && isEmptyDirectory(path);
    if (out.held?.has(path)) {
      if (standIn) {
        out.placeholders.push(path);
        continue;
      }
      out.held.delete(path); // someone filled it: theirs now, protected as an existing path
    } else if (standIn && name.kind === "file") {
      // An empty folder where a file belongs is a stand-in a killed run left behind.
      removeEmptyFolders([path]);
      stat = lstat(path);
    }
    if (stat) {
      out.readOnly.push(path);
      continue;
    }
    const missing = firstMissing(root, parts, out.held);
    // A missing `.git` stays creatable: `git init` must work.
    if (missing !== null && missing !== join(root, ".git")) out.placeholders.push(missing);
  }
}

/**
 * The first missing path from `root` down to `parts` (or a stand-in this run holds on the way, which covers it),
 * or null when an existing part is not a folder.
 */
function firstMissing(root: string, parts: string[], held?: Set<string>): string | null {
  let path = root;
  for (const part of parts) {
    path = join(path, part);
    const stat = lstat(path);
    if (!stat) return path;
    if (!stat.isDirectory()) return null;
    if (held?.has(path) && isEmptyDirectory(path)) return path;
  }
  return null;
}

/** Folders strictly between a writable root and each covered path inside it, parents first. */
function pinnedAncestors(paths: string[], roots: string[]): string[] {
  const pinned = new Set<string>();
  for (const path of paths) {
    const root = roots.filter((r) => r !== path && isInside(path, r)).sort((a, b) => b.length - a.length)[0];
    if (!root) continue;
    for (let dir = dirname(path); dir !== root && isInside(dir, root); dir = dirname(dir)) {
      if (isDirectory(dir)) pinned.add(dir);
    }
  }
  return [...pinned].sort((a, b) => a.length - b.length);
}

function linkedGitDir(root: string, dotGit: string): string | null {
  try {
    const match = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"));
    return match ? resolve(root, match[1]) : null;
  } catch {
    return null;
  }
}

/** The real path, or "" when there is none (`unique` drops empty strings). */
function real(path: string | undefined): string {
  // Most candidates do not exist: a failed lstat is much cheaper than the error realpath throws.
  if (!path || !lstat(path)) return "";
  try {
    return realpathSync.native(path);
  } catch {
    return "";
  }
}

function unique(paths: string[]): string[] {
  return [...new Set(paths.filter((path) => path !== ""))];
}

function lstat(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR, EACCES: nothing there to mount over
  }
}

function isDirectory(path: string): boolean {
  return lstat(path)?.isDirectory() === true;
}

function isFile(path: string): boolean {
  return lstat(path)?.isFile() === true;
}

function isEmptyDirectory(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
}
