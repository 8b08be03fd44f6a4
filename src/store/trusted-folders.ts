/**
 * The folders whose project settings (`.hearth/settings.json`) the user trusts: their allow rules and
 * permission mode apply. Kept in `$XDG_CONFIG_HOME/hearth/trusted-folders.json` as
 * `{ "folders": ["/real/path", ...] }`, mode 0600, written atomically (temp file + rename) so a crash never
 * leaves half a file. Trusting a folder trusts everything below it. A broken file is reported, never thrown,
 * and trusts nothing.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import * as z from "zod/mini";
import { hearthPaths } from "./paths.ts";

export type TrustedFolders = {
  /** Real absolute paths, in the order they were added. */
  folders: string[];
  /** Why the file could not be used (it then trusts nothing); absent when it was fine or missing. */
  problem?: string;
};

const FileSchema = z.object({ folders: z.array(z.string().check(z.minLength(1))) });

export function trustedFoldersPath(env: NodeJS.ProcessEnv, home?: string): string {
  return join(hearthPaths(env, home).configDir, "trusted-folders.json");
}

/** Read the list. A missing file is an empty list; an unreadable or malformed one is a `problem`. */
export function readTrustedFolders(file: string): TrustedFolders {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { folders: [] };
    return { folders: [], problem: `${file}: cannot read: ${code ?? (error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      folders: [],
      problem: `${file}: invalid JSON; fix it or delete it and run \`hearth trust\` again`,
    };
  }
  const parsed = z.safeParse(FileSchema, json);
  if (!parsed.success || parsed.data.folders.some((f) => !isAbsolute(f))) {
    return {
      folders: [],
      problem: `${file}: expected {"folders": ["/absolute/path", ...]}; fix it or delete it and run \`hearth trust\` again`,
    };
  }
  return { folders: parsed.data.folders };
}

/** Write the list atomically with mode 0600. Returns a problem message instead of throwing. */
export function writeTrustedFolders(file: string, folders: string[]): string | null {
  const temp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temp, `${JSON.stringify({ folders }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    renameSync(temp, file);
    return null;
  } catch (error) {
    rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    return `${file}: cannot write: ${code ?? (error as Error).message}`;
  }
}

/** The trusted folder that covers `dir` (itself or an ancestor), or null. Both are real absolute paths. */
export function trustingFolder(folders: string[], dir: string): string | null {
  return folders.find((folder) => isInsideDir(dir, folder)) ?? null;
}

/** Is `dir` (a real absolute path) trusted? Reads the file; a broken file trusts nothing. */
export function isTrustedFolder(file: string, dir: string): { trusted: boolean; problem?: string } {
  const list = readTrustedFolders(file);
  const trusted = trustingFolder(list.folders, dir) !== null;
  return list.problem ? { trusted, problem: list.problem } : { trusted };
}

function isInsideDir(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
