/**
 * The change a write or an edit asks permission for, as a unified diff of lines for the person who answers.
 * The file is read as it is now (confined, no symlink followed; files over 1 MB are not shown); the edit is
 * applied to that text the way the tool will (one occurrence, or all with replace_all). Display only: the tool
 * itself decides again when it runs.
 */
import { readConfinedFileSync } from "../policy/open-confined.ts";
import type { RequestPath } from "../policy/permission-rules.ts";
import { lineDiff } from "./line-diff.ts";

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
    if (!text.includes(args.old_string)) return undefined;
    after =
      args.replace_all === true
        ? text.split(args.old_string).join(args.new_string)
        : text.replace(args.old_string, () => args.new_string as string);
  } else return undefined;
  return lineDiff(path.relative, before, Buffer.from(after, "utf8"), MAX_LINES).join("\n");
}
