/**
 * The progress display of a download, on stderr. On a terminal: one line redrawn in place at most 10 times a
 * second (bytes done/total, percent, rate, ETA). Otherwise (CI logs, pipes): a line each time another 10% is
 * done (each 100 MB when the size is unknown) and a final line. The rate is measured over the last 5 seconds.
 */
import { formatBytes } from "../protocol/byte-size.ts";

export type ProgressOptions = {
  write: (text: string) => void;
  tty: boolean;
  /** What is downloading, for the first line. */
  label: string;
  now?: () => number;
};

export type DownloadProgress = {
  /** The transfer starts at `done` bytes (non-zero when resuming) of `total` (when known). */
  start(done: number, total: number | undefined): void;
  update(done: number): void;
  /** All bytes are in: the final line. */
  finish(done: number): void;
  /** The transfer stopped early: end the redrawn line so the next message starts on its own line. */
  stop(): void;
};

const REDRAW_MS = 100;
const WINDOW_MS = 5000;
const STEP_UNKNOWN = 100_000_000;

export function createDownloadProgress(options: ProgressOptions): DownloadProgress {
  const now = options.now ?? Date.now;
  let total: number | undefined;
  let startedAt = 0;
  let startBytes = 0;
  let lastDraw = -Infinity;
  let lastStep = 0;
  let drawn = false;
  let samples: Array<{ t: number; bytes: number }> = [];

  const rate = (t: number, done: number): number | undefined => {
    if (t - samples[samples.length - 1].t >= REDRAW_MS) samples.push({ t, bytes: done });
    while (samples.length > 2 && t - samples[1].t >= WINDOW_MS) samples.shift();
    const first = t - samples[0].t >= 500 ? samples[0] : { t: startedAt, bytes: startBytes };
    const seconds = (t - first.t) / 1000;
    return seconds > 0 ? (done - first.bytes) / seconds : undefined;
  };

  const status = (done: number, bytesPerSecond: number | undefined): string => {
    const parts = [total ? `${formatBytes(done)} / ${formatBytes(total)}` : formatBytes(done)];
    if (total) parts.push(`${Math.floor((done / total) * 100)}%`);
    if (bytesPerSecond !== undefined) parts.push(`${formatBytes(Math.round(bytesPerSecond))}/s`);
    if (total && bytesPerSecond && bytesPerSecond > 0 && done < total)
      parts.push(`ETA ${formatDuration((total - done) / bytesPerSecond)}`);
    return parts.join("  ");
  };

  return {
    start(done, size) {
      total = size;
      startedAt = now();
      startBytes = done;
      samples = [{ t: startedAt, bytes: done }];
      lastStep = step(done);
      const of = total ? ` of ${formatBytes(total)}` : "";
      options.write(
        done > 0
          ? `resuming ${options.label} at ${formatBytes(done)}${of}\n`
          : `downloading ${options.label}${total ? ` (${formatBytes(total)})` : ""}\n`,
      );
    },
    update(done) {
      const t = now();
      const bytesPerSecond = rate(t, done);
      if (options.tty) {
        if (t - lastDraw < REDRAW_MS) return;
        lastDraw = t;
        drawn = true;
        options.write(`\r${status(done, bytesPerSecond)}\x1b[K`);
        return;
      }
      const current = step(done);
      if (current <= lastStep) return;
      lastStep = current;
      options.write(`${status(done, bytesPerSecond)}\n`);
    },
    finish(done) {
      const seconds = (now() - startedAt) / 1000;
      const received = done - startBytes;
      const speed = seconds > 0 ? `, ${formatBytes(Math.round(received / seconds))}/s` : "";
      const line = `${formatBytes(done)} done: ${formatBytes(received)} in ${formatDuration(seconds)}${speed}`;
      options.write(options.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
      drawn = false;
    },
    stop() {
      if (options.tty && drawn) options.write("\n");
      drawn = false;
    },
  };

  /** Which 10% (or 100 MB) step `done` is in. */
  function step(done: number): number {
    return total ? Math.floor((done / total) * 10) : Math.floor(done / STEP_UNKNOWN);
  }
}

/** 0.4 s -> "0.4s", 65 s -> "1m05s", 3700 s -> "1h01m". */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
