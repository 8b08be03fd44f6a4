/**
 * Workspace confinement. Every path a tool touches goes through `resolve`, which returns the real absolute
 * path (symlinks and `..` resolved) or throws a ToolError when it lies outside the workspace root and its
 * extra roots. Read-only roots (e.g. the spill directory) may be read but not written.
 */
import { realpathSync } from "node:fs";
import { lstat, readlink, realpath } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve as resolvePath, sep } from "node:path";
import { ToolError } from "../protocol/tool-error.ts";

export type PathIntent = "read" | "write";

export type Workspace = {
  /** The real absolute path of the workspace root. */
  root: string;
  /** The real absolute path for `path`, or a ToolError when it is outside the workspace for this intent. */
  resolve(path: string, intent: PathIntent): Promise<string>;
  /** How to show a resolved path to the model: relative (posix) inside the root, absolute elsewhere. */
  display(realPath: string): string;
  /**
   * The root (the workspace root, an extra root, or for reads a read-only root) that holds `realPath`, the
   * innermost when roots nest; undefined when none does. Tools open files by walking down from it
   * (policy/open-confined.ts).
   */
  rootOf(realPath: string, intent: PathIntent): string | undefined;
};

export type WorkspaceOptions = {
  root: string;
  /** More directories that may be read and written. */
  extraRoots?: string[];
  /** Directories that may only be read. */
  readOnlyRoots?: string[];
};

const MAX_SYMLINK_HOPS = 40;

export function createWorkspace(options: WorkspaceOptions): Workspace {
  const root = realpathSync(resolvePath(options.root));
  const writable = [root, ...(options.extraRoots ?? []).map(realRootPath)];
  const readable = [...writable, ...(options.readOnlyRoots ?? []).map(realRootPath)];

  async function resolve(path: string, intent: PathIntent): Promise<string> {
    if (typeof path !== "string" || path.length === 0) {
      throw new ToolError("path is empty; pass a file path inside the workspace");
    }
    if (path.includes("\0")) throw new ToolError(`path ${JSON.stringify(path)} contains a NUL byte`);
    const absolute = resolvePath(root, expandLeadingHome(path));
    const real = await realpathLoose(absolute, path);
    const allowed = intent === "write" ? writable : readable;
    if (allowed.some((dir) => isInside(real, dir))) {
      if (intent === "write") await refuseHardLink(real, path);
      return real;
    }
    if (intent === "write" && readable.some((dir) => isInside(real, dir))) {
      throw new ToolError(
        `path ${JSON.stringify(path)} is in a read-only location; write inside the workspace (${root}) instead`,
      );
    }
    const via = real === absolute ? "" : ` (it resolves to ${real})`;
    throw new ToolError(
      `path ${JSON.stringify(path)} is outside the workspace (${root})${via}; use a path inside it`,
    );
  }

  function display(realPath: string): string {
    if (!isInside(realPath, root)) return realPath;
    const rel = relative(root, realPath);
    return rel === "" ? "." : rel.split(sep).join("/");
  }

  function rootOf(realPath: string, intent: PathIntent): string | undefined {
    const inside = (intent === "write" ? writable : readable).filter((dir) => isInside(realPath, dir));
    return inside.sort((a, b) => b.length - a.length)[0];
  }

  return { root, resolve, display, rootOf };
}

/**
 * A file with more than one hard link shares its content with another path, which may be outside the workspace
 * (realpath cannot see it): writing through it would change that file too. Refused.
 */
async function refuseHardLink(real: string, path: string): Promise<void> {
  const info = await lstat(real).catch(() => null);
  if (info?.isFile() && info.nlink > 1) {
    throw new ToolError(
      `path ${JSON.stringify(path)} is a hard link shared with ${info.nlink - 1} other path(s), possibly outside the workspace; writing it would change them too. Copy it to a new file instead`,
    );
  }
}

/** True when `path` is `dir` or below it. Both must be normalised absolute paths. */
export function isInside(path: string, dir: string): boolean {
  if (path === dir) return true;
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  return path.startsWith(prefix);
}

function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return path;
}

/** `$HOME` or `${HOME}` as the whole first segment of a path. */
const LEADING_HOME = /^\$(?:HOME|\{HOME\})(?=\/|$)/;

/**
 * A leading `~`, `$HOME` or `${HOME}` means the home directory, as in a shell (confinement then decides). Any
 * other leading `$NAME`, `${...}` or `~user` is refused: taken literally it would create a folder named `$FOO`
 * in the workspace, which is never what was meant.
 */
function expandLeadingHome(path: string): string {
  const home = LEADING_HOME.exec(path);
  if (home) return homedir() + path.slice(home[0].length);
  const first = path.split("/")[0];
  if (/^\$[A-Za-z_{]/.test(first) || /^~./.test(first)) {
    throw new ToolError(
      `path ${JSON.stringify(path)} starts with ${first}, which hearth does not expand (only ~ and $HOME ` +
        "are); write the path out in full",
    );
  }
  return expandHome(path);
}

function realRootPath(dir: string): string {
  const absolute = resolvePath(expandHome(dir));
  try {
    return realpathSync(absolute);
  } catch {
    return absolute; // not created yet; compared as given
  }
}

/**
 * realpath for paths that may not exist yet: the nearest existing ancestor is resolved and the missing
 * rest appended. A dangling symlink on the way is followed to where it points.
 */
async function realpathLoose(absolute: string, shown: string, hops = 0): Promise<string> {
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ELOOP") throw new ToolError(`path ${JSON.stringify(shown)} has a symlink loop`);
      if (code !== "ENOENT" && code !== "ENOTDIR") {
        throw new ToolError(`cannot resolve path ${JSON.stringify(shown)}: ${(error as Error).message}`);
      }
    }
    const target = await readlink(current).catch(() => null);
    if (target !== null) {
      // A dangling symlink: continue from its target, which may lie anywhere.
      if (hops >= MAX_SYMLINK_HOPS) throw new ToolError(`path ${JSON.stringify(shown)} has a symlink loop`);
      const next = resolvePath(dirname(current), target);
      return realpathLoose(join(next, ...missing.reverse()), shown, hops + 1);
    }
    const parent = dirname(current);
    if (parent === current || !isAbsolute(parent)) return absolute;
    missing.push(basename(current));
    current = parent;
  }
}
