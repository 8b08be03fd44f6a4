/**
 * The `edit` tool: exact string replacement in a file the model has read. Only the replaced bytes change: a
 * file that is not UTF-8 is edited byte for byte, a BOM stays, CRLF files stay CRLF when the model sends LF,
 * and whether it ends with a newline is kept. The file is replaced atomically (see tools/file-replacement.ts).
 */
import * as z from "zod/mini";
import { ToolError } from "../protocol/tool-error.ts";
import { type FileWriteDeps, openReplacement } from "./file-replacement.ts";
import { decodeFileText, encodeFileText, fitsEncoding, toCrlf, usesCrlf } from "./file-text.ts";
import { looksBinary } from "./read.ts";
import { type AnyTool, defineTool } from "./tool.ts";

export type EditToolDeps = FileWriteDeps;

export type EditDetails = { path: string; replacements: number; diff: string };

const CONTEXT_LINES = 3;
const MAX_DIFF_LINES = 400;

const schema = z.object({
  path: z.string().check(z.describe("File path, relative to the workspace root or absolute.")),
  old_string: z
    .string()
    .check(z.describe("Exact text to replace, whitespace included; must occur once unless replace_all.")),
  new_string: z.string().check(z.describe("The text to put in its place.")),
  replace_all: z.optional(z.boolean()).check(z.describe("Replace every occurrence instead of exactly one.")),
});

export function createEditTool(deps: EditToolDeps): AnyTool {
  return defineTool({
    name: "edit",
    description:
      "Replace exact text in a file you have read. Include enough surrounding lines in old_string to make it unique.",
    lean: {
      description: "Replace old_string with new_string in a file you have read.",
      parameters: { old_string: "exact text, must be unique; add lines around it if not" },
    },
    schema,
    kind: "edit",
    async execute(args, context) {
      if (args.old_string === "") {
        throw new ToolError("old_string is empty; to create a file or replace all of it use write");
      }
      if (args.old_string === args.new_string) {
        throw new ToolError("old_string and new_string are identical, so there is nothing to change");
      }
      const target = await openReplacement(deps, args.path, "editing");
      try {
        const { shown, existing } = target;
        if (!existing) throw new ToolError(`file not found: ${shown}; use write to create a new file`);
        if (looksBinary(existing.bytes)) {
          throw new ToolError(`${shown} is a binary file; edit only works on text`);
        }
        const { text: original, encoding } = decodeFileText(existing.bytes);
        if (!fitsEncoding(args.old_string + args.new_string, encoding)) {
          throw new ToolError(
            `${shown} is not UTF-8 text, so edit changes it byte for byte: old_string and new_string may only ` +
              "hold characters up to U+00FF (no �, which read shows for bytes it could not decode). Pick text " +
              "around those bytes",
          );
        }

        const eol = usesCrlf(original) ? "\r\n" : "\n";
        let oldText = args.old_string;
        let newText = args.new_string;
        if (eol === "\r\n" && original.includes(toCrlf(oldText))) {
          // Match and write in the file's own line endings; a mixed file falls back to the text as sent.
          oldText = toCrlf(oldText);
          newText = toCrlf(newText);
        }
        const positions = findAll(original, oldText);
        if (positions.length === 0) throw new ToolError(notFoundMessage(original, args.old_string, shown));
        if (positions.length > 1 && !args.replace_all) {
          throw new ToolError(
            `old_string occurs ${positions.length} times in ${shown}; add surrounding lines to make it unique, ` +
              `or set replace_all to true to change every occurrence`,
          );
        }
        const used = args.replace_all ? positions : positions.slice(0, 1);
        let updated = "";
        let last = 0;
        for (const position of used) {
          updated += original.slice(last, position) + newText;
          last = position + oldText.length;
        }
        updated = keepFinalNewline(original, updated + original.slice(last), eol);

        await target.commit(encodeFileText(updated, encoding), context.signal);
        const diff = unifiedDiff(shown, original, updated, used, oldText.length, newText.length);
        const count = used.length;
        const details: EditDetails = { path: shown, replacements: count, diff };
        return { content: `Edited ${shown}: ${count} replacement${count === 1 ? "" : "s"}`, details };
      } finally {
        await target.close();
      }
    },
  });
}

function findAll(text: string, needle: string): number[] {
  const positions: number[] = [];
  let from = 0;
  for (;;) {
    const index = text.indexOf(needle, from);
    if (index === -1) return positions;
    positions.push(index);
    from = index + needle.length;
  }
}

