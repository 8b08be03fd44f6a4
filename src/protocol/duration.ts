/**
 * Durations as people write them, one way everywhere (`--max-time 90s`, `--tool-timeout 2m`, a watchdog's
 * message): a number and a unit, `500ms`, `90s`, `2m`, `1h` (also `1.5h`). Here in protocol/ because the CLI
 * parses them and the tools print them.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or null when the text is not a positive duration with a unit. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) return null;
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2]]);
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

/** Milliseconds as a short duration for messages: `500ms`, `3s`, `1.5s`, `2m`, `1h`, `90m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 100) / 10}s`;
}
