/**
 * The limits of a guarded run, from the flags or else the settings (`--max-time`/`maxTime`,
 * `--max-cost`/`maxCost`), checked against the chosen model; and the line that says which one stopped a run.
 * The limits themselves are kept by the agent loop (agent/run-limits.ts).
 */
import { costLimitProblem, type LimitReason, type RunLimits } from "../agent/run-limits.ts";
import { formatDuration, parseDuration } from "../protocol/duration.ts";
import type { ResolvedModel } from "../providers/provider.ts";
import type { Settings } from "../store/settings-schema.ts";
import type { SessionOptions } from "./session-options.ts";

export type GuardedRun = { limits: RunLimits; timeSource?: string; costSource?: string };

export function chooseRunLimits(
  options: Pick<SessionOptions, "maxTimeMs" | "maxCostUsd">,
  settings: Pick<Settings, "maxTime" | "maxCost">,
  model: Pick<ResolvedModel, "provider" | "id" | "local">,
  say: (line: string) => void,
): { ok: true; run: GuardedRun } | { ok: false; problem: string } {
  const run: GuardedRun = { limits: {} };
  if (options.maxTimeMs !== undefined) {
    run.limits.maxTimeMs = options.maxTimeMs;
    run.timeSource = "--max-time";
  } else if (settings.maxTime !== undefined) {
    const { maxTime } = settings;
    const ms = typeof maxTime === "number" ? Math.round(maxTime * 1000) : parseDuration(maxTime);
    if (!ms)
      return { ok: false, problem: 'maxTime in settings must be a duration such as "90s", "30m" or "1h"' };
    run.limits.maxTimeMs = ms;
    run.timeSource = "maxTime in settings";
  }
  const costSource = options.maxCostUsd !== undefined ? "--max-cost" : "maxCost in settings";
  const maxCostUsd = options.maxCostUsd ?? settings.maxCost;
  if (maxCostUsd !== undefined) {
    const { problem, note } = costLimitProblem(model, costSource);
    if (problem) return { ok: false, problem };
    if (note) say(note);
    run.limits.maxCostUsd = maxCostUsd;
    run.costSource = costSource;
  }
  return { ok: true, run };
}

const CONTINUE = 'the session is kept: continue it with hearth -c -p "<next step>"';

/** The stderr line for a run a limit stopped. */
export function limitStopLine(reason: LimitReason, run: GuardedRun, costUsd: number | null): string {
  if (reason === "max_time")
    return `stopped: the run reached its time limit of ${formatDuration(run.limits.maxTimeMs ?? 0)} (${run.timeSource}); the task may be unfinished; ${CONTINUE}`;
  const spent = costUsd === null ? "" : ` (spent about $${costUsd})`;
  return `stopped before the next model request: the run reached its cost limit of $${run.limits.maxCostUsd} (${run.costSource})${spent}; ${CONTINUE}, with a higher limit`;
}
