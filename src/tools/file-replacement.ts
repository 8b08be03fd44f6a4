/**
 * What `write` and `edit` share: the file they are about to replace, opened where it was checked (see
 * policy/open-confined.ts), its current bytes read through that descriptor, the "changed since read" and
 * protected-path checks made on exactly what was opened, and `commit`, which replaces it atomically
 * (tools/atomic-write.ts) after the undo checkpoint.
 */
import { constants, type Stats } from "node:fs";
import { openConfinedParent } from "../policy/open-confined.ts";
import type { Workspace } from "../policy/workspace.ts";
import { ToolError } from "../protocol/tool-error.ts";
import { writeFileAtomically } from "./atomic-write.ts";
import type { FileState } from "./file-state.ts";

export type FileWriteDeps = {
  workspace: Workspace;
  fileState: FileState;
  /** Called right before the file is written (checkpoints for `hearth undo`); must not throw. */
  beforeWrite?: (absPath: string) => void | Promise<void>;
  /**
   * Why writing this real path is refused (a protected path nobody can approve here), or null. Checked on the
   * path actually opened, so a symlink swapped in after the permission check cannot reach a protected file.
   */
  refuseWrite?: (realPath: string) => string | null;
};

export type Replacement = {
  real: string;
  /** The path as shown to the model. */
  shown: string;
  /** The file as it is now; null when there is none yet. */
  existing: { stats: Stats; bytes: Buffer } | null;
  /** Replaces the file (creating missing parent folders) with `content`; the original stays on any failure. */
  commit(content: Uint8Array, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
};

/** `action` words the refusals: "overwriting", "editing". */
export async function openReplacement(
  deps: FileWriteDeps,
  path: string,
  action: string,
): Promise<Replacement> {
  const { workspace, fileState } = deps;
  const real = await workspace.resolve(path, "write");
  const shown = workspace.display(real);
  let entry = await openConfinedParent(workspace, real, "write", { create: false });
  try {
    const existing =
      entry && (await readExisting(entry.directory.openFile(entry.name, constants.O_RDONLY), shown));
    if (existing) await assertUnchangedSinceRead(fileState, real, shown, action, existing);
    const refused = deps.refuseWrite?.(real);
    if (refused)
      throw new ToolError(`${shown} was not written: it is ${refused}, which only a person can allow`);

    async function commit(content: Uint8Array, signal: AbortSignal): Promise<void> {
      signal.throwIfAborted();
      await deps.beforeWrite?.(real);
      entry ??= await openConfinedParent(workspace, real, "write", { create: true });
      if (!entry) throw new ToolError(`cannot create the folder of ${shown}`);
      let stats: Stats;
      try {
        stats = await writeFileAtomically(entry.directory, entry.name, content, {
          replacing: existing?.stats,
          signal,
        });
      } catch (error) {
        throw notChanged(error, shown, signal);
      }
      await fileState.record(real, stats, content);
    }
    return { real, shown, existing, commit, close: async () => entry?.directory.close() };
  } catch (error) {
    await entry?.directory.close();
    throw error;
  }
}

async function readExisting(
  opening: Promise<import("node:fs/promises").FileHandle | null>,
  shown: string,
): Promise<{ stats: Stats; bytes: Buffer } | null> {
  const handle = await opening;
  if (handle === null) return null;
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new ToolError(`${shown} is a directory; pass a file path`);
    if (!stats.isFile()) throw new ToolError(`${shown} is not a regular file`);
    return { stats, bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

/** Throws unless the model read (or wrote) the file in this session and its content has not changed since. */
async function assertUnchangedSinceRead(
  fileState: FileState,
  real: string,
  shown: string,
  action: string,
  existing: { stats: Stats; bytes: Buffer },
): Promise<void> {
  const { size, mtimeMs } = existing.stats;
  const freshness = await fileState.check(real, { size, mtimeMs, content: async () => existing.bytes });
  switch (freshness.status) {
    case "fresh":
    case "deleted":
      return;
    case "unknown":
      throw new ToolError(`${shown} has not been read in this session; read it first before ${action} it`);
    case "changed":
      throw new ToolError(
        `${shown} changed on disk since you last read it; read it again before ${action} it`,
      );
  }
}

function notChanged(error: unknown, shown: string, signal: AbortSignal): Error {
  if (error instanceof ToolError || signal.aborted) return error as Error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new ToolError(`${shown} was not changed: the disk is full; free some space and try again`);
  }
  return new ToolError(`${shown} was not changed: ${(error as Error).message}`);
}
