/**
 * Tab completion in the prompt: a slash command's name, the argument of /model and /mode, and `@path` mentions
 * (fuzzy). Pure: `completionAt` says what the word before the cursor is; `completeWord` picks the candidates
 * that fit it and the text to put in its place. The candidates themselves (models, workspace files) come from
 * the caller, loaded when first needed (completion-sources.ts).
 */
import type { InputEditor } from "./input-editor.ts";

/** What is being completed: the kind, the word typed so far and where it starts in the text. */
export type CompletionTarget = {
  kind: "command" | "model" | "mode" | "runtime" | "path";
  word: string;
  start: number;
};

export type CompletionResult = {
  /** Matches, best first. */
  matches: string[];
  /** What to put in place of the word (with a trailing space when the match is the only one), or null. */
  replacement: string | null;
};

/** `before` is the prompt's text up to the cursor. */
export function completionAt(before: string): CompletionTarget | null {
  const command = /^\/([a-z]*)$/.exec(before);
  if (command) return { kind: "command", word: command[1], start: 1 };
  const argument = /^\/(model|mode|runtime)\s+(\S*)$/.exec(before);
  if (argument)
    return {
      kind: argument[1] as "model" | "mode" | "runtime",
      word: argument[2],
      start: before.length - argument[2].length,
    };
  const mention = /(?:^|\s)@(\S*)$/.exec(before);
  if (mention) return { kind: "path", word: mention[1], start: before.length - mention[1].length };
  return null;
}

/**
 * The candidates that fit `word`: those starting with it, or (fuzzy) holding its characters in order, best
 * first. One match (or, with takeFirst, the first) replaces the word with it (and a space, unless it is a
 * folder); several replace it with their longest common start when that is longer than the word.
 */
export function completeWord(
  word: string,
  candidates: readonly string[],
  options: { fuzzy?: boolean; limit?: number; takeFirst?: boolean } = {},
): CompletionResult {
  // The word itself first: "/mode" is complete even though "model" starts with it.
  let matches = candidates.filter((c) => c.startsWith(word)).sort((x, y) => +(y === word) - +(x === word));
  if (options.fuzzy) {
    const scored = candidates
      .map((candidate) => ({ candidate, score: fuzzyScore(word, candidate) }))
      .filter((s): s is { candidate: string; score: number } => s.score !== null)
      .sort((a, b) => b.score - a.score || a.candidate.length - b.candidate.length);
    matches = scored.map((s) => s.candidate);
  }
  if (options.limit !== undefined) matches = matches.slice(0, options.limit);
  if (matches.length === 0) return { matches, replacement: null };
  if (matches.length === 1 || options.takeFirst) {
    const only = matches[0];
    return { matches, replacement: only.endsWith("/") ? only : `${only} ` };
  }
  const common = commonStart(matches);
  return { matches, replacement: common.length > word.length && common.startsWith(word) ? common : null };
}

/**
 * How well `query` fits `candidate` as a subsequence (case-insensitive), or null when it does not: characters
 * that follow one another, start a path segment or a word, or fall in the file's name score more; a prefix of
 * the name scores most.
 */
export function fuzzyScore(query: string, candidate: string): number | null {
  if (query === "") return 0;
  const q = query.toLowerCase();
  const c = candidate.toLowerCase();
  const nameStart = c.lastIndexOf("/", c.length - 2) + 1;
  let score = 0;
  let at = 0;
  let previous = -2;
  for (const char of q) {
    const found = c.indexOf(char, at);
    if (found === -1) return null;
    if (found === previous + 1) score += 5;
    if (found === 0 || "/._-".includes(c[found - 1])) score += 3;
    if (found >= nameStart) score += 1;
    previous = found;
    at = found + 1;
  }
  if (c.startsWith(q)) score += 10;
  if (c.slice(nameStart).startsWith(q)) score += 8;
  return score - candidate.length / 100;
}

function commonStart(words: string[]): string {
  let common = words[0];
  for (const word of words.slice(1)) {
    let i = 0;
    while (i < common.length && i < word.length && common[i] === word[i]) i++;
    common = common.slice(0, i);
  }
  return common;
}

/** The `@path` words of a prompt, without the "@" and without punctuation that ends a sentence. */
export function mentionTokens(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\s)@(\S+)/g)) {
    const path = match[1].replace(/[.,;:!?)\]'"]+$/, "");
    if (path && !found.includes(path)) found.push(path);
  }
  return found;
}

/** The editor's text before the cursor. */
export function textBeforeCursor(editor: InputEditor): string {
  return editor.text.slice(0, editor.cursor);
}

/** Replaces the `length` characters before the cursor with `text`. */
export function replaceBeforeCursor(editor: InputEditor, removed: string, text: string): void {
  for (const _ of removed) editor.backspace();
  editor.insert(text);
}
