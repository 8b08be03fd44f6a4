/**
 * Sizes for people, one way everywhere (sessions, downloads, egress, the engine, tool messages): decimal units as
 * download sites and `ls --si` show them (512 B, 1.7 kB, 42 MB, 4.1 GB). Here in protocol/ because the CLI and
 * the tools both print sizes and this is the one layer both may import; like ids.ts, a small runtime file.
 */

const UNITS = ["B", "kB", "MB", "GB", "TB"];

/** "512 B", "1.7 kB", "42 MB": one decimal below 10, whole numbers above. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (unit < UNITS.length - 1 && (unit === 0 ? value >= 1000 : value >= 999.5)) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // 9.96 would print as "10.0": switch to whole numbers at the same point the rounding does.
  return `${value < 9.95 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}
