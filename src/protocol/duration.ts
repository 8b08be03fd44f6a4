/**
 * Durations for people, one way everywhere (`--tool-timeout 90s`, a watchdog's message): "500ms", "90s", "2m",
 * "1h", or a bare number of seconds. Here in protocol/ because the CLI parses them and the tools print them.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds for "500ms", "90s", "1.5m", "2h" or "30" (seconds); null when it is not a positive duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return null;
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? "s"]);
  return ms > 0 && Number.isFinite(ms) ? ms : null;
}

/** "500 ms", "30 s", "1.5 s", "10 min": how long something ran or may run. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}
