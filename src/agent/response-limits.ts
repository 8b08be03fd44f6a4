/**
 * How long hearth waits for a model, per provider kind. Every request has three clocks:
 *  - first byte: from sending the request to the first byte of the response (headers included);
 *  - idle: once the response has started, the longest silence between two pieces of it;
 *  - retry budget: wall-clock time across all attempts of one request; no new attempt starts after it.
 *
 * Local servers and the embedded engine may load a model and read a long prompt on a CPU before they send
 * anything: minutes are normal there, so they get 300 s to the first byte and a 10-minute budget. A cloud API
 * answers with its response headers at once, even when the model then reasons for minutes, so a cloud endpoint
 * silent for 60 s is taken for dead, and the 60 s budget ends the request there: a dead cloud endpoint fails
 * within about a minute instead of five attempts of five minutes. Once a response has started, silence is allowed
 * for 300 s on both kinds (a reasoning model may think for minutes between two streamed pieces).
 * `requestIdleTimeout` in settings sets the first-byte and idle timeouts together; `requestRetryBudget` the budget.
 */
import type { ResolvedModel } from "../providers/provider.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.ts";

export type ResponseLimits = {
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  retry: RetryPolicy;
};

export type LimitOverrides = {
  /** From settings: replaces both the first-byte and the idle timeout. */
  idleTimeoutMs?: number;
  /** From settings: replaces the retry budget of the provider kind. */
  retryBudgetMs?: number;
  /** A whole policy (tests). */
  retry?: RetryPolicy;
};

const LOCAL = { firstByteTimeoutMs: 300_000, idleTimeoutMs: 300_000, budgetMs: 600_000 };
const CLOUD = { firstByteTimeoutMs: 60_000, idleTimeoutMs: 300_000, budgetMs: 60_000 };

/** Local servers (Ollama, LM Studio, llama.cpp) and the embedded engine are slow to start; cloud APIs are not. */
export function isSlowToStart(model: ResolvedModel): boolean {
  return model.local || model.api === "embedded";
}

export function responseLimits(model: ResolvedModel, overrides: LimitOverrides = {}): ResponseLimits {
  const kind = isSlowToStart(model) ? LOCAL : CLOUD;
  const retry = overrides.retry ?? {
    ...DEFAULT_RETRY_POLICY,
    budgetMs: overrides.retryBudgetMs ?? kind.budgetMs,
  };
  return {
    firstByteTimeoutMs: overrides.idleTimeoutMs ?? kind.firstByteTimeoutMs,
    idleTimeoutMs: overrides.idleTimeoutMs ?? kind.idleTimeoutMs,
    retry,
  };
}
