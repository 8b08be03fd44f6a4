/** `HEARTH_TRACE_STARTUP=1` prints start-up milestones (and the UI's time per key) (ms since the process started) to stderr, for bench/. */
const enabled = process.env.HEARTH_TRACE_STARTUP === "1";

/** Whether milestones are printed (a caller that must measure before it can mark asks first). */
export const tracing = enabled;

export function mark(milestone: string): void {
  if (enabled) process.stderr.write(`hearth-trace ${performance.now().toFixed(1)} ${milestone}\n`);
}
