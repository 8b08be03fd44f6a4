/**
 * How many tokens a request needs, against the model's real context window. Sizes are estimated from bytes and
 * calibrated by the provider's own count after every response, so the estimate follows the model's tokenizer.
 * An image counts as IMAGE_TOKENS whatever its bytes (its base64 says nothing about what a model makes of it).
 */

import { formatCount } from "../protocol/count.ts";
import type { Message, ToolSpec, Usage } from "../protocol/messages.ts";

export type ContextLimits = {
  /** The window the model runs with, in tokens. */
  window: number;
  /** Where the number comes from, for messages ("loaded by LM Studio", "num_ctx sent to Ollama"). */
  source?: string;
  /** Tokens kept free for the answer. */
  reserveOutput: number;
};

/** Bytes per token before any response calibrated it: low on purpose (code and JSON tokenize densely). */
const DEFAULT_BYTES_PER_TOKEN = 3;

/**
 * What an image counts for: about what a large screenshot costs (Anthropic counts width × height / 750 tokens,
 * about 1,600 for the largest image it takes unscaled; OpenAI's and Gemini's counts are of the same order).
 */
export const IMAGE_TOKENS = 1600;

export type TokenEstimator = {
  tokens(bytes: number): number;
  /**
   * Learn from a response: the request had `bytes` bytes of text and `images` images, and the provider counted
   * `usage`.
   */
  calibrate(bytes: number, usage: Usage | undefined, images?: number): void;
};

export function createTokenEstimator(): TokenEstimator {
  let bytesPerToken = DEFAULT_BYTES_PER_TOKEN;
  return {
    tokens: (bytes) => Math.ceil(bytes / bytesPerToken),
    calibrate(bytes, usage, images = 0) {
      if (!usage) return;
      const counted =
        usage.inputTokens +
        (usage.cacheReadTokens ?? 0) +
        (usage.cacheWriteTokens ?? 0) -
        images * IMAGE_TOKENS;
      // Small requests say little about the ratio; a ratio outside 1.5..6 is a provider counting oddly.
      if (counted < 200) return;
      const ratio = bytes / counted;
      if (ratio >= 1.5 && ratio <= 6) bytesPerToken = ratio * 0.95;
    },
  };
}

/** The bytes of a message's text (an image's are not counted here: see messageImages). */
export function messageBytes(message: Message): number {
  if (message.role === "user") {
    const { content } = message;
    if (typeof content === "string") return Buffer.byteLength(content) + 16;
    let bytes = 16;
    for (const part of content) if (part.type === "text") bytes += Buffer.byteLength(part.text);
    return bytes;
  }
  if (message.role === "tool") return Buffer.byteLength(message.content) + 48;
  let bytes = 16;
  for (const part of message.content) {
    if (part.type === "tool_call")
      bytes += Buffer.byteLength(JSON.stringify(part.arguments)) + part.name.length + 48;
    else bytes += Buffer.byteLength(part.text);
  }
  return bytes;
}

export function fixedBytes(system: string, tools: ToolSpec[]): number {
  return Buffer.byteLength(system) + Buffer.byteLength(JSON.stringify(tools));
}

export function historyBytes(messages: Message[]): number {
  let total = 0;
  for (const message of messages) total += messageBytes(message);
  return total;
}

/** The images a message carries. */
export function messageImages(message: Message): number {
  if (message.role !== "user" || typeof message.content === "string") return 0;
  return message.content.filter((part) => part.type === "image").length;
}

export function historyImages(messages: Message[]): number {
  let total = 0;
  for (const message of messages) total += messageImages(message);
  return total;
}

/** A message's estimated tokens: its text by the estimator, each image as IMAGE_TOKENS. */
export function messageTokens(message: Message, estimator: TokenEstimator): number {
  return estimator.tokens(messageBytes(message)) + messageImages(message) * IMAGE_TOKENS;
}

/** The history's estimated tokens: its text by the estimator, each image as IMAGE_TOKENS. */
export function historyTokens(messages: Message[], estimator: TokenEstimator): number {
  return estimator.tokens(historyBytes(messages)) + historyImages(messages) * IMAGE_TOKENS;
}

/** Compact when the history would pass this share of the window left after the fixed prompt and the answer. */
export const COMPACTION_TRIGGER = 0.85;

export function needsCompaction(
  history: Message[],
  limits: ContextLimits,
  fixedTokens: number,
  estimator: TokenEstimator,
): boolean {
  const usable = limits.window - limits.reserveOutput - fixedTokens;
  return historyTokens(history, estimator) > usable * COMPACTION_TRIGGER;
}

const thousands = formatCount;

/** The line for a window too small for hearth's fixed prompt, or null when it fits. `advice` ends the line. */
export function fixedPromptProblem(
  model: string,
  limits: ContextLimits,
  fixedTokens: number,
  firstMessageTokens: number,
  advice = "load the model with a larger context, or use --profile lean",
): string | null {
  const needed = fixedTokens + firstMessageTokens + limits.reserveOutput;
  if (needed <= limits.window) return null;
  const source = limits.source ? ` (${limits.source})` : "";
  return `${model} runs with a ${thousands(limits.window)}-token context window${source}; hearth needs about ${thousands(needed)} (prompt and tools ${thousands(fixedTokens)}, your message ${thousands(firstMessageTokens)}, ${thousands(limits.reserveOutput)} for the answer): ${advice}`;
}

/** The share of its estimated size the history is cut to after the server refused a request as too long. */
const SHRINK_AFTER_REFUSAL = 0.7;

/**
 * Limits to compact to after the server refused a request as too long: the history must fit in about 70% of its
 * estimated size (the estimate was evidently too low), and never beyond the known window.
 */
export function shrunkLimits(
  limits: ContextLimits | undefined,
  historyTokens: number,
  fixedTokens: number,
): ContextLimits {
  const reserveOutput = limits?.reserveOutput ?? 0;
  const window = fixedTokens + reserveOutput + Math.floor(historyTokens * SHRINK_AFTER_REFUSAL);
  return { window: limits ? Math.min(limits.window, window) : window, reserveOutput, source: limits?.source };
}
