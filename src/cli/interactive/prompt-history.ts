/**
 * The prompts sent in a workspace, kept across sessions so up-arrow recalls them: one small file per workspace
 * under the state directory (prompt-history/<hash of the directory>.jsonl, mode 0600, one JSON string a line),
 * redacted like every other text hearth stores, at most `max` entries (the file is rewritten when it has twice
 * that). History is a convenience: a file that cannot be read or written is skipped, never an error.
 */
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type PromptHistory = {
  /** Oldest first, at most `max`. */
  readonly entries: string[];
  /** Remembers a prompt sent (redacted; too long a prompt, e.g. a big paste, is not kept). */
  add(text: string): void;
};

export const MAX_ENTRIES = 500;
/** A prompt longer than this is not kept. */
const MAX_ENTRY_CHARS = 10_000;

export function promptHistoryPath(stateDir: string, cwd: string): string {
  const hash = createHash("sha256").update(cwd).digest("hex").slice(0, 16);
  return join(stateDir, "prompt-history", `${hash}.jsonl`);
}

export function openPromptHistory(
  stateDir: string,
  cwd: string,
  redact: (text: string) => string,
  max = MAX_ENTRIES,
): PromptHistory {
  const path = promptHistoryPath(stateDir, cwd);
  let lines = 0;
  const entries: string[] = [];
  try {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (line === "") continue;
      lines++;
      try {
        const text: unknown = JSON.parse(line);
        if (typeof text === "string" && entries.at(-1) !== text) entries.push(text);
      } catch {
        // A torn line (two sessions writing at once, a crash): skipped.
      }
    }
  } catch {
    // No history yet, or unreadable.
  }
  entries.splice(0, Math.max(0, entries.length - max));

  function add(text: string): void {
    if (text.length > MAX_ENTRY_CHARS) return;
    const clean = redact(text);
    if (entries.at(-1) === clean) return;
    entries.push(clean);
    if (entries.length > max) entries.shift();
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      if (++lines > 2 * max) {
        const temporary = `${path}.${process.pid}.tmp`;
        writeFileSync(temporary, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""), {
          mode: 0o600,
        });
        renameSync(temporary, path);
        lines = entries.length;
      } else appendFileSync(path, `${JSON.stringify(clean)}\n`, { mode: 0o600 });
      chmodSync(path, 0o600);
    } catch {
      // Not kept: the prompt was still sent.
    }
  }

  return { entries, add };
}
