/**
 * The status line under the prompt: the model with a local or cloud badge, the permission mode, the tokens
 * used so far and (cloud) the cost, the context used and a local model's latency; then what the front wants the user to know right now (a key hint).
 */
import { truncate } from "./text-width.ts";
import type { Theme } from "./theme.ts";

export type StatusState = {
  model: string;
  /** The model runs on this machine. */
  local: boolean;
  mode: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
};

export function formatTokens(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
  return `${(count / 1_000_000).toFixed(1)}M`;
}

/** `extras`: more facts after the tokens (context used, the latency badge), left out when empty. */
export function statusLine(
  state: StatusState,
  hint: string,
  theme: Theme,
  width: number,
  extras: string[] = [],
): string {
  // Before the session has said what it runs with (it is still opening): nothing to show but that.
  if (!state.model) return theme.dim(truncate(`opening the session…${hint ? ` · ${hint}` : ""}`, width));
  const badge = state.local ? "local" : "cloud";
  const tokens = `${formatTokens(state.inputTokens)} in / ${formatTokens(state.outputTokens)} out`;
  const cost = state.costUsd !== null && !state.local ? ` · $${state.costUsd.toFixed(2)}` : "";
  const more = extras
    .filter(Boolean)
    .map((extra) => ` · ${extra}`)
    .join("");
  const text = `${state.model} [${badge}] · ${state.mode} mode · ${tokens}${cost}${more}${hint ? ` · ${hint}` : ""}`;
  return theme.dim(truncate(text, width));
}
