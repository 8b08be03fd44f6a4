/**
 * The egress ledger: one JSON line per outbound request hearth made, in `<stateDir>/egress.jsonl` (stateDir is
 * `$XDG_STATE_HOME/hearth`). Fed by createHttpClient's `onExchange`; read by `hearth egress`.
 *
 * - Each line is appended with one write to a file opened O_APPEND, so concurrent hearth processes do not
 *   interleave lines. The directory is created 0700 and the file 0600 (a wider file is narrowed).
 * - Size cap: before a write that would take the file past `maxBytes` (5 MB), the oldest lines are dropped so
 *   that the newest half remains (rewritten through a temp file and a rename). One file, newest last; a line
 *   another process appends in the instant of a trim may be lost.
 * - Never throws: a failure (read-only or full disk, a file where the directory should be) is reported once
 *   through `onProblem`, and the run goes on. Later records still try, so the ledger resumes if the cause goes.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Exchange } from "./http-client.ts";
import { isLoopbackHost } from "./offline.ts";

export const LEDGER_FILE = "egress.jsonl";
export const LEDGER_MAX_BYTES = 5 * 1024 * 1024;

/** One line of the ledger. */
export type LedgerEntry = {
  /** When the request started, ISO 8601 UTC. */
  time: string;
  method: string;
  /** Host and port as in the URL, e.g. "api.anthropic.com" or "127.0.0.1:11434". */
  host: string;
  /** "model", "probe", "mcp" or "download". */
  purpose: string;
  /** HTTP status, or null when there was no response (refused connection, timeout, abort). */
  status: number | null;
  bytesSent: number;
  bytesReceived: number;
  durationMs: number;
  loopback: boolean;
};

export type EgressLedger = {
  /** Append one exchange. Never throws. */
  record(exchange: Exchange): void;
  /** The ledger file. */
  path: string;
};

export type LedgerOptions = {
  /** hearth's state directory ($XDG_STATE_HOME/hearth). Created on the first record. */
  stateDir: string;
  /** Called once, with one line, the first time the ledger cannot be written. */
  onProblem?: (message: string) => void;
  /** Size cap in bytes (default LEDGER_MAX_BYTES). */
  maxBytes?: number;
};

const OPEN_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

export function ledgerPath(stateDir: string): string {
  return join(stateDir, LEDGER_FILE);
}

export function toLedgerEntry(exchange: Exchange): LedgerEntry {
  return {
    time: new Date(exchange.startedAt).toISOString(),
    method: exchange.method,
    host: exchange.host,
    purpose: exchange.purpose,
    status: exchange.status,
    bytesSent: exchange.bytesSent,
    bytesReceived: exchange.bytesReceived,
    durationMs: exchange.durationMs,
    loopback: isLoopbackHost(exchange.host),
  };
}

export function createEgressLedger(options: LedgerOptions): EgressLedger {
  const path = ledgerPath(options.stateDir);
  const maxBytes = options.maxBytes ?? LEDGER_MAX_BYTES;
  let prepared = false;
  let reported = false;

  const append = (line: Buffer) => {
    if (!prepared) mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    let fd = openSync(path, OPEN_FLAGS, 0o600);
    try {
      const stat = fstatSync(fd);
      if (!prepared && (stat.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
      prepared = true;
      if (stat.size > 0 && stat.size + line.length > maxBytes) {
        closeSync(fd);
        fd = -1;
        trimToNewestHalf(path, maxBytes);
        fd = openSync(path, OPEN_FLAGS, 0o600);
      }
      let written = 0;
      while (written < line.length) written += writeSync(fd, line, written);
    } finally {
      if (fd !== -1) closeSync(fd);
    }
  };

  return {
    path,
    record(exchange) {
      try {
        append(Buffer.from(`${JSON.stringify(toLedgerEntry(exchange))}\n`));
      } catch (error) {
        if (reported) return;
        reported = true;
        const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        try {
          options.onProblem?.(
            `cannot write the egress ledger ${path} (${why}); requests are not being recorded this run`,
          );
        } catch {
          // the reporter must not break a request either
        }
      }
    },
  };
}

/** Keep the newest whole lines that fit in half of maxBytes; write them through a temp file and a rename. */
function trimToNewestHalf(path: string, maxBytes: number): void {
  const data = readFileSync(path);
  let start = Math.max(0, data.length - Math.floor(maxBytes / 2));
  if (start > 0 && data[start - 1] !== 0x0a) {
    const nl = data.indexOf(0x0a, start);
    start = nl === -1 ? data.length : nl + 1;
  }
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data.subarray(start), { mode: 0o600, flag: "w" });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export type LedgerContents = {
  path: string;
  /** Entries, oldest first. */
  entries: LedgerEntry[];
  /** The raw text of each entry's line (same order as entries). */
  lines: string[];
  /** Lines that are not a ledger entry (a torn write, a hand edit). */
  skipped: number;
  /** Set when the file exists but cannot be read. A missing file is an empty ledger. */
  problem?: string;
};

/** Read the whole ledger. Never throws. */
export function readLedger(stateDir: string): LedgerContents {
  const path = ledgerPath(stateDir);
  const contents: LedgerContents = { path, entries: [], lines: [], skipped: 0 };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") contents.problem = `cannot read the egress ledger ${path} (${code ?? error})`;
    return contents;
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const entry = parseEntry(line);
    if (entry) {
      contents.entries.push(entry);
      contents.lines.push(line);
    } else {
      contents.skipped++;
    }
  }
  return contents;
}

function parseEntry(line: string): LedgerEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!value || typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  const isNum = (x: unknown) => typeof x === "number" && Number.isFinite(x);
  if (
    typeof v.time !== "string" ||
    typeof v.method !== "string" ||
    typeof v.host !== "string" ||
    typeof v.purpose !== "string" ||
    !(v.status === null || isNum(v.status)) ||
    !isNum(v.bytesSent) ||
    !isNum(v.bytesReceived) ||
    !isNum(v.durationMs) ||
    typeof v.loopback !== "boolean"
  ) {
    return null;
  }
  return v as LedgerEntry;
}
