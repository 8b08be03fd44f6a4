/**
 * The `write` tool: create a file, or replace one the model has read and that has not changed since. The file
 * is replaced atomically (never left half-written) in the folder that was checked; an existing file keeps its
 * mode, its CRLF line endings and its UTF-8 BOM.
 */
import * as z from "zod/mini";
import { ToolError } from "../protocol/tool-error.ts";
import { type FileWriteDeps, openReplacement } from "./file-replacement.ts";
import { BOM, decodeFileText, toCrlf, usesCrlf } from "./file-text.ts";
import { lineDiff } from "./line-diff.ts";
import { splitLines } from "./read.ts";
import { type AnyTool, defineTool } from "./tool.ts";

export type WriteToolDeps = FileWriteDeps;

/** `diff`: what replacing an existing file changed (for UIs; capped), absent for a new file. */
export type WriteDetails = { path: string; created: boolean; bytes: number; lines: number; diff?: string };

/** Diff lines kept in a write's details. */
const DIFF_LINES = 200;

const schema = z.object({
  path: z.string().check(z.describe("File path, relative to the workspace root or absolute.")),
  content: z.string().check(z.describe("The complete new content of the file.")),
});

export function createWriteTool(deps: WriteToolDeps): AnyTool {
  return defineTool({
    name: "write",
    description:
      "Create a file or replace its whole content; parent directories are created. Read an existing file " +
      "before overwriting it; prefer edit for small changes.",
    lean: { description: "Create a file or replace all its content. Prefer edit for changes." },
    schema,
    kind: "edit",
    async execute(args, context) {
      const target = await openReplacement(deps, args.path, "overwriting");
      try {
        const { shown, existing } = target;
        const content = existing ? inTheFilesWays(existing.bytes, args.content, shown) : args.content;
        const data = Buffer.from(content, "utf8");
        await target.commit(data, context.signal);
        const bytes = data.length;
        const lines = splitLines(content).length;
        const verb = existing ? "Overwrote" : "Created";
        const details: WriteDetails = { path: shown, created: !existing, bytes, lines };
        if (existing) details.diff = lineDiff(shown, existing.bytes, data, DIFF_LINES).join("\n");
        const size = `${lines} line${lines === 1 ? "" : "s"}, ${bytes} byte${bytes === 1 ? "" : "s"}`;
        return { content: `${verb} ${shown} (${size})`, details };
      } finally {
        await target.close();
      }
    },
  });
}

/**
 * The new content with the old file's conventions: CRLF line endings when the old file used them and the new
 * content has none of its own, and the old file's UTF-8 BOM. A file that is not UTF-8 is refused when the new
 * content holds U+FFFD, the mark `read` shows for bytes it could not decode: writing it would lose them.
 */
function inTheFilesWays(old: Buffer, content: string, shown: string): string {
  const { text, encoding } = decodeFileText(old);
  if (encoding !== "utf8" && content.includes("\uFFFD")) {
    throw new ToolError(
      `${shown} is not UTF-8 text, and the content holds U+FFFD (�) where read showed bytes it could not ` +
        "decode: writing it would replace those bytes. Use edit to change the parts you need",
    );
  }
  let out = content;
  if (usesCrlf(text) && !out.includes("\r\n")) out = toCrlf(out);
  if (text.startsWith(BOM) && !out.startsWith(BOM)) out = BOM + out;
  return out;
}
