/**
 * The change a write or an edit asks permission for, as a unified diff of lines for the person who answers.
 * The file is read as it is now (confined, no symlink followed; files over 1 MB are not shown); the edit is
 * applied to that text the way the tool will (the one occurrence, or all with replace_all; in a CRLF file's own
 * line endings); an edit the tool will refuse (old_string missing, or found more than once without replace_all)
 * shows none. Display only: the tool itself decides again when it runs, and refuses a file changed since read.
 */
import { readConfinedFileSync } from "../policy/open-confined.ts";
import type { RequestPath } from "../policy/permission-rules.ts";
import { toCrlf, usesCrlf } from "../tools/file-text.ts";
import { lineDiff } from "../tools/line-diff.ts";

const MAX_BYTES = 1_000_000;
const MAX_LINES = 80;

export function proposedDiff(
  tool: string,
  path: RequestPath,
  args: Record<string, unknown>,
  /** The root that confines the path (Workspace.rootOf). */
  root: string | undefined,
): string | undefined {
  if (!root) return undefined;
  let before: Buffer | null = null;
  try {
    const snapshot = readConfinedFileSync(root, path.real);
    if (snapshot === "not-a-file") return undefined;
    before = snapshot?.content ?? null;
  } catch {
    return undefined;
  }
  if (before && before.length > MAX_BYTES) return undefined;
  let after: string;
  if (tool === "write" && typeof args.content === "string") after = args.content;
  else if (tool === "edit" && typeof args.old_string === "string" && typeof args.new_string === "string") {
    const text = before?.toString("utf8") ?? "";
    let [oldText, newText] = [args.old_string, args.new_string];
    // As the tool does: a CRLF file is matched and written in its own line endings.
    if (usesCrlf(text) && text.includes(toCrlf(oldText)))
      [oldText, newText] = [toCrlf(oldText), toCrlf(newText)];
    const pieces = oldText === "" ? [] : text.split(oldText);
    // Not found, or more than once without replace_all: the tool refuses, so there is no change to show.
    if (pieces.length < 2 || (pieces.length > 2 && args.replace_all !== true)) return undefined;
    after = pieces.join(newText);
  } else return undefined;
  return lineDiff(path.relative, before, Buffer.from(after, "utf8"), MAX_LINES).join("\n");
}
