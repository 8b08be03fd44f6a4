/**
 * hearth's own log: `<stateDir>/logs/hearth-YYYY-MM-DD.log`, one file per local day, one line per entry:
 * `<local ISO time with offset> <pid> <level> <message>`.
 *
 * Plain text, not JSON lines: the log is read by a person with `tail`, `less` and `grep` when something went
 * wrong; the machine-readable records are the session JSONL files and the egress ledger. Messages are single
 * `event key=value ...` lines so they still grep well.
 *
 * - Every message passes through the injected `redact` before it is written (the caller hands in the process's
 *   one redactor); newlines are written as `\n` so an entry is always one line.
 * - Each line is one synchronous write to a file opened O_APPEND: a kill -9 loses nothing already logged, and
 *   concurrent hearth processes do not interleave within a line. Directory 0700, files 0600.
 * - Size cap: before a write that would take the day's file past `maxBytes` (5 MB), the file is renamed to
 *   `hearth-YYYY-MM-DD.log.1` (replacing an older one) and a fresh file starts with a line saying so. At most
 *   2 x maxBytes per day.
 * - Retention: once per process, on the first write, files whose date is more than `retentionDays` (14) before
 *   today are deleted.
 * - Never throws: a failure is reported once through `onProblem`; later writes still try.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

export type LogLevel = "info" | "warn" | "error";

/** What the run log and other writers need. */
export type LogWriter = {
  /** Append one entry. Never throws. */
  write(level: LogLevel, message: string): void;
};

export type DailyLog = LogWriter & {
  /** The logs directory. */
  readonly dir: string;
  /** Today's file (by the injected clock). */
  currentPath(): string;
};

export type DailyLogOptions = {
  /** hearth's state directory ($XDG_STATE_HOME/hearth); the logs go in its `logs/` directory. */
  stateDir: string;
  /** Applied to every message before it is written. Must not throw. */
  redact: (text: string) => string;
  /** Called once, with one line, the first time the log cannot be written. */
  onProblem?: (message: string) => void;
  /** Clock, ms since epoch (tests inject one). */
  now?: () => number;
  /** Per-file size cap in bytes (default 5 MB). */
  maxBytes?: number;
  /** Delete day files older than this many days (default 14). */
  retentionDays?: number;
  /** Written in each line (default process.pid). */
  pid?: number;
};

export const LOG_MAX_BYTES = 5 * 1024 * 1024;
export const LOG_RETENTION_DAYS = 14;

const OPEN_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);
const FILE_NAME = /^hearth-(\d{4})-(\d{2})-(\d{2})\.log(\.1)?$/;
const DAY_MS = 24 * 60 * 60 * 1000;

export function logsDir(stateDir: string): string {
  return join(stateDir, "logs");
}

/** `hearth-YYYY-MM-DD.log` for the local day of `time`. */
export function logFileName(time: number): string {
  return `hearth-${localDate(new Date(time))}.log`;
}

export function createDailyLog(options: DailyLogOptions): DailyLog {
  const dir = logsDir(options.stateDir);
  const now = options.now ?? Date.now;
  const maxBytes = options.maxBytes ?? LOG_MAX_BYTES;
  const retentionDays = options.retentionDays ?? LOG_RETENTION_DAYS;
  const pid = options.pid ?? process.pid;
  let prepared = false;
  let pruned = false;
  let reported = false;

  const line = (time: number, level: LogLevel, message: string) =>
    Buffer.from(`${localIsoTime(new Date(time))} ${pid} ${level} ${oneLine(options.redact(message))}\n`);

  const append = (time: number, level: LogLevel, message: string) => {
    if (!prepared) mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!pruned) {
      pruned = true;
      prune(dir, time, retentionDays);
    }
    const path = join(dir, logFileName(time));
    let data = line(time, level, message);
    let fd = openSync(path, OPEN_FLAGS, 0o600);
    try {
      const stat = fstatSync(fd);
      if (!prepared && (stat.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
      prepared = true;
      if (stat.size > 0 && stat.size + data.length > maxBytes) {
        // Another process may have rolled the file since we opened it: roll only the file we measured.
        if (statSync(path).ino === stat.ino) renameSync(path, `${path}.1`);
        closeSync(fd);
        fd = -1;
        fd = openSync(path, OPEN_FLAGS, 0o600);
        if (fstatSync(fd).size === 0) {
          const note = `log reached ${maxBytes} bytes; earlier entries of the day are in ${logFileName(time)}.1`;
          data = Buffer.concat([line(time, "info", note), data]);
        }
      }
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written);
    } finally {
      if (fd !== -1) closeSync(fd);
    }
  };

  return {
    dir,
    currentPath: () => join(dir, logFileName(now())),
    write(level, message) {
      try {
        append(now(), level, message);
      } catch (error) {
        if (reported) return;
        reported = true;
        const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        try {
          options.onProblem?.(`cannot write the log in ${dir} (${why}); this run is not being logged`);
        } catch {
          // the reporter must not break the run either
        }
      }
    },
  };
}

/** Delete day files (and their `.1` parts) dated more than `days` days before the day of `time`. */
function prune(dir: string, time: number, days: number): void {
  const today = new Date(time);
  const cutoff = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate()) - days * DAY_MS;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // the write that follows reports the problem
  }
  for (const name of names) {
    const match = FILE_NAME.exec(name);
    if (!match) continue;
    const day = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    if (day >= cutoff) continue;
    try {
      rmSync(join(dir, name), { force: true });
    } catch {
      // left for the next run; pruning must not stop logging
    }
  }
}

function oneLine(text: string): string {
  return text.replace(/\r?\n|\r/g, "\\n");
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function localDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `2025-06-01T10:00:00.250+02:00`: local time, like the file's day, with the offset so it is unambiguous. */
export function localIsoTime(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return (
    `${localDate(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.` +
    `${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
