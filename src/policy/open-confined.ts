/**
 * Opening what was checked. `Workspace.resolve` decides on a real path; a process that swaps a folder on that
 * path for a symlink afterwards would redirect a plain open-by-path to wherever the link points (a write into
 * `~/.ssh`, a read of a secret). Here the directory is opened by walking the checked real path down from its
 * root one component at a time, never following a symlink (O_NOFOLLOW | O_DIRECTORY on each step), and files
 * in it are then named through the open directory (`/proc/self/fd/<fd>/<name>`, what openat does), so every
 * later open, create and rename happens in the very directory that was checked.
 *
 * Where /proc is missing (macOS), each step is checked with lstat just before use instead: a narrower window,
 * not none.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  type Stats,
} from "node:fs";
import { type FileHandle, lstat, mkdir, open, readlink, rmdir, unlink } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";
import { ToolError } from "../protocol/tool-error.ts";
import type { PathIntent, Workspace } from "./workspace.ts";

export type ConfinedDirectory = {
  /** The real path that was checked and opened. */
  readonly path: string;
  /** A path for `name` in this very directory, whatever happens to the path above it meanwhile. */
  entryPath(name: string): string;
  /** Opens `name` in the directory without following a symlink; null when it does not exist. */
  openFile(name: string, flags: number, mode?: number): Promise<FileHandle | null>;
  /** Flushes the directory itself (after a rename), where the platform allows it. */
  sync(): Promise<void>;
  close(): Promise<void>;
};

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
const DIRECTORY_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

let procFd: boolean | undefined;
/** True where directories can be named by descriptor (Linux). */
function hasProcFd(): boolean {
  procFd ??= process.platform === "linux" && existsSync("/proc/self/fd");
  return procFd;
}

/**
 * Opens `dir` (a real path inside `root`, itself a real path) by walking down from `root` without following
 * symlinks. A missing component is created when `create` is set; otherwise the result is null. Throws a
 * ToolError when a component is a symlink or not a directory (a path that changed since it was checked).
 */
export async function openConfinedDirectory(
  root: string,
  dir: string,
  options: { create: boolean },
): Promise<ConfinedDirectory | null> {
  const segments = segmentsBelow(root, dir);
  if (!hasProcFd()) return walkByPath(root, segments, options);

  let current = await open(root, DIRECTORY_FLAGS).catch(() => {
    throw changed(root);
  });
  try {
    let path = root;
    for (const segment of segments) {
      path = join(path, segment);
      const at = `/proc/self/fd/${current.fd}/${segment}`;
      let next = await openDirectory(at, path);
      if (next === null) {
        if (!options.create) {
          await current.close();
          return null;
        }
        // mkdir never follows a symlink in the last component: a link put there makes it fail (EEXIST).
        await mkdir(at).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error;
        });
        next = await openDirectory(at, path);
        if (next === null) throw changed(path);
      }
      await current.close();
      current = next;
    }
    // The walk opened `dir` itself; make sure nothing moved it meanwhile.
    const opened = await readlink(`/proc/self/fd/${current.fd}`);
    if (opened !== dir) throw changed(dir);
    return byDescriptor(current, dir);
  } catch (error) {
    await current.close().catch(() => {});
    throw error;
  }
}

/** The path components from `root` down to `dir`; throws when `dir` is not inside `root`. */
function segmentsBelow(root: string, dir: string): string[] {
  const rel = relative(root, dir);
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new Error(`${dir} is not inside ${root}`);
  return rel === "" ? [] : rel.split(sep);
}

