/**
 * Memory files: standing instructions for the agent, read into the system prompt once per session.
 *
 * - The user's own file: `<configDir>/AGENTS.md` (`$XDG_CONFIG_HOME/hearth/AGENTS.md`), first.
 * - The project's: in each directory from the repository root (the nearest directory above the workspace that
 *   holds `.git`) down to the workspace root, `AGENTS.md`, else `CLAUDE.md`, else `GEMINI.md`; outermost first.
 *   Without a repository, only the workspace root is looked at. Nothing above the repository root is read.
 *
 * A project file is the repository's text, so it is labelled with its path, capped in size, and refused when it
 * is a link leading out of the repository (a cloned repo must not pull `~/.ssh/id_rsa` into a prompt).
 * Problems (an unreadable file, a link out) are reported, never thrown.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";

/** Per directory, the first of these that exists is used. */
export const MEMORY_FILE_NAMES = ["AGENTS.md", "CLAUDE.md", "GEMINI.md"] as const;

/** Longest part of one file that goes into the prompt. */
export const DEFAULT_MEMORY_MAX_BYTES = 32 * 1024;

export type MemoryFile = {
  path: string;
  scope: "user" | "project";
  /** What goes into the prompt: the file's text, cut to the cap with a note when longer. */
  content: string;
  /** The file's size on disk. */
  bytes: number;
  truncated: boolean;
};

export type ProjectMemory = {
  /** The user's file first, then the project's from the outermost directory to the innermost. */
  files: MemoryFile[];
  /** The nearest directory at or above the workspace that holds `.git`; absent outside a repository. */
  repoRoot?: string;
  /** One line each, for stderr. */
  problems: string[];
};

export type ProjectMemoryOptions = {
  /** The workspace root, a real absolute path. */
  workspaceRoot: string;
  /** hearth's config directory (hearthPaths(env).configDir); its AGENTS.md is the user's file. */
  configDir: string;
  maxBytes?: number;
};

export function loadProjectMemory(options: ProjectMemoryOptions): ProjectMemory {
  const maxBytes = options.maxBytes ?? DEFAULT_MEMORY_MAX_BYTES;
  const files: MemoryFile[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const add = (path: string, scope: MemoryFile["scope"], boundary?: string) => {
    const found = readMemoryFile(path, scope, maxBytes, boundary);
    if (found.problem) problems.push(found.problem);
    if (found.file && !seen.has(found.real)) {
      seen.add(found.real);
      files.push(found.file);
    }
    return found.exists;
  };

  add(join(options.configDir, "AGENTS.md"), "user");
  const repoRoot = findRepoRoot(options.workspaceRoot);
  const boundary = repoRoot ?? options.workspaceRoot;
  for (const dir of directoriesDown(boundary, options.workspaceRoot)) {
    for (const name of MEMORY_FILE_NAMES) {
      if (add(join(dir, name), "project", boundary)) break;
    }
  }
  return repoRoot ? { files, repoRoot, problems } : { files, problems };
}

/** The nearest directory at or above `dir` holding `.git` (a directory, or a file in worktrees and submodules). */
export function findRepoRoot(dir: string): string | undefined {
  let current = dir;
  for (;;) {
    if (existsSync(join(current, ".git"))) return current;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** From `top` down to `bottom` (which is `top` or below it), both included. */
function directoriesDown(top: string, bottom: string): string[] {
  const dirs = [bottom];
  let current = bottom;
  while (current !== top) {
    const parent = dirname(current);
    if (parent === current) break;
    dirs.push(parent);
    current = parent;
  }
  return dirs.reverse();
}

type Found = { exists: boolean; real: string; file?: MemoryFile; problem?: string };

/** `exists` is true when the name is taken (even by a file we refuse), so the next name is not tried. */
function readMemoryFile(
  path: string,
  scope: MemoryFile["scope"],
  maxBytes: number,
  boundary?: string,
): Found {
  let real: string;
  try {
    if (!statSync(path).isFile()) return { exists: false, real: path };
    real = realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { exists: false, real: path };
    return { exists: true, real: path, problem: `memory file ${path} skipped: ${code ?? "cannot read it"}` };
  }
  if (boundary !== undefined && !isInside(real, realOrSelf(boundary))) {
    return {
      exists: true,
      real,
      problem: `memory file ${path} skipped: it links to ${real}, outside the repository`,
    };
  }
  try {
    const { text, bytes } = readHead(real, maxBytes);
    const truncated = bytes > maxBytes;
    const content = truncated
      ? `${text}\n[truncated: the first ${Buffer.byteLength(text)} of ${bytes} bytes]`
      : text;
    return { exists: true, real, file: { path, scope, content, bytes, truncated } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { exists: true, real, problem: `memory file ${path} skipped: ${code ?? "cannot read it"}` };
  }
}

/** The first `maxBytes` bytes as text, cut back to a whole UTF-8 character, and the file's size. */
function readHead(path: string, maxBytes: number): { text: string; bytes: number } {
  const fd = openSync(path, "r");
  try {
    const bytes = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(bytes, maxBytes));
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    let end = filled;
    if (bytes > maxBytes) {
      // Step back over continuation bytes (10xxxxxx) and the lead byte of a character cut in half.
      let start = end;
      while (start > 0 && (buffer[start - 1] & 0xc0) === 0x80) start--;
      if (start > 0 && buffer[start - 1] >= 0xc0 && end - start + 1 < utf8Length(buffer[start - 1]))
        end = start - 1;
    }
    return { text: buffer.subarray(0, end).toString("utf8"), bytes };
  } finally {
    closeSync(fd);
  }
}

function utf8Length(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return 2;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
