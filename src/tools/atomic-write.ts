/**
 * Replacing a file so that it is always either its old content or its new one, never a part: a full disk, a
 * crash or a `kill -9` halfway leave the original as it was. The new content goes to a temp file in the same
 * (confined) directory, is flushed to disk, takes over the original's mode and owner, and is renamed over the
 * original in one step; then the directory is flushed so the rename itself survives a power cut. On any
 * failure the temp file is removed and the original is untouched. A temp file left by a process killed
 * halfway is removed by the next replacement of the same file once it is a minute old.
 */
import { constants, type Stats } from "node:fs";
import { lstat, readdir, rename, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { type ConfinedDirectory, openConfinedDirectory } from "../policy/open-confined.ts";
import { ToolError } from "../protocol/tool-error.ts";

const { O_WRONLY, O_CREAT, O_EXCL, O_RDONLY } = constants;

/** How old a temp file must be before it counts as left behind by a killed write. */
export const STALE_TEMP_MS = 60_000;

export type AtomicWriteOptions = {
  /** The file being replaced (its fstat): the new one gets its mode and, where allowed, its owner. */
  replacing?: Stats;
  /** A new file's permission bits, the umask notwithstanding (when not replacing); default 0666 less the umask. */
  mode?: number;
  signal?: AbortSignal;
};

/** Writes `content` as `name` in `directory`; returns the new file's stat. Throws with the original intact. */
export async function writeFileAtomically(
  directory: ConfinedDirectory,
  name: string,
  content: Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<Stats> {
  const { replacing } = options;
  // Unique enough with O_EXCL behind it: a clash fails the write, it never overwrites another file.
  const unique = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  const temp = `${tempPrefix(name)}${unique}.tmp`;
  const mode = replacing ? replacing.mode & 0o7777 : options.mode;
  // Replacing (or a given mode): owner-only until the content is complete, then that mode. New: the usual
  // 0666 less the umask from the start (the same as the file will have).
  const handle = await directory.openFile(
    temp,
    O_WRONLY | O_CREAT | O_EXCL,
    mode === undefined ? 0o666 : 0o600,
  );
  if (handle === null) throw new Error(`cannot create a temp file in ${directory.path}`);
  let written = false;
  try {
    await handle.writeFile(content, { signal: options.signal });
    if (replacing) {
      const own = await handle.stat();
      if (own.uid !== replacing.uid || own.gid !== replacing.gid) {
        // Only root may give a file away; others keep their own ownership (as an editor saving it would).
        await handle.chown(replacing.uid, replacing.gid).catch(() => {});
      }
    }
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
    const stats = await handle.stat();
    await handle.close();
    written = true;
    options.signal?.throwIfAborted();
    await rename(directory.entryPath(temp), directory.entryPath(name));
    await directory.sync();
    await removeStaleTempFiles(directory, name, Date.now());
    return stats;
  } catch (error) {
    if (!written) await handle.close().catch(() => {});
    await unlink(directory.entryPath(temp)).catch(() => {});
    throw error;
  }
}

/** The start of every temp file name for `name`; a unique part and `.tmp` follow. */
function tempPrefix(name: string): string {
  return `.${name.slice(0, 40)}.hearth-`;
}

/**
 * Removes the temp files of `name` that a write killed halfway left in `directory`: only names of exactly
 * hearth's pattern, regular files (not followed if a symlink), owned by this user, last changed more than
 * STALE_TEMP_MS ago (a write under way keeps its temp file fresh). Never throws: the write already succeeded.
 */
export async function removeStaleTempFiles(
  directory: ConfinedDirectory,
  name: string,
  now: number,
): Promise<void> {
  const prefix = tempPrefix(name);
  const names = await readdir(directory.entryPath(".")).catch(() => [] as string[]);
  const uid = process.getuid?.();
  for (const candidate of names) {
    const unique = candidate.slice(prefix.length, -".tmp".length);
    if (!candidate.startsWith(prefix) || !candidate.endsWith(".tmp") || !/^[0-9a-z]{1,24}$/.test(unique))
      continue;
    const at = directory.entryPath(candidate);
    const info = await lstat(at).catch(() => null);
    if (!info?.isFile() || (uid !== undefined && info.uid !== uid)) continue;
    if (now - info.mtimeMs <= STALE_TEMP_MS) continue;
    await unlink(at).catch(() => {});
  }
}

/**
 * Replaces the file at `realPath` (inside `root`, a real path already checked) with `content`, atomically and
 * in its folder opened confined, creating missing folders the same way. An existing file keeps its mode and
 * owner; a new one gets `mode`. Anything but a regular file there is refused, and nothing is changed.
 */
export async function replaceConfinedFile(
  root: string,
  realPath: string,
  content: Uint8Array,
  options: { mode: number },
): Promise<void> {
  const directory = await openConfinedDirectory(root, dirname(realPath), { create: true });
  if (directory === null) throw new ToolError(`cannot create the folder of ${realPath}`);
  try {
    const name = basename(realPath);
    const current = await directory.openFile(name, O_RDONLY);
    const replacing = await current?.stat();
    await current?.close();
    if (replacing && !replacing.isFile())
      throw new ToolError(`${realPath} is no longer a regular file; move it away first`);
    await writeFileAtomically(directory, name, content, { replacing, mode: options.mode });
  } finally {
    await directory.close();
  }
}
