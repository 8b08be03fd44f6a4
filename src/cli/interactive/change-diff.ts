/**
 * The coloured diff printed under a finished write or edit, so every change stays in the history. Where it comes
 * from, best first: the tool's own diff (its details: what an edit really replaced, what a write's replacement
 * changed); the diff the permission prompt showed; a new file's content (every line added).
 */
import type { AgentEventOf } from "../../protocol/events.ts";
import { lineDiff } from "../../tools/line-diff.ts";
import { terminalText } from "../terminal-text.ts";
import { truncate } from "./text-width.ts";
import type { Theme } from "./theme.ts";

/** Diff lines shown at most (the rest is counted in a "… N more lines" line). */
export const MAX_DIFF_LINES = 20;

/** The unified diff a finished call made, or undefined (not a write or edit, failed, or nothing to show). */
export function changeDiff(
  event: AgentEventOf<"tool_call_ended">,
  asked: string | undefined,
): string | undefined {
  const { name } = event.call;
  if (event.isError || (name !== "write" && name !== "edit")) return undefined;
  const details = (event.details ?? {}) as { diff?: unknown; created?: unknown; path?: unknown };
  if (typeof details.diff === "string") return details.diff;
  if (asked) return asked;
  const args = (event.call.arguments ?? {}) as Record<string, unknown>;
  if (name !== "write" || details.created !== true || typeof args.content !== "string") return undefined;
  const path = typeof details.path === "string" ? details.path : String(args.path ?? "file");
  return lineDiff(path, null, Buffer.from(args.content, "utf8"), 1000).join("\n");
}

/** The diff as history lines: indented, each cut to `width`, + green, - red, hunk heads cyan, file heads left out. */
export function diffLines(diff: string, theme: Theme, width: number, max = MAX_DIFF_LINES): string[] {
  const body = terminalText(diff)
    .split("\n")
    .filter((line) => !/^(---|\+\+\+) /.test(line) && line !== "");
  const shown = body.length > max ? body.slice(0, max - 1) : body;
  const out = shown.map((line) => {
    const text = truncate(`    ${line.replace(/\t/g, "  ")}`, width);
    if (line.startsWith("+")) return theme.green(text);
    if (line.startsWith("-")) return theme.red(text);
    if (line.startsWith("@@")) return theme.cyan(text);
    if (line.startsWith("(")) return theme.dim(text);
    return text;
  });
  const hidden = body.length - shown.length;
  if (hidden > 0) out.push(theme.dim(`    … ${hidden} more line${hidden === 1 ? "" : "s"}`));
  return out;
}
