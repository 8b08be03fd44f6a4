/**
 * A running command's progress for the person watching: the last line of output it printed, at most one report
 * every `intervalMs`, and only when it changed. Lines are redacted (the tool's redactor), stripped of carriage
 * returns and cut to 200 characters; control sequences are the front's to strip.
 */
const MAX_CHARS = 200;

export type ProgressLines = { push(chunk: Buffer): void; close(): void };

export function createProgressLines(
  report: (line: string) => void,
  options: { intervalMs?: number; redact?: (text: string) => string } = {},
): ProgressLines {
  const intervalMs = options.intervalMs ?? 500;
  let partial = "";
  let latest = "";
  let reported = "";
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (latest === reported) return;
    reported = latest;
    const text = options.redact ? options.redact(latest) : latest;
    report(text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1)}…` : text);
  };
  return {
    push(chunk) {
      // The tail of the text only: a line longer than a few KiB is cut anyway.
      const text = partial + chunk.subarray(Math.max(0, chunk.length - 4096)).toString("utf8");
      const lines = text.split("\n");
      partial = (lines.pop() ?? "").slice(-4096);
      for (let i = lines.length - 1; i >= 0; i--) {
        // A carriage return redraws the line (a progress bar): what is after the last one is what shows.
        const line = (lines[i].replace(/\r+$/, "").split("\r").pop() ?? "").trim();
        if (line) {
          latest = line;
          break;
        }
      }
      if (latest !== reported && !timer) {
        timer = setTimeout(flush, intervalMs);
        timer.unref();
      }
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
