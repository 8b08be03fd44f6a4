/**
 * Files a person attaches to a prompt (`@path` in the UI, `attachments` in the prompt command): read confined to
 * the workspace (no symlink followed out of it), refused when a `read` of them would not be allowed outright (a
 * deny rule, a secret store, `.env`: the person may not know what the path leads to), text only, at most 256 kB each. Their text goes before
 * the prompt, and the model counts as having read them (an edit may follow at once).
 */
import { relative } from "node:path";
import { readConfinedFileSync } from "../policy/open-confined.ts";
import type { Workspace } from "../policy/workspace.ts";
import type { Attachment } from "../protocol/commands.ts";
import type { FileState } from "../tools/file-state.ts";

const MAX_BYTES = 256_000;

export type AttachmentText = { ok: true; text: string } | { ok: false; problem: string };

export async function attachmentText(
  attachments: Attachment[],
  input: { workspace: Workspace; readRefusal: (realPath: string) => string | null; fileState: FileState },
): Promise<AttachmentText> {
  const parts: string[] = [];
  for (const attachment of attachments) {
    let real: string;
    try {
      real = await input.workspace.resolve(attachment.path, "read");
    } catch (error) {
      return { ok: false, problem: `cannot attach ${attachment.path}: ${(error as Error).message}` };
    }
    const root = input.workspace.rootOf(real, "read");
    if (!root) return { ok: false, problem: `cannot attach ${attachment.path}: it is outside the workspace` };
    const refusal = input.readRefusal(real);
    if (refusal)
      return {
        ok: false,
        problem: `cannot attach ${attachment.path}: ${refusal}; paste what is needed instead`,
      };
    let snapshot: ReturnType<typeof readConfinedFileSync>;
    try {
      snapshot = readConfinedFileSync(root, real);
    } catch (error) {
      return { ok: false, problem: `cannot attach ${attachment.path}: ${(error as Error).message}` };
    }
    if (snapshot === null) return { ok: false, problem: `cannot attach ${attachment.path}: no such file` };
    if (snapshot === "not-a-file")
      return { ok: false, problem: `cannot attach ${attachment.path}: not a regular file` };
    const { content } = snapshot;
    if (content.length > MAX_BYTES)
      return {
        ok: false,
        problem: `cannot attach ${attachment.path}: ${content.length} bytes is over ${MAX_BYTES}; mention it and let the model read the part it needs`,
      };
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
    let decoded: string;
    try {
      decoded = text.decode(content);
    } catch {
      return { ok: false, problem: `cannot attach ${attachment.path}: it is not UTF-8 text` };
    }
    const shown = relative(input.workspace.root, real) || attachment.path;
    parts.push(`<file path="${shown}">\n${decoded}${decoded.endsWith("\n") ? "" : "\n"}</file>`);
    await input.fileState.record(real, { mtimeMs: Date.now(), size: content.length }, content);
  }
  return { ok: true, text: parts.join("\n") };
}
