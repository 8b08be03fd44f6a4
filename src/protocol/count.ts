/**
 * Counts in messages (tokens, characters, a context window) as `12,345`, one way everywhere. Written out rather
 * than `toLocaleString("en-US")`: its first call loads ICU's locale data, about 25 ms a process.
 */
export function formatCount(n: number): string {
  const whole = Math.round(Math.abs(n)).toString();
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ",");
  return n < 0 && whole !== "0" ? `-${grouped}` : grouped;
}
