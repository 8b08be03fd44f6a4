/**
 * The session search index: an embedded SQLite database (WAL, FTS5) at `<dataDir>/index.db`, built from the
 * JSONL files, which stay the source of truth. Every list or search first syncs the index with the files (a
 * stat per file: new, grown or deleted sessions are re-read), so it cannot go stale; a missing, corrupt or
 * older-format database is deleted and rebuilt.
 *
 * Binding: `libsql` (better-sqlite3's synchronous API over libSQL, SQLite 3.45 with FTS5), whose prebuilt
 * binaries come from the npm registry as optional dependencies, so a fresh machine installs it in seconds with
 * no compiler and no download from elsewhere (better-sqlite3 13 crashes on Node 20 and 12 compiles for a
 * minute; node:sqlite needs Node 22). Loaded only when sessions are listed, searched or indexed.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { userText } from "../protocol/images.ts";
import type { Message } from "../protocol/messages.ts";
import { readSessionFile } from "./session-file.ts";
import { type SessionHeader, turnCount } from "./session-records.ts";
import { listSessionFiles } from "./session-store.ts";

/** Bump when the tables change: an older database is rebuilt. */
const INDEX_VERSION = 2;
/** Longest text indexed per message (tool output can be huge; its start is what people search for). */
const MAX_INDEXED_CHARS = 4000;
/** Title matches count this many times a match in the conversation. */
const TITLE_WEIGHT = 4;

export type SessionSummary = {
  id: string;
  cwd: string;
  title: string;
  model: string;
  createdAt: string;
  updatedAt: number;
  turns: number;
  size: number;
  parent: string | null;
};

export type SearchHit = SessionSummary & { snippet: string; score: number };

export type SyncReport = { indexed: number; removed: number; unreadable: string[] };

export type SessionIndex = {
  /** Brings the index up to date with the session files. */
  sync(): SyncReport;
  list(options?: { cwd?: string; limit?: number }): SessionSummary[];
  /** Sessions whose messages match every word of `query`, best first, with a snippet of the best match. */
  search(query: string, options?: { cwd?: string; limit?: number }): SearchHit[];
  /** How many sessions the index holds. */
  count(): number;
  /** Deletes everything and indexes all files again. */
  rebuild(): SyncReport;
  /** Writes the write-ahead log back into the database and truncates it; a busy database is left for next time. */
  checkpoint(): void;
  close(): void;
};

type Statement = {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): Record<string, unknown> | undefined;
  all(...params: unknown[]): Record<string, unknown>[];
};
type Database = {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  pragma(sql: string): unknown;
  transaction<T extends (...args: never[]) => unknown>(fn: T): T;
  close(): void;
};

export class SessionIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SessionIndexError";
  }
}

export function indexPath(dataDir: string): string {
  return join(dataDir, "index.db");
}

