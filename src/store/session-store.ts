/**
 * The sessions directory: `<dataDir>/sessions/<id>.jsonl` (the source of truth), `<id>.lock` while a hearth
 * writes it, and `<id>/` for its checkpoints and spill files. Finding, forking, removing and expiring sessions.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { newSessionId } from "../protocol/ids.ts";
import { createSessionFile, readSessionFile } from "./session-file.ts";
import { lockSession } from "./session-lock.ts";
import { type SessionHeader, turnCount } from "./session-records.ts";

export type SessionFile = { id: string; path: string; size: number; mtimeMs: number };

export const sessionsDir = (dataDir: string) => join(dataDir, "sessions");
export const sessionPath = (dataDir: string, id: string) => join(sessionsDir(dataDir), `${id}.jsonl`);
export const sessionLockPath = (dataDir: string, id: string) => join(sessionsDir(dataDir), `${id}.lock`);
/** Per-session data (checkpoints, spill files); removed with the session. */
export const sessionDataDir = (dataDir: string, id: string) => join(sessionsDir(dataDir), id);
/** Where tools spill output too long to show the model. */
export const sessionSpillDir = (dataDir: string, id: string) => join(sessionDataDir(dataDir, id), "spill");

export class SessionNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SessionNotFoundError";
  }
}

/** Every session file, newest first. */
export function listSessionFiles(dataDir: string): SessionFile[] {
  const dir = sessionsDir(dataDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const files: SessionFile[] = [];
  for (const name of names) {
    if (!name.endsWith(".jsonl")) continue;
    const path = join(dir, name);
    try {
      const stat = fs.statSync(path);
      if (stat.isFile()) files.push({ id: name.slice(0, -6), path, size: stat.size, mtimeMs: stat.mtimeMs });
    } catch {}
  }
  return files.sort((a, b) => b.mtimeMs - a.mtimeMs);
}

/** The header line alone, read without loading the whole file. Null when unreadable. */
export function readSessionHeader(path: string): SessionHeader | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, "r");
    const buffer = Buffer.alloc(16_384);
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, n).toString("utf8");
    const end = text.indexOf("\n");
    const header = JSON.parse(end === -1 ? text : text.slice(0, end));
    return header?.type === "header" ? header : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Characters of a session id shown by default: its random tail (ids start with a timestamp, shared by neighbours). */
export const SHORT_ID_LENGTH = 8;

/** Whether `given` names `id`: the whole id, its start or its end (ids are lower case). */
export function sessionIdMatches(id: string, given: string): boolean {
  const wanted = given.toLowerCase();
  return id.startsWith(wanted) || id.endsWith(wanted);
}

/**
 * The short form of each id: its last SHORT_ID_LENGTH characters (random), longer where another id of `all` also
 * matches that tail, so that every short id given back to resolveSessionId names one session.
 */
export function shortSessionIds(ids: string[], all: string[] = ids): Map<string, string> {
  const short = new Map<string, string>();
  for (const id of ids) {
    let length = SHORT_ID_LENGTH;
    while (
      length < id.length &&
      all.some((other) => other !== id && sessionIdMatches(other, id.slice(-length)))
    )
      length++;
    short.set(id, id.slice(-length));
  }
  return short;
}

/** An id, or a unique start or end of one (at least 4 characters), to the full id. */
export function resolveSessionId(dataDir: string, given: string): string {
  const wanted = given.trim().toLowerCase();
  if (!/^[0-9a-f-]{4,}$/.test(wanted))
    throw new SessionNotFoundError(
      `"${given}" is not a session id; run hearth sessions to list them (ids look like 019a3c4e-...)`,
    );
  if (fs.existsSync(sessionPath(dataDir, wanted))) return wanted;
  const matches = listSessionFiles(dataDir).filter((f) => sessionIdMatches(f.id, wanted));
  if (matches.length === 1) return matches[0].id;
  if (matches.length === 0)
    throw new SessionNotFoundError(`no session ${given}; run hearth sessions to list them`);
  const shown = matches.slice(0, 3).map((m) => m.id);
  throw new SessionNotFoundError(
    `${matches.length} sessions match ${given} (${shown.join(", ")}${matches.length > 3 ? ", ..." : ""}); ` +
      `give the short id hearth sessions shows (the end of the id), or more of it`,
  );
}

/** The most recently written session started in `cwd`, or null. */
export function latestSessionIn(dataDir: string, cwd: string): string | null {
  for (const file of listSessionFiles(dataDir)) {
    if (readSessionHeader(file.path)?.cwd === cwd) return file.id;
  }
  return null;
}

/**
 * A new session holding `id`'s records up to the end of user turn `atTurn` (default: all of them). The parent is
 * left as it was. Returns the new id.
 */
export function forkSession(
  dataDir: string,
  id: string,
  options: { atTurn?: number; redact: (text: string) => string; now?: number },
): { id: string; turns: number } {
  const parent = readSessionFile(sessionPath(dataDir, id));
  const last = turnCount(parent.records);
  const atTurn = options.atTurn ?? last;
  if (!Number.isInteger(atTurn) || atTurn < 1 || atTurn > last)
    throw new SessionNotFoundError(
      `session ${id} has turns 1 to ${last}; --at ${options.atTurn} is not one of them`,
    );
  const forkId = newSessionId(options.now);
  const header: SessionHeader = {
    ...parent.header,
    id: forkId,
    createdAt: new Date(options.now ?? Date.now()).toISOString(),
    parent: { id, turn: atTurn },
  };
  const writer = createSessionFile(sessionPath(dataDir, forkId), header, { redact: options.redact });
  try {
    for (const record of parent.records) if ("turn" in record && record.turn <= atTurn) writer.append(record);
    writer.sync();
  } finally {
    writer.close();
  }
  return { id: forkId, turns: atTurn };
}

/** Deletes a session, its lock-free files and its data directory. Refuses while another hearth has it open. */
export function removeSession(dataDir: string, id: string): void {
  const lock = lockSession(sessionLockPath(dataDir, id), id);
  try {
    fs.rmSync(sessionPath(dataDir, id), { force: true });
    fs.rmSync(sessionDataDir(dataDir, id), { recursive: true, force: true });
  } finally {
    lock.release();
  }
}

/** Removes sessions not written for `days` days (0 keeps everything). Returns the ids removed. */
export function expireSessions(dataDir: string, days: number, now = Date.now()): string[] {
  if (days <= 0) return [];
  const cutoff = now - days * 86_400_000;
  const removed: string[] = [];
  for (const file of listSessionFiles(dataDir)) {
    if (file.mtimeMs >= cutoff) continue;
    try {
      removeSession(dataDir, file.id);
      removed.push(file.id);
    } catch {
      // Open in another hearth: it is not old then; leave it.
    }
  }
  return removed;
}
