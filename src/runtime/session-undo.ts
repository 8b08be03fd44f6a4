/**
 * The `undo` command of a session: the last turn of this session that changed files is put back, as
 * `hearth undo` does, through folders opened from the workspace root without following a symlink. A file
 * changed since hearth wrote it is a conflict: nothing is changed and the reason is given.
 */
import { join } from "node:path";
import { readConfinedFileSync, removeConfinedFile } from "../policy/open-confined.ts";
import { performUndo, planUndo, type UndoFiles } from "../store/checkpoint-undo.ts";
import { checkpointsDir, loadManifest, MANIFEST_NAME } from "../store/checkpoints.ts";
import { replaceConfinedFile } from "../tools/atomic-write.ts";

/** Undo reads, restores and deletes only through folders opened from the workspace root without following a symlink. */
export const CONFINED_UNDO_FILES: UndoFiles = {
  read: readConfinedFileSync,
  replace: replaceConfinedFile,
  remove: removeConfinedFile,
};

export type SessionUndo = { ok: true; turn: number; files: string[] } | { ok: false; problem: string };

export async function undoLastTurn(dataDir: string, sessionId: string): Promise<SessionUndo> {
  const loaded = loadManifest(join(checkpointsDir(dataDir, sessionId), MANIFEST_NAME));
  if ("problem" in loaded) return { ok: false, problem: "no turn of this session changed files yet" };
  const planned = planUndo(loaded.manifest, CONFINED_UNDO_FILES.read);
  if ("problem" in planned) return { ok: false, problem: planned.problem };
  const { plan } = planned;
  if (plan.conflicts.length > 0) {
    const paths = plan.conflicts.map((c) => c.path).join(", ");
    return {
      ok: false,
      problem: `not undone: ${paths} changed since hearth edited them; run hearth undo --force to overwrite them`,
    };
  }
  const done = await performUndo(loaded.manifest, plan, CONFINED_UNDO_FILES);
  if (done.problem) return { ok: false, problem: done.problem };
  return { ok: true, turn: plan.turns[0], files: done.results.map((r) => r.path) };
}
