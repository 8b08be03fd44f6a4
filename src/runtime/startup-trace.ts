/** `HEARTH_TRACE_STARTUP=1` prints start-up milestones (ms since the process started) to stderr, for bench/. */
const enabled = process.env.HEARTH_TRACE_STARTUP === "1";

export function mark(milestone: string): void {
  if (enabled) process.stderr.write(`hearth-trace ${performance.now().toFixed(1)} ${milestone}\n`);
}
