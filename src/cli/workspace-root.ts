/** The workspace: --cwd or the current directory, and the extra roots from --add-dir and settings, as real paths. */
import { realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { UsageError } from "./args.ts";

export function workspaceRoot(dir: string | undefined): string {
  return realDirectory(dir ?? process.cwd(), "--cwd");
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
