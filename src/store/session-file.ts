/**
 * Writing and reading one session file. Appends are synchronous writes of whole lines, so a record is in the
 * file (in the OS's hands) before the step that depends on it runs, and a killed process loses at most the line
 * it was writing. A failed write (a full disk) is cut back to the last whole record and reported.
 */
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { shortRandom } from "../protocol/ids.ts";
import {
  type ParsedSession,
  parseSession,
  type SessionHeader,
  type SessionRecord,
} from "./session-records.ts";

export class SessionWriteError extends Error {
  readonly code?: string;
  constructor(message: string, code?: string) {
    super(message);
    this.name = "SessionWriteError";
    this.code = code;
  }
}

export type SessionWriter = {
  readonly path: string;
  /** Writes one record as a line. Throws SessionWriteError; the file then ends with the last whole record. */
  append(record: SessionRecord): void;
  /** Flushes to the disk (fdatasync): after a turn, so a power cut keeps it too. */
  sync(): void;
  close(): void;
  /** Where the file was copied, byte for byte, before opening it repaired it (a torn last line); else undefined. */
  readonly backup?: string;
};

export type SessionFileOptions = {
  /** Applied to every line before it is written: a session file never holds a secret. */
  redact: (text: string) => string;
  /** For tests: the positional write call (to inject ENOSPC). */
  writeSync?: (fd: number, data: Buffer, position: number) => number;
};

/** Creates a new session file holding the header (fails if it exists). */
export function createSessionFile(
  path: string,
  header: SessionHeader,
  options: SessionFileOptions,
): SessionWriter {
  fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = fs.openSync(path, "wx", 0o600);
  } catch (error) {
    throw writeError(path, error);
  }
  const writer = writerFor(path, fd, 0, options);
  writer.append(header);
  return writer;
}

/**
 * Opens an existing session file for appending. A torn last line (a crash mid-write) is closed with a newline
 * first, so it stays a skipped line rather than being glued to the next record; before that repair the file is
 * copied as it was to `<id>/backups/` beside it (removed with the session), so no byte of it is lost.
 */
export function appendToSessionFile(
  path: string,
  options: SessionFileOptions & { now?: number },
): SessionWriter {
  let fd: number;
  try {
    fd = fs.openSync(path, "r+");
  } catch (error) {
    throw writeError(path, error);
  }
  const size = fs.fstatSync(fd).size;
  const writer = writerFor(path, fd, size, options);
  if (size > 0) {
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) {
      let backup: string;
      try {
        backup = backupSessionFile(path, options.now ?? Date.now());
      } catch (error) {
        writer.close();
        throw new SessionWriteError(
          `${path} has a torn last line, and copying it aside before repairing it failed: ${(error as Error).message}`,
        );
      }
      writer.appendRaw("\n");
      return Object.assign(writer, { backup });
    }
  }
  return writer;
}

/** Copies a session file to `<id>/backups/<time>.jsonl` next to it (never over an existing copy). */
function backupSessionFile(path: string, now: number): string {
  const dir = join(dirname(path), basename(path, ".jsonl"), "backups");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date(now).toISOString().replace(/[:.]/g, "-");
  for (let n = 0; ; n++) {
    const target = join(dir, `${stamp}${n ? `-${n}` : ""}.jsonl`);
    try {
      fs.copyFileSync(path, target, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(target, 0o600);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || n >= 100) throw error;
    }
  }
}

function writerFor(
  path: string,
  fd: number,
  start: number,
  options: SessionFileOptions,
): SessionWriter & { appendRaw(text: string): void } {
  const write =
    options.writeSync ?? ((f: number, data: Buffer, at: number) => fs.writeSync(f, data, 0, data.length, at));
  let size = start;
  let closed = false;
  // After a failed write nothing more is written: the file ends with the last whole record.
  let failure: SessionWriteError | null = null;
  const appendRaw = (text: string) => {
    if (closed) throw new SessionWriteError(`${path}: the session file is closed`);
    if (failure) throw failure;
    const data = Buffer.from(text);
    let done = 0;
    try {
      while (done < data.length) done += write(fd, data.subarray(done), size + done);
      size += data.length;
    } catch (error) {
      // Cut a partial line off so the file still ends with a whole record.
      try {
        if (done > 0) fs.ftruncateSync(fd, size);
      } catch {}
      failure = writeError(path, error);
      throw failure;
    }
  };
  return {
    path,
    appendRaw,
    append: (record) => appendRaw(`${recordLine(record, options.redact)}\n`),
    sync: () => {
      try {
        fs.fdatasyncSync(fd);
      } catch (error) {
        throw writeError(path, error);
      }
    },
    close: () => {
      if (closed) return;
      closed = true;
      try {
        fs.closeSync(fd);
      } catch {}
    },
  };
}

/**
 * A record as its line, redacted, except the base64 of the images in a user message: bytes, not text, where a
 * rule can only find a false match and break the image (a Google key's shape, `AIza` and 35 more letters, turns
 * up in about one image of the largest size in 250), so that `-c` sends the same image again. While the line is
 * redacted each image's data is a random marker, put back after; should a marker not come out of the redactor
 * exactly once, the line is redacted whole as any other.
 */
function recordLine(record: SessionRecord, redact: (text: string) => string): string {
  const message = record.type === "message" ? record.message : undefined;
  if (message?.role !== "user" || typeof message.content === "string") return redact(JSON.stringify(record));
  const marker = `hearth-image-${shortRandom(16)}-`;
  const images: string[] = [];
  const json = JSON.stringify(record, function (this: unknown, key: string, value: unknown) {
    if (key !== "data" || typeof value !== "string" || (this as { type?: unknown }).type !== "image")
      return value;
    images.push(value);
    return `${marker}${images.length - 1}`;
  });
  let line = redact(json);
  for (const [i, data] of images.entries()) {
    const stand = `"${marker}${i}"`;
    const at = line.indexOf(stand);
    if (at === -1 || line.indexOf(stand, at + 1) !== -1) return redact(JSON.stringify(record));
    line = `${line.slice(0, at)}"${data}"${line.slice(at + stand.length)}`;
  }
  return line;
}

function writeError(path: string, error: unknown): SessionWriteError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "ENOSPC"
      ? "the disk is full; free some space"
      : code === "EDQUOT"
        ? "the disk quota is used up; free some space"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied; check the owner and mode of the sessions directory"
          : code === "EROFS"
            ? "the file system is read-only"
            : code === "EEXIST"
              ? "a session with this id already exists"
              : (error as Error).message;
  return new SessionWriteError(`cannot write the session file ${path}: ${why}`, code);
}

/** Reads and parses a session file. Throws SessionFormatError (no header) or the fs error. */
export function readSessionFile(path: string): ParsedSession {
  return parseSession(fs.readFileSync(path, "utf8"), path);
}
