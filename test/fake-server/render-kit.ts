/** Helpers the protocol renderers share: how a FakeTurn's text is cut into deltas, and the turn's defaults. */
import type { FakeTurn } from "./script.ts";

/**
 * `text` cut into up to three non-empty pieces of about equal length (two when it has two characters), so clients
 * must accumulate deltas. An empty text has no pieces.
 */
export function pieces(text: string, count = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / count));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The stop reason to report: the turn's own, else "tool_use" when it has tool calls, else "stop". */
export function stopOf(turn: FakeTurn): NonNullable<FakeTurn["stop"]> {
  return turn.stop ?? (turn.toolCalls?.length ? "tool_use" : "stop");
}

/** Token counts to report for renderers that do not estimate them: the turn's own, else 10 in and 5 out. */
export function tokenCounts(turn: FakeTurn): { input: number; output: number } {
  return turn.usage ?? { input: 10, output: 5 };
}