/** The directory at `at`, null when it does not exist; a symlink or a file there is a changed path. */
async function openDirectory(at: string, shown: string): Promise<FileHandle | null> {
  try {
    return await open(at, DIRECTORY_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ENOTDIR" || code === "ELOOP") throw changed(shown);
    throw error;
  }
}

function byDescriptor(handle: FileHandle, path: string): ConfinedDirectory {
  const entryPath = (name: string) => `/proc/self/fd/${handle.fd}/${name}`;
  return {
    path,
    entryPath,
    openFile: (name, flags, mode) => openEntry(entryPath(name), join(path, name), flags, mode),
    sync: () => handle.sync().catch(() => {}),
    close: () => handle.close().catch(() => {}),
  };
}

async function walkByPath(
  root: string,
  segments: string[],
  options: { create: boolean },
): Promise<ConfinedDirectory | null> {
  let path = root;
  for (const segment of [null, ...segments]) {
    if (segment !== null) path = join(path, segment);
    const info = await lstat(path).catch(() => null);
    if (info === null && segment !== null && options.create) {
      await mkdir(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
    } else if (info === null) {
      if (segment === null) throw changed(path);
      return null;
    } else if (!info.isDirectory()) throw changed(path);
  }
  const dir = path;
  return {
    path: dir,
    entryPath: (name) => join(dir, name),
    openFile: (name, flags, mode) => openEntry(join(dir, name), join(dir, name), flags, mode),
    sync: async () => {
      const handle = await open(dir, O_RDONLY).catch(() => null);
      await handle?.sync().catch(() => {});
      await handle?.close();
    },
    close: async () => {},
  };
}

async function openEntry(
  at: string,
  shown: string,
  flags: number,
  mode?: number,
): Promise<FileHandle | null> {
  try {
    // O_NONBLOCK: opening a FIFO must not hang the tool (regular files ignore the flag).
    return await open(at, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw changed(shown);
    throw error;
  }
}

function changed(path: string): ToolError {
  return new ToolError(
    `${path} is not a plain folder or file inside the workspace (a file where a folder should be, or a ` +
      "symlink that appeared after the path was checked); nothing was read or written there",
  );
}

/**
 * What a non-regular file is, for a message ("a FIFO (named pipe)", "a socket", ...); null for a regular file.
 * Entries are opened with O_NONBLOCK, so a FIFO opens at once and is told apart here, before any read.
 */
export function nonRegularKind(
  info: Pick<
    Stats,
    | "isFile"
    | "isDirectory"
    | "isFIFO"
    | "isSocket"
    | "isCharacterDevice"
    | "isBlockDevice"
    | "isSymbolicLink"
  >,
): string | null {
  if (info.isFile()) return null;
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isSymbolicLink()) return "a symlink";
  return "not a regular file";
}

/** A file's directory, opened confined, and the file's name in it. */
export type ConfinedEntry = { directory: ConfinedDirectory; name: string };

/**
 * Opens the directory of `realPath` (from `workspace.resolve` with the same intent) confined to the root that
 * holds it. Null when the directory does not exist and `create` is not set. A root itself is a directory,
 * never a file: a ToolError says so.
 */
export async function openConfinedParent(
  workspace: Workspace,
  realPath: string,
  intent: PathIntent,
  options: { create: boolean },
): Promise<ConfinedEntry | null> {
  const root = workspace.rootOf(realPath, intent);
  if (root === undefined) throw new ToolError(`${realPath} is outside the workspace`);
  if (root === realPath)
    throw new ToolError(`${workspace.display(realPath)} is a directory; pass a file path`);
  const directory = await openConfinedDirectory(root, dirname(realPath), options);
  return directory && { directory, name: basename(realPath) };
}

/**
 * Opens the folder `name` in `parent` without following a symlink, for walking a tree the same way; null when
 * it is not a folder there (gone, or swapped for a symlink or a file since it was listed).
 */
export async function openConfinedChild(
  parent: ConfinedDirectory,
  name: string,
): Promise<ConfinedDirectory | null> {
  const path = join(parent.path, name);
  if (!hasProcFd()) return walkByPath(parent.path, [name], { create: false }).catch(() => null);
  const handle = await open(parent.entryPath(name), DIRECTORY_FLAGS).catch(() => null);
  return handle && byDescriptor(handle, path);
}

/** A regular file's bytes and permission bits; null when there is none; "not-a-file" for anything else. */
export type FileSnapshot = { content: Buffer; mode: number } | null | "not-a-file";

/**
 * Reads `realPath` (inside `root`) the way openConfinedDirectory opens: its folder walked down from `root`
 * without following a symlink, the file opened without following one and checked to be the regular file seen
 * there. Synchronous, for callers that cannot wait (the undo checkpoint written as the process exits). A
 * symlink or a file where a folder should be throws a ToolError; a missing folder or file is null.
 */
export function readConfinedFileSync(root: string, realPath: string): FileSnapshot {
  const segments = segmentsBelow(root, dirname(realPath));
  const name = basename(realPath);
  if (!hasProcFd()) {
    let path = root;
    for (const segment of [null, ...segments]) {
      if (segment !== null) path = join(path, segment);
      const info = lstatSync(path, { throwIfNoEntry: false });
      if (info === undefined) return null;
      if (!info.isDirectory()) throw changed(path);
    }
    return readEntrySync(join(path, name));
  }
  let fd = openDirectorySync(root, root);
  if (fd === null) throw changed(root);
  try {
    let path = root;
    for (const segment of segments) {
      path = join(path, segment);
      const next = openDirectorySync(`/proc/self/fd/${fd}/${segment}`, path);
      if (next === null) return null;
      closeSync(fd);
      fd = next;
    }
    if (readlinkSync(`/proc/self/fd/${fd}`) !== dirname(realPath)) throw changed(dirname(realPath));
    return readEntrySync(`/proc/self/fd/${fd}/${name}`);
  } finally {
    closeSync(fd);
  }
}

function openDirectorySync(at: string, shown: string): number | null {
  try {
    return openSync(at, DIRECTORY_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ENOTDIR" || code === "ELOOP") throw changed(shown);
    throw error;
  }
}

/** The regular file at `at` (its last component not followed), as seen by lstat and then by the open. */
function readEntrySync(at: string): FileSnapshot {
  const seen = lstatSync(at, { throwIfNoEntry: false });
  if (seen === undefined) return null;
  if (!seen.isFile()) return "not-a-file";
  let fd: number;
  try {
    fd = openSync(at, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") return "not-a-file";
    throw error;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.ino !== seen.ino || info.dev !== seen.dev) return "not-a-file";
    return { content: readFileSync(fd), mode: info.mode & 0o7777 };
  } finally {
    closeSync(fd);
  }
}

/**
 * Deletes the regular file `realPath` (inside `root`) in its folder opened confined (an unlink in the very
 * folder that was checked), then the folders from its own up to `emptyFoldersUpTo` (the ones a write made for
 * it) while they are empty, each removed from its parent opened confined. False when the file was not there.
 * Anything but a regular file (a folder, a symlink swapped in) is refused with a ToolError.
 */
export async function removeConfinedFile(
  root: string,
  realPath: string,
  options: { emptyFoldersUpTo?: string } = {},
): Promise<boolean> {
  const directory = await openConfinedDirectory(root, dirname(realPath), { create: false });
  if (directory === null) return false;
  try {
    const at = directory.entryPath(basename(realPath));
    const info = await lstat(at).catch(() => null);
    if (info === null) return false;
    if (!info.isFile()) throw new ToolError(`${realPath} is no longer a regular file; move it away first`);
    await unlink(at);
  } finally {
    await directory.close();
  }
  const top = options.emptyFoldersUpTo;
  if (top === undefined || (top !== root && !top.startsWith(root + sep))) return true;
  for (let dir = dirname(realPath); dir !== root && (dir === top || dir.startsWith(top + sep)); ) {
    const parent = await openConfinedDirectory(root, dirname(dir), { create: false }).catch(() => null);
    if (parent === null) break;
    const removed = await rmdir(parent.entryPath(basename(dir))).then(
      () => true,
      () => false,
    );
    await parent.close();
    if (!removed || dir === top) break;
    dir = dirname(dir);
  }
  return true;
}
