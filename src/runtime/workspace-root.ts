/** The workspace: --cwd or the current directory, and the extra roots from --add-dir and settings, as real paths. */
import { realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { UsageError } from "../protocol/errors.ts";

/** The flag that lets a run's workspace be / or the home directory. */
export const BROAD_WORKSPACE_FLAG = "--allow-home-workspace";

export function workspaceRoot(dir: string | undefined): string {
  return realDirectory(dir ?? process.cwd(), "--cwd");
}

/**
 * The workspace of a run: as workspaceRoot, but / , the home directory and the folders above it are refused
 * unless `allowBroad` (every file the user has would be in the model's reach, and edits there are free in
 * `edits` and `auto`).
 */
export function runWorkspaceRoot(dir: string | undefined, allowBroad: boolean, home = homedir()): string {
  const root = workspaceRoot(dir);
  if (allowBroad) return root;
  const realHome = realOrSelf(home);
  const what =
    root === dirname(root)
      ? `${root} (the whole file system)`
      : root === realHome
        ? `your home directory (${root})`
        : realHome.startsWith(`${root}/`)
          ? `${root}, which holds your home directory`
          : null;
  if (what === null) return root;
  throw new UsageError(
    `the workspace would be ${what}: every file in it would be in the model's reach. ` +
      `Run hearth in a project folder (or --cwd <dir>), or pass ${BROAD_WORKSPACE_FLAG} if this is meant`,
  );
}

/** Extra roots: each must be an existing directory; relative paths are relative to the workspace, `~` is home. */
export function extraRoots(dirs: string[], root: string, what: string): string[] {
  return dirs.map((dir) => {
    const expanded = dir === "~" ? homedir() : dir.startsWith("~/") ? resolve(homedir(), dir.slice(2)) : dir;
    return realDirectory(resolve(root, expanded), what);
  });
}

function realDirectory(path: string, what: string): string {
  try {
    if (!statSync(path).isDirectory()) throw new Error();
    return realpathSync(path);
  } catch {
    throw new UsageError(`${what} "${path}" is not a directory`);
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
