/**
 * Retry policy for model requests: backoff with jitter on retryable errors, honouring retry-after, within a
 * total budget of wall-clock time across attempts. Running out of attempts or budget gives the last error with
 * a line saying hearth gave up and after how many attempts.
 */
import type { ProviderError } from "../protocol/errors.ts";

export type RetryPolicy = {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Wall-clock time from the start of the first attempt after which no new attempt starts. A retried attempt also
   * waits for its first byte only until then; the first attempt has its own first-byte timeout.
   */
  budgetMs: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  budgetMs: 60_000,
};

/** What to do after a failed attempt: wait `delayMs` and try again, or stop with `error` (reworded when given up). */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; error: ProviderError };

/**
 * The decision after attempt `attempt` (1-based) failed with `error`, `elapsedMs` after the first attempt began.
 * A non-retryable error comes back unchanged; a retryable one that cannot be retried any more says why.
 */
export function retryDecision(
  error: ProviderError,
  attempt: number,
  elapsedMs: number,
  policy: RetryPolicy,
  random = Math.random,
): RetryDecision {
  if (!error.retryable) return { retry: false, error };
  const tried = `${attempt} attempt${attempt === 1 ? "" : "s"}`;
  const gaveUp = (why: string): RetryDecision => ({
    retry: false,
    error: { ...error, retryable: false, message: `${error.message}; gave up after ${tried}${why}` },
  });
  const left = policy.budgetMs - elapsedMs;
  if (error.retryAfterMs !== undefined && error.retryAfterMs > Math.max(0, left)) {
    const wait = seconds(error.retryAfterMs);
    const at = new Date(Date.now() + error.retryAfterMs).toLocaleTimeString("en-GB", { hour12: false });
    return gaveUp(
      ` (the server asked to wait ${wait} before retrying, longer than the ${seconds(policy.budgetMs)} retry budget: try again after ${at}, or use another model)`,
    );
  }
  if (attempt >= policy.maxAttempts) return gaveUp("");
  const delayMs = error.retryAfterMs ?? backoff(attempt, policy, random);
  // An attempt needs time of its own after the wait: one squeezed into the budget's last moments cannot answer.
  const leastForAttempt = Math.min(1000, policy.budgetMs / 10);
  if (left <= 0 || delayMs + leastForAttempt > left)
    return gaveUp(` in ${seconds(elapsedMs)} (the retry budget is ${seconds(policy.budgetMs)})`);
  return { retry: true, delayMs };
}

function backoff(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter in the upper half keeps clients apart without ever retrying instantly.
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** "45 s", "1.5 s", "3 min 20 s". */
export function seconds(ms: number): string {
  if (ms < 10_000) return `${Math.round(ms / 100) / 10} s`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
}

/** Resolves after `ms`, or early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
