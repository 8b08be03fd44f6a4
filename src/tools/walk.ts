/**
 * Walk a directory tree the way `git` sees it: `.gitignore` files (root and nested) are honoured, `.git` is
 * always skipped, and `node_modules` too when the ignore root has no `.gitignore`. Yields the relative posix
 * paths of regular files, in sorted order. Symlinks are neither followed nor yielded.
 */
import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Ignore } from "ignore";

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
};

type IgnoreLevel = { base: string; rules: Ignore };

/** Yields paths relative to `dir`, posix separators. */
export async function* walk(dir: string, options: WalkOptions = {}): AsyncGenerator<string> {
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
  yield* walkDirectory(dir, "", prefix, levels, skipNodeModules, options);
}

async function* walkDirectory(
  absolute: string,
  relativeDir: string,
  rootPrefix: string,
  levels: IgnoreLevel[],
  skipNodeModules: boolean,
  options: WalkOptions,
): AsyncGenerator<string> {
  options.signal?.throwIfAborted();
  let entries: Dirent[];
  try {
    entries = await readdir(absolute, { withFileTypes: true });
  } catch {
    return; // unreadable or vanished: skip quietly, like git does
  }
  const own = entries.some((e) => e.name === ".gitignore" && e.isFile())
    ? await loadGitignore(absolute)
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
    if (options.hidden?.(join(absolute, entry.name))) continue;
    if (isDirectory) {
      if (options.includeDirectories) yield `${path}/`;
      const child = walkDirectory(
        join(absolute, entry.name),
        path,
        rootPrefix,
        scoped,
        skipNodeModules,
        options,
      );
      yield* child;
    } else {
      yield path;
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
  try {
    const text = await readFile(join(dir, ".gitignore"), "utf8");
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
