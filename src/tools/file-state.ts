/**
 * What the model last saw of each file. `read`, `write` and `edit` record a stamp (mtime, size and a content
 * hash) per real path; `write` and `edit` check it so they never overwrite changes made on disk behind the
 * model's back (by the user, a formatter, or a command it ran).
 */
import { readFile, stat } from "node:fs/promises";

export type FileStamp = {
  mtimeMs: number;
  size: number;
  /** sha256 of the content, when it was at hand. Lets a touched-but-unchanged file still count as fresh. */
  hash?: string;
};

export type FileFreshness =
  /** The model never read or wrote this file in this session. */
  | { status: "unknown" }
  /** Unchanged since the model last read or wrote it. */
  | { status: "fresh" }
  /** Changed on disk since. */
  | { status: "changed" }
  /** The model saw it, but it no longer exists. */
  | { status: "deleted" };

export type FileState = {
  /** Remember the file as the model now knows it. Pass the content when it is at hand. */
  record(realPath: string, content?: string | Uint8Array): Promise<void>;
  check(realPath: string): Promise<FileFreshness>;
  forget(realPath: string): void;
  get(realPath: string): FileStamp | undefined;
};

export function createFileState(): FileState {
  const stamps = new Map<string, FileStamp>();

  async function record(realPath: string, content?: string | Uint8Array): Promise<void> {
    const info = await stat(realPath);
    stamps.set(realPath, {
      mtimeMs: info.mtimeMs,
      size: info.size,
      hash: content === undefined ? undefined : await hashOf(content),
    });
  }

  async function check(realPath: string): Promise<FileFreshness> {
    const known = stamps.get(realPath);
    if (!known) return { status: "unknown" };
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(realPath);
    } catch {
      return { status: "deleted" };
    }
    if (info.size !== known.size) return { status: "changed" };
    if (info.mtimeMs === known.mtimeMs) return { status: "fresh" };
    if (known.hash === undefined) return { status: "changed" };
    // Same size, new mtime: compare content so a mere touch does not force a re-read.
    const hash = await hashOf(await readFile(realPath));
    if (hash !== known.hash) return { status: "changed" };
    stamps.set(realPath, { ...known, mtimeMs: info.mtimeMs });
    return { status: "fresh" };
  }

  return {
    record,
    check,
    forget: (realPath) => void stamps.delete(realPath),
    get: (realPath) => stamps.get(realPath),
  };
}

async function hashOf(content: string | Uint8Array): Promise<string> {
  // node:crypto loads on first use: start-up does not pay for it.
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(content).digest("hex");
}
