/**
 * What the model last saw of each file. `read`, `write` and `edit` record a stamp (mtime, size and a content
 * hash) per real path; `write` and `edit` check it so they never overwrite changes made on disk behind the
 * model's back (by the user, a formatter, or a command it ran). Freshness is decided on content: a size that
 * differs is a change at once; otherwise the content's hash is compared, so a same-size change with its mtime
 * put back is still caught, and a mere touch is not a change.
 */
import { readFile, stat } from "node:fs/promises";

export type FileStamp = {
  mtimeMs: number;
  size: number;
  /** sha256 of the content; absent only when the model saw part of a file too big to hash. */
  hash?: string;
};

/** The file as the tool opened it: its fstat and a way to get its bytes (read once, by the caller). */
export type FileOnDisk = { mtimeMs: number; size: number; content(): Promise<Uint8Array> };

export type FileFreshness =
  /** The model never read or wrote this file in this session. */
  | { status: "unknown" }
  /** Unchanged since the model last read or wrote it. */
  | { status: "fresh" }
  /** Changed on disk since. */
  | { status: "changed" }
  /** The model saw it, but it no longer exists. */
  | { status: "deleted" };

/** What the model saw: the content itself, or its sha256 when it was hashed on the way (a streamed file). */
export type SeenContent = string | Uint8Array | { sha256: string };

export type FileState = {
  /** Remember the file as the model now knows it: its stat and, when at hand, its content. */
  record(realPath: string, info: { mtimeMs: number; size: number }, content?: SeenContent): Promise<void>;
  /**
   * Compare what is on disk now with what the model last saw. Tools pass the file they opened (null: none
   * there); without it the path is looked up.
   */
  check(realPath: string, current?: FileOnDisk | null): Promise<FileFreshness>;
  forget(realPath: string): void;
  get(realPath: string): FileStamp | undefined;
  /** Every file the model has seen, with its stamp (to keep them for a continued session). */
  entries(): Array<[string, FileStamp]>;
  /** Takes back what an earlier run of the session saw (its stamps are checked as any other). */
  restore(realPath: string, stamp: FileStamp): void;
};

export function createFileState(): FileState {
  const stamps = new Map<string, FileStamp>();

  async function record(
    realPath: string,
    info: { mtimeMs: number; size: number },
    content?: SeenContent,
  ): Promise<void> {
    let hash: string | undefined;
    if (typeof content === "string" || content instanceof Uint8Array) hash = await hashOf(content);
    else hash = content?.sha256;
    stamps.set(realPath, { mtimeMs: info.mtimeMs, size: info.size, hash });
  }

  async function check(realPath: string, given?: FileOnDisk | null): Promise<FileFreshness> {
    const known = stamps.get(realPath);
    if (!known) return { status: "unknown" };
    const current = given === undefined ? await onDisk(realPath) : given;
    if (current === null) return { status: "deleted" };
    if (current.size !== known.size) return { status: "changed" };
    if (known.hash === undefined) {
      return current.mtimeMs === known.mtimeMs ? { status: "fresh" } : { status: "changed" };
    }
    if ((await hashOf(await current.content())) !== known.hash) return { status: "changed" };
    stamps.set(realPath, { ...known, mtimeMs: current.mtimeMs });
    return { status: "fresh" };
  }

  return {
    record,
    check,
    forget: (realPath) => void stamps.delete(realPath),
    get: (realPath) => stamps.get(realPath),
    entries: () => [...stamps.entries()],
    restore: (realPath, stamp) => void stamps.set(realPath, { ...stamp }),
  };
}

async function onDisk(realPath: string): Promise<FileOnDisk | null> {
  const info = await stat(realPath).catch(() => null);
  return info && { size: info.size, mtimeMs: info.mtimeMs, content: () => readFile(realPath) };
}

async function hashOf(content: string | Uint8Array): Promise<string> {
  return (await createContentHash()).update(content).digest("hex");
}

/** A sha256 to feed a content in pieces; `digest("hex")` gives what `record` expects as `sha256`. */
export async function createContentHash(): Promise<import("node:crypto").Hash> {
  // node:crypto loads on first use: start-up does not pay for it.
  const { createHash } = await import("node:crypto");
  return createHash("sha256");
}
