/**
 * Walk a directory tree the way `git` sees it: `.gitignore` files (root and nested) are honoured, `.git` is
 * always skipped, and `node_modules` too when the ignore root has no `.gitignore`. Yields the relative posix
 * paths of regular files, in sorted order. Symlinks are neither followed nor yielded.
 *
 * Every folder is opened from the one above it without following a symlink (policy/open-confined.ts), the first
 * one walked down from the workspace root: a folder swapped for a symlink to `~/.ssh` while the walk runs is
 * skipped, not listed. `walkEntries` hands out each file's open folder, so that its reader opens the very file
 * that was listed, never one behind a symlink swapped in meanwhile.
 */
import { constants, type Dirent, lstatSync, type Stats } from "node:fs";
import { type FileHandle, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Ignore } from "ignore";
import { type ConfinedDirectory, openConfinedChild, openConfinedDirectory } from "../policy/open-confined.ts";

export type WalkOptions = {
  signal?: AbortSignal;
  /**
   * Directory whose `.gitignore` files apply (usually the workspace root); must contain `dir`.
   * Defaults to `dir`. `.gitignore` files between it and `dir` are loaded too.
   */
  ignoreRoot?: string;
  /** Also yield directories, with a trailing `/`. */
  includeDirectories?: boolean;
  /** Files and directories (by absolute path) to leave out, e.g. those a `read` deny rule covers. */
  hidden?: (absolutePath: string) => boolean;
  /** The root (`Workspace.rootOf`) the start directory is opened from; must contain it. Defaults to `dir`. */
  root?: string;
};

/** A file (or, with includeDirectories, a folder) found by the walk. Valid until the walk moves on. */
export type WalkEntry = {
  /** Relative to the start directory, posix separators; a folder ends with `/`. */
  path: string;
  /** Opens the file read-only in the folder it was listed in, never following a symlink; null when gone. */
  open(): Promise<FileHandle | null>;
  /** The entry's lstat in that folder; undefined when gone. */
  lstat(): Stats | undefined;
};

type IgnoreLevel = { base: string; rules: Ignore };

/** Yields paths relative to `dir`, posix separators. */
export async function* walk(dir: string, options: WalkOptions = {}): AsyncGenerator<string> {
  for await (const entry of walkEntries(dir, options)) yield entry.path;
}

/**
 * Yields the entries below `dir`; see WalkEntry. Throws a ToolError when `dir` itself is no longer a plain
 * folder inside the root (swapped since it was checked); nothing when it is gone.
 */
export async function* walkEntries(dir: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const ignoreRoot = options.ignoreRoot ?? dir;
  const fromRoot = toPosix(relative(ignoreRoot, dir));
  const levels: IgnoreLevel[] = [];
  const rootRules = await loadGitignore(ignoreRoot);
  const skipNodeModules = rootRules === null;
  if (rootRules) levels.push({ base: "", rules: rootRules });
  // .gitignore files between the ignore root and the start directory.
  if (fromRoot !== "" && !fromRoot.startsWith("..")) {
    const parts = fromRoot.split("/");
    for (let i = 1; i < parts.length; i++) {
      const base = parts.slice(0, i).join("/");
      const rules = await loadGitignore(join(ignoreRoot, base));
      if (rules) levels.push({ base, rules });
    }
  }
  const prefix = fromRoot === "" || fromRoot.startsWith("..") ? "" : `${fromRoot}/`;
  const start = await openConfinedDirectory(options.root ?? dir, dir, { create: false });
  if (start === null) return;
  try {
    yield* walkDirectory(start, "", prefix, levels, skipNodeModules, options);
  } finally {
    await start.close();
  }
}

async function* walkDirectory(
  directory: ConfinedDirectory,
  relativeDir: string,
  rootPrefix: string,
  levels: IgnoreLevel[],
  skipNodeModules: boolean,
  options: WalkOptions,
): AsyncGenerator<WalkEntry> {
  options.signal?.throwIfAborted();
  let entries: Dirent[];
  try {
    entries = await readdir(directory.entryPath("."), { withFileTypes: true });
  } catch {
    return; // unreadable or vanished: skip quietly, like git does
  }
  const own = entries.some((e) => e.name === ".gitignore" && e.isFile())
    ? await loadOwnGitignore(directory)
    : null;
  const base = relativeDir === "" ? rootPrefix.slice(0, -1) : rootPrefix + relativeDir;
  const scoped = own ? [...levels, { base, rules: own }] : levels;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.isSymbolicLink()) continue;
    const isDirectory = entry.isDirectory();
    if (!isDirectory && !entry.isFile()) continue;
    if (entry.name === ".git" || (skipNodeModules && isDirectory && entry.name === "node_modules")) continue;
    const path = relativeDir === "" ? entry.name : `${relativeDir}/${entry.name}`;
    if (isIgnored(scoped, rootPrefix + path, isDirectory)) continue;
    if (options.hidden?.(join(directory.path, entry.name))) continue;
    const found: WalkEntry = {
      path: isDirectory ? `${path}/` : path,
      open: () => directory.openFile(entry.name, constants.O_RDONLY),
      lstat: () => lstatSync(directory.entryPath(entry.name), { throwIfNoEntry: false }),
    };
    if (!isDirectory) {
      yield found;
      continue;
    }
    if (options.includeDirectories) yield found;
    // Not a folder any more (a symlink swapped in since the listing): skipped, like a vanished one.
    const child = await openConfinedChild(directory, entry.name);
    if (child === null) continue;
    try {
      yield* walkDirectory(child, path, rootPrefix, scoped, skipNodeModules, options);
    } finally {
      await child.close();
    }
  }
}

/** The deepest `.gitignore` with an opinion on the path decides, as in git. */
function isIgnored(levels: IgnoreLevel[], pathFromRoot: string, isDirectory: boolean): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const { base, rules } = levels[i];
    const local = base === "" ? pathFromRoot : pathFromRoot.slice(base.length + 1);
    const result = rules.test(isDirectory ? `${local}/` : local);
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

async function loadGitignore(dir: string): Promise<Ignore | null> {
  return parseGitignore(readFile(join(dir, ".gitignore"), "utf8"));
}

/** The `.gitignore` of a folder being walked, opened in it (a symlink there is not followed). */
async function loadOwnGitignore(directory: ConfinedDirectory): Promise<Ignore | null> {
  const reading = directory.openFile(".gitignore", constants.O_RDONLY).then(async (handle) => {
    if (handle === null) throw new Error("gone");
    try {
      return await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  });
  return parseGitignore(reading);
}

async function parseGitignore(reading: Promise<string>): Promise<Ignore | null> {
  try {
    const text = await reading;
    // Loaded on first use: start-up does not pay for it.
    const { default: ignore } = await import("ignore");
    return ignore().add(text);
  } catch {
    return null;
  }
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}
