/**
 * Replacing a file so that it is always either its old content or its new one, never a part: a full disk, a
 * crash or a `kill -9` halfway leave the original as it was. The new content goes to a temp file in the same
 * (confined) directory, is flushed to disk, takes over the original's mode and owner, and is renamed over the
 * original in one step; then the directory is flushed so the rename itself survives a power cut. On any
 * failure the temp file is removed and the original is untouched.
 */
import { constants, type Stats } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import type { ConfinedDirectory } from "../policy/open-confined.ts";

const { O_WRONLY, O_CREAT, O_EXCL } = constants;

export type AtomicWriteOptions = {
  /** The file being replaced (its fstat): the new one gets its mode and, where allowed, its owner. */
  replacing?: Stats;
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
  const temp = `.${name.slice(0, 40)}.hearth-${unique}.tmp`;
  // Replacing: owner-only until the content is complete, then the original's mode. New: the usual 0666 less
  // the umask from the start (the same as the file will have).
  const handle = await directory.openFile(temp, O_WRONLY | O_CREAT | O_EXCL, replacing ? 0o600 : 0o666);
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
      await handle.chmod(replacing.mode & 0o7777);
    }
    await handle.sync();
    const stats = await handle.stat();
    await handle.close();
    written = true;
    options.signal?.throwIfAborted();
    await rename(directory.entryPath(temp), directory.entryPath(name));
    await directory.sync();
    return stats;
  } catch (error) {
    if (!written) await handle.close().catch(() => {});
    await unlink(directory.entryPath(temp)).catch(() => {});
    throw error;
  }
}
