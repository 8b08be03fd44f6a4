/**
 * Keeping a conversation inside the model's window. Before each request, if the history is near the limit:
 *  1. elide the output of old tool calls (the model can run them again) and old images (a placeholder stays),
 *     keeping the recent turns whole;
 *  2. if that is not enough, summarise everything but the task and the recent turns with one model call, and
 *     list the files changed so far; if the summary call fails, drop those messages with a note;
 *  3. cut the largest remaining tool outputs if one recent result alone is too big.
 * The server never truncates silently: what was removed is said in the event stream.
 */
import { userText } from "../protocol/images.ts";
import type { Message, ToolCallPart } from "../protocol/messages.ts";
import type { AgentDeps } from "./agent-loop.ts";
import type { ContextLimits, TokenEstimator } from "./context-budget.ts";
import {
  COMPACTION_TRIGGER,
  historyTokens,
  IMAGE_TOKENS,
  messageBytes,
  messageImages,
} from "./context-budget.ts";
import { requestResponse, responseDeps } from "./model-response.ts";

/** Aim for this share after eliding (so compaction does not run again on the next turn). */
const TARGET = 0.6;
/** The recent messages kept whole take at most this share of the usable window. */
const TAIL_SHARE = 0.35;
const ELIDED = "[output elided to fit the model's context window; run the tool again if you need it]";

export type CompactionMethod = "elided" | "summarised" | "dropped" | "truncated";

export type Compaction = {
  messages: Message[];
  method: CompactionMethod;
  beforeTokens: number;
  afterTokens: number;
  /** For "summarised" and "dropped": the message that replaced the older turns, and how many messages follow it. */
  replacement?: { summary: string; keepLast: number };
};

export type Summarise = (transcript: string, signal: AbortSignal) => Promise<string | null>;

export async function fitToWindow(
  history: Message[],
  input: {
    limits: ContextLimits;
    fixedTokens: number;
    estimator: TokenEstimator;
    summarise: Summarise;
    signal: AbortSignal;
    /** Summarise now, however much room is left (a person asked for it: the `compact` command). */
    force?: boolean;
  },
): Promise<Compaction | null> {
  const { limits, fixedTokens, estimator } = input;
  const usable = limits.window - limits.reserveOutput - fixedTokens;
  const size = (messages: Message[]) => historyTokens(messages, estimator);
  const beforeTokens = size(history);
  if (!input.force && beforeTokens <= usable * COMPACTION_TRIGGER) return null;
  const done = (messages: Message[], method: CompactionMethod, replacement?: Compaction["replacement"]) => ({
    messages,
    method,
    beforeTokens,
    afterTokens: size(messages),
    replacement,
  });

  const tailStart = recentStart(history, estimator, usable * TAIL_SHARE);
  const elided = history.map((m, i) => {
    if (i >= tailStart) return m;
    if (m.role === "tool" && m.content.length > ELIDED.length) return { ...m, content: ELIDED };
    if (m.role === "user" && messageImages(m) > 0)
      return {
        ...m,
        content: userText(m.content, { imageNote: "elided to fit the model's context window" }),
      };
    return m;
  });
  if (!input.force && size(elided) <= usable * TARGET) return done(elided, "elided");

  // Summarise the middle: everything after the task and before the recent turns.
  const task = history.find((m) => m.role === "user");
  const middle = history.slice(task ? history.indexOf(task) + 1 : 0, tailStart);
  const tail = history.slice(tailStart);
  if (middle.length > 0) {
    const transcriptBudget = Math.max(2000, Math.floor(usable * 0.5 * 3));
    const summary = await input
      .summarise(transcript(middle, transcriptBudget), input.signal)
      .catch(() => null);
    const changed = changedFiles(middle);
    const text = [
      task ? `The task: ${task.role === "user" ? userText(task.content) : ""}` : "",
      summary
        ? `Earlier work on it, summarised by hearth to fit the model's context window:\n${summary.trim()}`
        : `${middle.length} earlier messages were removed to fit the model's context window.`,
      changed.length > 0 ? `Files changed so far: ${changed.join(", ")}` : "",
      "Continue the task from here.",
    ]
      .filter(Boolean)
      .join("\n\n");
    const messages: Message[] = [{ role: "user", content: text }, ...tail];
    const method = summary ? "summarised" : "dropped";
    const replacement = { summary: text, keepLast: tail.length };
    if (size(messages) <= usable) return done(messages, method, replacement);
    return done(truncateLargest(messages, estimator, usable), method, replacement);
  }
  return done(truncateLargest(elided, estimator, usable), "truncated");
}

