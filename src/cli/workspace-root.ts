/** The workspace: --cwd or the current directory, as a real path. */
import { realpathSync, statSync } from "node:fs";
import { UsageError } from "./args.ts";

export function workspaceRoot(dir: string | undefined): string {
  const target = dir ?? process.cwd();
  try {
    if (!statSync(target).isDirectory()) throw new Error();
    return realpathSync(target);
  } catch {
    throw new UsageError(`--cwd "${target}" is not a directory`);
  }
}
