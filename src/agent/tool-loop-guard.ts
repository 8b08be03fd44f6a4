/**
 * Noticing a model stuck in a loop: the same tool with the same arguments (compared as canonical JSON, so key order
 * does not matter) issued REPEAT_LIMIT times in a row, across turns. Any other call in between breaks the row.
 *
 * Decision: from the REPEAT_LIMIT-th identical call on, the call is not run, whatever the tool. Its earlier results
 * are already in the conversation, running a write or a command again could do harm, and a read-only repeat would
 * only feed the loop. The model gets an error result that tells it so and asks it to change approach.
 */
import type { ToolCallPart } from "../protocol/messages.ts";

export const REPEAT_LIMIT = 3;

export type RepeatGuard = {
  /** Records a call, in the order the model issued it; returns how many identical calls in a row end with it. */
  observe(call: ToolCallPart, argumentError?: string): number;
};

export function createRepeatGuard(): RepeatGuard {
  let last = "";
  let count = 0;
  return {
    observe(call, argumentError) {
      // Unreadable arguments parse to {}; compare them by their error so two different broken calls differ.
      const key = `${call.name}\u0000${argumentError ?? canonicalJson(call.arguments)}`;
      count = key === last ? count + 1 : 1;
      last = key;
      return count;
    },
  };
}

/** The result the model gets instead of running a repeated call. */
export function repeatMessage(call: ToolCallPart, repeats: number): string {
  return (
    `${call.name} was not run: this is the ${ordinal(repeats)} identical ${call.name} call in a row (same ` +
    "arguments) and its earlier results are above. Do not repeat it: use those results, or change approach " +
    "(other arguments or another tool)."
  );
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    Object.defineProperty(out, key, {
      value: sortKeys((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th");
  return `${n}${suffix}`;
}
