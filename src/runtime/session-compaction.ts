/**
 * The `compact` command: the conversation so far is summarised now (the task, a summary of the work, the recent
 * turns kept as they are), recorded in the session like a compaction the loop makes, and used from the next
 * prompt on. A summary request that fails or is interrupted changes nothing. Loaded only when asked for.
 */

import { fitToWindow, summarise } from "../agent/compaction.ts";
import { createTokenEstimator, fixedBytes } from "../agent/context-budget.ts";
import type { AgentEventOf } from "../protocol/events.ts";
import type { SessionParts } from "./compose-session.ts";

/** Used when the model's window is unknown: the summary is made all the same. */
const UNKNOWN_WINDOW = 128_000;

export async function compactSession(parts: SessionParts, signal: AbortSignal): Promise<void> {
  const { session, current } = parts;
  const history = session.history();
  if (history.length < 3) {
    parts.emit("notice", { level: "info", text: "nothing to compact yet" });
    return;
  }
  const limits = current.limits ?? { window: UNKNOWN_WINDOW, reserveOutput: 4096 };
  const estimator = createTokenEstimator();
  const deps = { model: current.model, stream: current.stream, http: parts.http, tools: noTools };
  const compaction = await fitToWindow(history, {
    limits,
    fixedTokens: estimator.tokens(fixedBytes(current.system, current.specs)),
    estimator,
    signal,
    force: true,
    summarise: (text, summarySignal) => summarise(text, deps, summarySignal),
  });
  if (signal.aborted) {
    parts.emit("notice", {
      level: "warning",
      text: "compact interrupted; the conversation is left as it was",
    });
    return;
  }
  if (!compaction?.replacement) {
    parts.emit("notice", { level: "info", text: "nothing to compact: the conversation is all recent turns" });
    return;
  }
  // Without a summary the older turns would only be dropped: the loop does that when the window is full, but
  // a person who asked for a summary keeps the conversation.
  if (compaction.method !== "summarised") {
    parts.emit("notice", {
      level: "error",
      text: `compact: ${current.name} gave no summary; the conversation is left as it was`,
    });
    return;
  }
  const event: AgentEventOf<"context_compacted"> = {
    type: "context_compacted",
    sessionId: session.id,
    turn: session.turn,
    ts: Date.now(),
    method: compaction.method,
    beforeTokens: compaction.beforeTokens,
    afterTokens: compaction.afterTokens,
    window: limits.window,
    summary: compaction.replacement.summary,
    keepLast: compaction.replacement.keepLast,
  };
  session.record(event);
  parts.forward(event);
}

const noTools = {
  specs: [],
  run: async () => ({ content: "", isError: true }),
  isConcurrencySafe: () => false,
};