function keepFinalNewline(original: string, updated: string, eol: string): string {
  if (original === "" || updated === "") return updated;
  const had = original.endsWith("\n");
  const has = updated.endsWith("\n");
  if (had && !has) return updated + eol;
  if (!had && has) return updated.slice(0, updated.endsWith("\r\n") ? -2 : -1);
  return updated;
}

function notFoundMessage(original: string, oldString: string, shown: string): string {
  const base = `old_string was not found in ${shown}`;
  const firstLine = oldString
    .split("\n")
    .find((line) => line.trim() !== "")
    ?.trim();
  if (firstLine) {
    const lines = original.split("\n");
    const index = lines.findIndex((line) => line.includes(firstLine));
    if (index !== -1) {
      return (
        `${base}; its first line appears at line ${index + 1} but the text after it differs ` +
        `(whitespace or indentation?). Read the file again and copy the exact text`
      );
    }
  }
  return `${base}; read the file again and copy the exact text, including whitespace and indentation`;
}

type Change = { oldStart: number; oldEnd: number; newStart: number; newEnd: number };

/** A unified diff of the replaced regions, for UIs. Lines are 0-based internally, 1-based in the output. */
function unifiedDiff(
  path: string,
  original: string,
  updated: string,
  positions: number[],
  oldLength: number,
  newLength: number,
): string {
  const oldLineOf = lineIndexer(original);
  const newLineOf = lineIndexer(updated);
  const oldLines = displayLines(original);
  const newLines = displayLines(updated);
  const changes: Change[] = [];
  positions.forEach((position, index) => {
    const newPosition = position + index * (newLength - oldLength);
    const change: Change = {
      oldStart: oldLineOf(position),
      oldEnd: oldLineOf(position + oldLength - 1) + 1,
      newStart: newLineOf(newPosition),
      newEnd: newLength === 0 ? newLineOf(newPosition) : newLineOf(newPosition + newLength - 1) + 1,
    };
    const previous = changes[changes.length - 1];
    if (previous && change.oldStart < previous.oldEnd) {
      previous.oldEnd = Math.max(previous.oldEnd, change.oldEnd);
      previous.newEnd = Math.max(previous.newEnd, change.newEnd);
    } else {
      changes.push(change);
    }
  });
  for (const change of changes) {
    change.oldEnd = Math.min(change.oldEnd, oldLines.length);
    change.newEnd = Math.min(change.newEnd, newLines.length);
    // Lines the replacement left as they were are context, not change.
    while (
      change.oldStart < change.oldEnd &&
      change.newStart < change.newEnd &&
      oldLines[change.oldEnd - 1] === newLines[change.newEnd - 1]
    ) {
      change.oldEnd--;
      change.newEnd--;
    }
    while (
      change.oldStart < change.oldEnd &&
      change.newStart < change.newEnd &&
      oldLines[change.oldStart] === newLines[change.newStart]
    ) {
      change.oldStart++;
      change.newStart++;
    }
  }

  const out = [`--- a/${path}`, `+++ b/${path}`];
  for (let i = 0; i < changes.length; ) {
    let j = i;
    while (j + 1 < changes.length && changes[j + 1].oldStart - changes[j].oldEnd <= 2 * CONTEXT_LINES) j++;
    const first = changes[i];
    const lastChange = changes[j];
    const oldFrom = Math.max(0, first.oldStart - CONTEXT_LINES);
    const oldTo = Math.min(oldLines.length, lastChange.oldEnd + CONTEXT_LINES);
    const newFrom = oldFrom + (first.newStart - first.oldStart);
    const newTo = lastChange.newEnd + (oldTo - lastChange.oldEnd);
    out.push(`@@ -${oldFrom + 1},${oldTo - oldFrom} +${newFrom + 1},${newTo - newFrom} @@`);
    let line = oldFrom;
    for (let k = i; k <= j; k++) {
      const change = changes[k];
      while (line < change.oldStart) out.push(` ${oldLines[line++]}`);
      for (let l = change.oldStart; l < change.oldEnd; l++) out.push(`-${oldLines[l]}`);
      for (let l = change.newStart; l < change.newEnd; l++) out.push(`+${newLines[l]}`);
      line = change.oldEnd;
    }
    while (line < oldTo) out.push(` ${oldLines[line++]}`);
    if (out.length > MAX_DIFF_LINES) {
      out.length = MAX_DIFF_LINES;
      out.push("... (diff cut)");
      break;
    }
    i = j + 1;
  }
  return out.join("\n");
}

/** Maps a character offset to its 0-based line number. */
function lineIndexer(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  };
}

function displayLines(text: string): string[] {
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