/**
 * Where the recent messages start: as many whole turns from the end as fit in `budget` tokens, at least the last
 * assistant message and its results, and never between a tool call and its result.
 */
function recentStart(history: Message[], estimator: TokenEstimator, budget: number): number {
  let start = history.length;
  let bytes = 0;
  let images = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    bytes += messageBytes(history[i]);
    images += messageImages(history[i]);
    if (estimator.tokens(bytes) + images * IMAGE_TOKENS > budget) break;
    if (history[i].role !== "tool") start = i;
  }
  if (start === history.length) {
    // Not even the last turn fits the budget: keep it anyway (its big outputs are cut later).
    for (let i = history.length - 1; i >= 0; i--)
      if (history[i].role !== "tool") {
        start = i;
        break;
      }
  }
  return Math.max(start, 1);
}

function truncateLargest(messages: Message[], estimator: TokenEstimator, usable: number): Message[] {
  const out = [...messages];
  const tokens = () => historyTokens(out, estimator);
  while (tokens() > usable) {
    let largest = -1;
    for (let i = 0; i < out.length; i++) {
      const m = out[i];
      if (
        m.role === "tool" &&
        (largest === -1 || m.content.length > (out[largest] as typeof m).content.length)
      )
        largest = i;
    }
    const target = out[largest];
    if (largest === -1 || target.role !== "tool" || target.content.length < 400) break;
    const keep = Math.floor(target.content.length / 2);
    out[largest] = {
      ...target,
      content: `${target.content.slice(0, keep)}\n[cut by hearth: ${target.content.length - keep} more characters did not fit the model's context window]`,
    };
  }
  return out;
}

/** The messages as plain text for the summary call, the newest kept when it is too long. */
function transcript(messages: Message[], maxChars: number): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.role === "user") lines.push(`User: ${userText(m.content)}`);
    else if (m.role === "tool") lines.push(`Result of ${m.toolName}: ${m.content.slice(0, 1500)}`);
    else
      for (const part of m.content) {
        if (part.type === "text" && part.text.trim()) lines.push(`Assistant: ${part.text}`);
        else if (part.type === "tool_call")
          lines.push(`Assistant called ${part.name} ${JSON.stringify(part.arguments)}`);
      }
  }
  const text = lines.join("\n");
  return text.length > maxChars ? `[earlier part cut]\n${text.slice(text.length - maxChars)}` : text;
}

/** Paths written or edited by hearth's file tools in these messages. */
function changedFiles(messages: Message[]): string[] {
  const paths = new Set<string>();
  for (const m of messages) {
    if (m.role !== "assistant") continue;
    for (const part of m.content) {
      const call = part as ToolCallPart;
      if (part.type === "tool_call" && (call.name === "write" || call.name === "edit")) {
        const path = call.arguments.path ?? call.arguments.file_path;
        if (typeof path === "string") paths.add(path);
      }
    }
  }
  return [...paths];
}

export const SUMMARY_SYSTEM_PROMPT =
  "You summarise a coding session so that it can continue with less context. Write a short, factual summary: what the user asked, what was found (files, functions, facts), what was changed and why, what failed, and what remains to do. Keep file paths, names and numbers exact. No preamble.";

/** One model call that turns a transcript into a summary (no tools); null when it fails. */
export async function summarise(
  transcript: string,
  deps: AgentDeps,
  signal: AbortSignal,
): Promise<string | null> {
  const outcome = await requestResponse(
    { system: SUMMARY_SYSTEM_PROMPT, messages: [{ role: "user", content: transcript }], tools: [] },
    responseDeps(deps, "native"),
    { requestSent: () => {}, textDelta: () => {}, reasoningDelta: () => {}, retryScheduled: () => {} },
    signal,
  );
  if (!outcome.ok) return null;
  const text = outcome.message.content.map((p) => (p.type === "text" ? p.text : "")).join("");
  return text.trim() || null;
}
