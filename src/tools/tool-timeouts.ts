/**
 * The watchdog's time per tool kind (tools/tool-runtime.ts ends a call that runs longer). From the defaults,
 * then `toolTimeout` in settings (seconds: one number for every kind, or an object by kind), then
 * `--tool-timeout` (every kind).
 */
import type { ToolKind } from "../protocol/permissions.ts";

/** Milliseconds per kind. */
export type ToolTimeouts = Record<ToolKind, number>;

/** The `toolTimeout` setting: seconds for every kind, or per kind. */
export type ToolTimeoutSetting = number | Partial<Record<ToolKind, number>>;

/**
 * Reads and searches end in well under a second; a minute means they wait on something that never comes (a
 * FIFO, a hung network mount). Commands get bash's longest `timeout` (600 s); tools from elsewhere 5 minutes.
 */
export const DEFAULT_TOOL_TIMEOUTS: Readonly<ToolTimeouts> = {
  read: 60_000,
  edit: 60_000,
  exec: 600_000,
  external: 300_000,
};

export function resolveToolTimeouts(setting?: ToolTimeoutSetting, flagMs?: number): ToolTimeouts {
  if (flagMs !== undefined) return { read: flagMs, edit: flagMs, exec: flagMs, external: flagMs };
  const out = { ...DEFAULT_TOOL_TIMEOUTS };
  if (typeof setting === "number") {
    for (const kind of Object.keys(out) as ToolKind[]) out[kind] = setting * 1000;
  } else if (setting) {
    for (const [kind, seconds] of Object.entries(setting) as Array<[ToolKind, number | undefined]>) {
      if (seconds !== undefined) out[kind] = seconds * 1000;
    }
  }
  return out;
}
