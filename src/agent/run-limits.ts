/**
 * Guarded runs: a wall clock for the whole run (`maxTimeMs`) and a spending cap (`maxCostUsd`, from the catalog
 * prices). The clock aborts the run's signal, so the request or tool in flight stops at once (a command's
 * process group is killed). The cost is checked once a response's tool calls have run, before the next request:
 * the loop ends there, so every call has its result and the session can be continued.
 * Local models and models without a known price are never stopped by cost (the front refuses a cap it cannot
 * check: see `costLimitProblem`).
 */
import type { Usage } from "../protocol/messages.ts";
import { estimateCost } from "../providers/catalog.ts";
import type { ResolvedModel } from "../providers/provider.ts";

export type RunLimits = { maxTimeMs?: number; maxCostUsd?: number };
export type LimitReason = "max_time" | "max_cost";

export type RunGuard = {
  /** Aborted when the caller's signal aborts or when the time is up. */
  signal: AbortSignal;
  /** Checks the run's usage so far against the cost limit; true when it is reached. */
  overBudget(total: Usage): boolean;
  /** The limit that stopped the run, if one did (a user's interrupt first is not a limit). */
  hit(): LimitReason | undefined;
  /** Stops the clock. */
  dispose(): void;
};

export function guardRun(
  limits: RunLimits | undefined,
  model: Pick<ResolvedModel, "provider" | "id">,
  outer: AbortSignal,
): RunGuard {
  const controller = new AbortController();
  let hit: LimitReason | undefined;
  const onOuter = () => controller.abort(outer.reason);
  if (outer.aborted) onOuter();
  else outer.addEventListener("abort", onOuter, { once: true });
  const timer =
    limits?.maxTimeMs !== undefined
      ? setTimeout(() => {
          if (controller.signal.aborted) return;
          hit = "max_time";
          controller.abort(hit);
        }, limits.maxTimeMs)
      : undefined;
  return {
    signal: controller.signal,
    overBudget(total) {
      if (limits?.maxCostUsd === undefined || controller.signal.aborted) return false;
      const cost = estimateCost(model.provider, model.id, total);
      if (cost === null || cost < limits.maxCostUsd) return false;
      hit = "max_cost";
      return true;
    },
    hit: () => hit,
    dispose() {
      clearTimeout(timer);
      outer.removeEventListener("abort", onOuter);
    },
  };
}

/**
 * Whether a cost limit can be kept with this model: a problem (a usage error) for a cloud model without a known
 * price, a note for a local model (it costs nothing, so the limit never stops it) when the flag asked for one.
 */
export function costLimitProblem(
  model: Pick<ResolvedModel, "provider" | "id" | "local">,
  source: "--max-cost" | "maxCost in settings",
): { problem?: string; note?: string } {
  if (model.local)
    return source === "--max-cost"
      ? { note: "--max-cost does not apply to a local model (it costs nothing)" }
      : {};
  if (estimateCost(model.provider, model.id, { inputTokens: 0, outputTokens: 0 }) !== null) return {};
  return {
    problem: `${source} needs the model's price, and ${model.provider}/${model.id} has none in the catalog; use a cloud model whose price the catalog knows, or run without a cost limit`,
  };
}