function loadBinding(): new (path: string) => Database {
  try {
    return createRequire(import.meta.url)("libsql");
  } catch (error) {
    throw new SessionIndexError(
      `the SQLite binding (libsql) did not load: ${(error as Error).message.split("\n")[0]}; reinstall hearth (npm ci) to fix sessions list and search`,
    );
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ms REAL NOT NULL,
  cwd TEXT NOT NULL, title TEXT NOT NULL, model TEXT NOT NULL, created_at TEXT NOT NULL,
  turns INTEGER NOT NULL, parent TEXT
);
CREATE INDEX IF NOT EXISTS sessions_cwd ON sessions(cwd, mtime_ms);
CREATE VIRTUAL TABLE IF NOT EXISTS texts USING fts5(
  session_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2'
);`;

export function openSessionIndex(dataDir: string): SessionIndex {
  const Binding = loadBinding();
  const path = indexPath(dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let db: Database;
  try {
    db = openDatabase(Binding, path);
  } catch {
    // Corrupt or not a database: it is only an index, so start again from the files.
    removeDatabase(path);
    db = openDatabase(Binding, path);
  }
  const q = {
    known: db.prepare("SELECT id, size, mtime_ms FROM sessions"),
    upsert: db.prepare(
      `INSERT OR REPLACE INTO sessions (id, path, size, mtime_ms, cwd, title, model, created_at, turns, parent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    drop: db.prepare("DELETE FROM sessions WHERE id = ?"),
    dropText: db.prepare("DELETE FROM texts WHERE session_id = ?"),
    text: db.prepare("INSERT INTO texts (session_id, title, body) VALUES (?, ?, ?)"),
  };

  const indexFile = (file: { id: string; path: string; size: number; mtimeMs: number }) => {
    const parsed = readSessionFile(file.path);
    const h: SessionHeader = parsed.header;
    q.dropText.run(file.id);
    q.upsert.run(
      file.id,
      file.path,
      file.size,
      file.mtimeMs,
      h.cwd,
      h.title ?? "",
      h.model ?? "",
      h.createdAt ?? "",
      turnCount(parsed.records),
      h.parent?.id ?? null,
    );
    // One document per session: ranking then scores sessions, not messages, and stays fast at any size.
    const body: string[] = [];
    for (const record of parsed.records) {
      if (record.type !== "message") continue;
      const text = searchableText(record.message);
      if (text) body.push(text.slice(0, MAX_INDEXED_CHARS));
    }
    q.text.run(file.id, h.title ?? "", body.join("\n\n"));
  };

  const sync = db.transaction((): SyncReport => {
    const known = new Map(q.known.all().map((row) => [row.id as string, row]));
    const report: SyncReport = { indexed: 0, removed: 0, unreadable: [] };
    for (const file of listSessionFiles(dataDir)) {
      const row = known.get(file.id);
      known.delete(file.id);
      if (row && row.size === file.size && row.mtime_ms === file.mtimeMs) continue;
      try {
        indexFile(file);
        report.indexed++;
      } catch (error) {
        report.unreadable.push(`${file.path}: ${(error as Error).message}`);
        q.drop.run(file.id);
        q.dropText.run(file.id);
      }
    }
    for (const id of known.keys()) {
      q.drop.run(id);
      q.dropText.run(id);
      report.removed++;
    }
    return report;
  });

  const summary = (row: Record<string, unknown>): SessionSummary => ({
    id: row.id as string,
    cwd: row.cwd as string,
    title: row.title as string,
    model: row.model as string,
    createdAt: row.created_at as string,
    updatedAt: row.mtime_ms as number,
    turns: row.turns as number,
    size: row.size as number,
    parent: (row.parent as string | null) ?? null,
  });

  return {
    sync,
    list: ({ cwd, limit = 50 } = {}) => {
      const rows = cwd
        ? db.prepare("SELECT * FROM sessions WHERE cwd = ? ORDER BY mtime_ms DESC LIMIT ?").all(cwd, limit)
        : db.prepare("SELECT * FROM sessions ORDER BY mtime_ms DESC LIMIT ?").all(limit);
      return rows.map(summary);
    },
    search: (query, { cwd, limit = 20 } = {}) => {
      const match = ftsQuery(query);
      if (!match) return [];
      const rows = db
        .prepare(
          `SELECT s.*, bm25(texts, 0, ${TITLE_WEIGHT}, 1) AS score,
             snippet(texts, 2, '[', ']', '…', 12) AS snippet
           FROM texts t JOIN sessions s ON s.id = t.session_id
           WHERE texts MATCH ? ${cwd ? "AND s.cwd = ?" : ""}
           ORDER BY score, s.mtime_ms DESC LIMIT ?`,
        )
        .all(...(cwd ? [match, cwd, limit] : [match, limit]));
      return rows.map((row) => ({
        ...summary(row),
        // A match in the title alone leaves the body snippet empty.
        snippet: oneLine((row.snippet as string) || (row.title as string)),
        score: row.score as number,
      }));
    },
    count: () => Number(db.prepare("SELECT count(*) AS n FROM sessions").get()?.n ?? 0),
    rebuild: () => {
      db.exec("DELETE FROM sessions; DELETE FROM texts;");
      return sync();
    },
    checkpoint: () => {
      try {
        db.pragma("wal_checkpoint(TRUNCATE)");
      } catch {
        // Another hearth is reading or writing it: its own checkpoint will do.
      }
    },
    close: () => db.close(),
  };
}

/**
 * Opens the index, syncs it with the files, hands both to `use`, and closes it whatever happens. Closing does not
 * empty SQLite's write-ahead log (it grew to 114 MB over 142 runs of one session): the log is written back into
 * the database and truncated first.
 */
export function withSessionIndex<T>(dataDir: string, use: (index: SessionIndex, report: SyncReport) => T): T {
  const index = openSessionIndex(dataDir);
  try {
    return use(index, index.sync());
  } finally {
    index.checkpoint();
    index.close();
  }
}

function openDatabase(Binding: new (path: string) => Database, path: string): Database {
  // The index holds conversation text: only the user may read it (SQLite creates -wal and -shm with the same mode).
  if (!fs.existsSync(path)) fs.closeSync(fs.openSync(path, "a", 0o600));
  const db = new Binding(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 3000");
    const version = db.prepare("PRAGMA user_version").get()?.user_version;
    if (version !== INDEX_VERSION) {
      db.exec("DROP TABLE IF EXISTS sessions; DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS texts;");
      db.exec(SCHEMA);
      db.pragma(`user_version = ${INDEX_VERSION}`);
    }
    db.prepare("SELECT count(*) FROM sessions").get();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function removeDatabase(path: string): void {
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(path + suffix, { force: true });
}

/** What a message contributes to search: its text, tool calls by name and arguments, and tool output. */
function searchableText(message: Message): string {
  // An image is found by its placeholder (its name and size), never by its base64.
  if (message.role === "user") return userText(message.content);
  if (message.role === "tool") return message.content;
  return message.content
    .map((part) => {
      if (part.type === "text") return part.text;
      if (part.type === "tool_call") return `${part.name} ${JSON.stringify(part.arguments)}`;
      return "";
    })
    .filter(Boolean)
    .join("\n");
}

/** User text to an FTS5 query: every word must match (as a prefix for the last one); quotes keep phrases. */
export function ftsQuery(text: string): string {
  const terms: string[] = [];
  for (const match of text.matchAll(/"([^"]+)"|(\S+)/g)) {
    const term = (match[1] ?? match[2]).replace(/"/g, "").trim();
    if (term) terms.push(`"${term}"`);
  }
  if (terms.length === 0) return "";
  terms[terms.length - 1] += "*";
  return terms.join(" ");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
