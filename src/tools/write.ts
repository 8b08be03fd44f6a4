/** The `write` tool: create a file, or replace one the model has read and that has not changed since. */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as z from "zod/mini";
import type { Workspace } from "../policy/workspace.ts";
import type { FileState } from "./file-state.ts";
import { splitLines } from "./read.ts";
import { type AnyTool, defineTool, ToolError } from "./tool.ts";

export type WriteToolDeps = {
  workspace: Workspace;
  fileState: FileState;
  /** Called right before the file is written (checkpoints for `hearth undo`); must not throw. */
  beforeWrite?: (absPath: string) => void | Promise<void>;
};

export type WriteDetails = { path: string; created: boolean; bytes: number; lines: number };

const schema = z.object({
  path: z.string().check(z.describe("File path, relative to the workspace root or absolute.")),
  content: z.string().check(z.describe("The complete new content of the file.")),
});

export function createWriteTool(deps: WriteToolDeps): AnyTool {
  const { workspace, fileState } = deps;
  return defineTool({
    name: "write",
    description:
      "Create a file or replace its whole content; parent directories are created. Read an existing file " +
      "before overwriting it; prefer edit for small changes.",
    lean: { description: "Create a file or replace all its content. Prefer edit for changes." },
    schema,
    kind: "edit",
    async execute(args, context) {
      const real = await workspace.resolve(args.path, "write");
      const shown = workspace.display(real);
      const existing = await stat(real).catch(() => null);
      if (existing?.isDirectory()) throw new ToolError(`${shown} is a directory; pass a file path`);
      if (existing) await assertUnchangedSinceRead(fileState, real, shown, "overwriting");
      context.signal.throwIfAborted();
      await deps.beforeWrite?.(real);
      await mkdir(dirname(real), { recursive: true });
      await writeFile(real, args.content, "utf8");
      await fileState.record(real, args.content);
      const bytes = Buffer.byteLength(args.content);
      const lines = splitLines(args.content).length;
      const verb = existing ? "Overwrote" : "Created";
      const details: WriteDetails = { path: shown, created: !existing, bytes, lines };
      const size = `${lines} line${lines === 1 ? "" : "s"}, ${bytes} byte${bytes === 1 ? "" : "s"}`;
      return { content: `${verb} ${shown} (${size})`, details };
    },
  });
}

/**
 * Throws unless the model read (or wrote) the file in this session and it has not changed on disk since.
 * Shared by write and edit.
 */
export async function assertUnchangedSinceRead(
  fileState: FileState,
  realPath: string,
  shown: string,
  action: string,
): Promise<void> {
  const freshness = await fileState.check(realPath);
  switch (freshness.status) {
    case "fresh":
      return;
    case "unknown":
      throw new ToolError(`${shown} has not been read in this session; read it first before ${action} it`);
    case "changed":
      throw new ToolError(
        `${shown} changed on disk since you last read it; read it again before ${action} it`,
      );
    case "deleted":
      return; // gone since: writing recreates it; edit reports the missing file itself
  }
}
