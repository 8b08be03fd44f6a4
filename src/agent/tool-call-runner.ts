/**
 * Running the tool calls of one response. Calls whose arguments could not be read, and calls the repeat guard
 * stops, get an error result without running; the rest go to the injected tools. Results come back in the order
 * the model issued the calls, one per call, even when interrupted.
 */
import type { ToolCallPart, ToolResultMessage, ToolSpec } from "../protocol/messages.ts";
import { REPEAT_LIMIT, type RepeatGuard, repeatMessage } from "./tool-loop-guard.ts";

export type ToolCallOutcome = { content: string; isError: boolean; details?: unknown };

/** The tools as the loop sees them. `run` must never throw. */
export type LoopTools = {
  specs: ToolSpec[];
  run(call: ToolCallPart, signal: AbortSignal): Promise<ToolCallOutcome>;
  /** Calls for which this is true may run concurrently with their neighbours. */
  isConcurrencySafe(name: string): boolean;
};

/** What reading the response found out about its calls, by call id. */
export type CallChecks = {
  /** The line the model gets instead of a result, for calls whose arguments could not be read. */
  argumentErrors: Map<string, string>;
  /** What was repaired in a call before it ran. */
  repairs: Map<string, string[]>;
};

export type ToolEmit = {
  started(call: ToolCallPart): void;
  loopDetected(call: ToolCallPart, repeats: number): void;
  ended(call: ToolCallPart, outcome: ToolCallOutcome, durationMs: number, repaired?: string[]): void;
};

/** Consecutive concurrency-safe calls run together; the others one at a time. */
export async function runToolCalls(
  calls: ToolCallPart[],
  checks: CallChecks,
  tools: LoopTools,
  guard: RepeatGuard,
  signal: AbortSignal,
  emit: ToolEmit,
): Promise<ToolResultMessage[]> {
  // Observed up front, in issue order, so concurrent batches cannot reorder the row.
  const repeats = calls.map((call) => guard.observe(call, checks.argumentErrors.get(call.id)));
  const outcomes: ToolCallOutcome[] = new Array(calls.length);
  const runOne = async (index: number) => {
    const call = calls[index];
    const started = Date.now();
    emit.started(call);
    let outcome: ToolCallOutcome;
    const argError = checks.argumentErrors.get(call.id);
    if (signal.aborted) {
      const why =
        signal.reason === "max_time"
          ? "the run's time limit (--max-time) was reached"
          : "interrupted by the user";
      outcome = { content: `${why} before it ran`, isError: true };
    } else if (argError) outcome = { content: argError, isError: true };
    else if (repeats[index] >= REPEAT_LIMIT) {
      emit.loopDetected(call, repeats[index]);
      outcome = { content: repeatMessage(call, repeats[index]), isError: true };
    } else outcome = await tools.run(call, signal);
    outcomes[index] = outcome;
    const repaired = checks.repairs.get(call.id);
    emit.ended(call, outcome, Date.now() - started, repaired?.length ? repaired : undefined);
  };
  let i = 0;
  while (i < calls.length) {
    if (tools.isConcurrencySafe(calls[i].name)) {
      const batch: number[] = [];
      while (i < calls.length && tools.isConcurrencySafe(calls[i].name)) batch.push(i++);
      await Promise.all(batch.map(runOne));
    } else {
      await runOne(i++);
    }
  }
  return calls.map((call, index) => ({
    role: "tool",
    toolCallId: call.id,
    toolName: call.name,
    content: outcomes[index].content,
    isError: outcomes[index].isError,
  }));
}
