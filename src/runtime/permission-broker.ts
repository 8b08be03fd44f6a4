/**
 * Permission requests waiting for an answer. The policy opens one when a call asks and waits; a front answers
 * with the `answer_permission` command. An interrupt (the call's signal) or the end of the session answers
 * every open request with a refusal, so no call waits for an answer that cannot come.
 */
import type { PermissionAnswer } from "../protocol/commands.ts";

export type BrokerAnswer = PermissionAnswer | { decision: "interrupted" };

export type PermissionBroker = {
  /** A new request id, and the answer once it comes (or `interrupted` when the signal aborts first). */
  open(signal: AbortSignal): { requestId: string; answer: Promise<BrokerAnswer> };
  /** False when no request with that id waits (already answered, or never asked). */
  answer(requestId: string, answer: PermissionAnswer): boolean;
  /** Ends every open request as interrupted. */
  cancelAll(): void;
  readonly pending: number;
};

export function createPermissionBroker(): PermissionBroker {
  const waiting = new Map<string, (answer: BrokerAnswer) => void>();
  let next = 0;
  return {
    open(signal) {
      next++;
      const requestId = `perm_${next}`;
      const answer = new Promise<BrokerAnswer>((resolve) => {
        const onAbort = () => finish({ decision: "interrupted" });
        const finish = (value: BrokerAnswer) => {
          signal.removeEventListener("abort", onAbort);
          waiting.delete(requestId);
          resolve(value);
        };
        waiting.set(requestId, finish);
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      });
      return { requestId, answer };
    },
    answer(requestId, answer) {
      const finish = waiting.get(requestId);
      if (!finish) return false;
      finish(answer);
      return true;
    },
    cancelAll() {
      for (const finish of [...waiting.values()]) finish({ decision: "interrupted" });
    },
    get pending() {
      return waiting.size;
    },
  };
}
