/**
 * Undo from checkpoints (see checkpoints.ts). Undoing turn N puts every file that turns N and later (not yet
 * undone) touched back as it was before turn N, deleting the files those turns created. It is planned first:
 * a file that changed since hearth last left it (edited by the user, a formatter, a command) is a conflict,
 * and the caller refuses unless forced. Every file is read, restored and deleted through `UndoFiles`: in
 * folders opened from the workspace root without following a symlink, so a folder swapped for a symlink to
 * `~/.ssh` gets nothing written, deleted or read there; a file is restored atomically (temp file, fsync,
 * rename) and keeps its permission bits, or is left as it was.
 */
import { join } from "node:path";
import {
  appendLines,
  type FileSnapshot,
  MANIFEST_NAME,
  type Manifest,
  type ManifestEntry,
  type ReadConfined,
  readBlob,
  sha256,
} from "./checkpoints.ts";

/**
 * What undo does to the workspace's files, each confined to `root` (the fronts pass policy/open-confined.ts
 * and tools/atomic-write.ts; the store does not reach into them). Each may throw; nothing is changed then.
 */
export type UndoFiles = {
  read: ReadConfined;
  /** Replaces `path` atomically, creating missing folders; an existing file keeps its mode, a new one `mode`. */
  replace(root: string, path: string, content: Buffer, options: { mode: number }): Promise<void>;
  /** Deletes the regular file `path`, then its folders up to `emptyFoldersUpTo` while empty. */
  remove(root: string, path: string, options: { emptyFoldersUpTo?: string }): Promise<boolean>;
};

type Before = Extract<ManifestEntry, { type: "before" }>;
type After = Extract<ManifestEntry, { type: "after" }>;
type TurnFile = { before: Before; after?: After };
type TurnRecord = { turn: number; undone: boolean; files: Map<string, TurnFile> };

export type FileChange = "created" | "modified" | "deleted" | "unchanged" | "unfinished";

export type TurnSummary = { turn: number; undone: boolean; files: { path: string; change: FileChange }[] };

/** What to put back in one file: the content before the first undone turn (null: delete it). */
export type Restore = { path: string; root: string; blob: string | null; mode?: number; dir?: string };

/** A file hearth would overwrite although it is not as hearth left it. `from` is what hearth expected. */
export type Conflict = {
  path: string;
  reason: "changed" | "unfinished";
  /** The turn after which the file changed, or the turn that did not finish. */
  turn: number;
  from: Buffer | null;
  to: Buffer | null;
};

export type UndoPlan = { turns: number[]; restores: Restore[]; conflicts: Conflict[] };

export type UndoResult = { path: string; action: "restored" | "deleted" | "unchanged" };

/** The manifest's turns, oldest first, with the files each touched. */
export function summarizeTurns(manifest: Manifest): TurnSummary[] {
  return collectTurns(manifest).map((record) => ({
    turn: record.turn,
    undone: record.undone,
    files: [...record.files].map(([path, file]) => ({ path, change: changeOf(file) })),
  }));
}

/** The turns `hearth undo` without --turn would undo from: the latest one with edits not yet undone. */
export function lastUndoableTurn(manifest: Manifest): number | undefined {
  return collectTurns(manifest)
    .filter((record) => !record.undone)
    .at(-1)?.turn;
}

/**
 * Plan undoing turn `turn` (default: the latest not undone) and every later turn not yet undone. Reads the
 * files and blobs but changes nothing. Returns a one-line problem when there is nothing to undo.
 */
export function planUndo(
  manifest: Manifest,
  read: ReadConfined,
  turn?: number,
): { plan: UndoPlan } | { problem: string } {
  const records = collectTurns(manifest);
  const active = records.filter((record) => !record.undone);
  const from = turn ?? active.at(-1)?.turn;
  if (from === undefined) {
    return {
      problem: records.length === 0 ? "no turn of this session edited files" : "every turn is already undone",
    };
  }
  const undoing = active.filter((record) => record.turn >= from);
  if (undoing.length === 0) {
    const last = records.at(-1)?.turn ?? 0;
    if (records.some((record) => record.turn === from)) return { problem: `turn ${from} is already undone` };
    if (from > last) return { problem: `turn ${from} edited no files; the last turn with edits is ${last}` };
    return { problem: `nothing left to undo from turn ${from} on` };
  }

  const byPath = new Map<string, { turn: number; file: TurnFile }[]>();
  for (const record of undoing) {
    for (const [path, file] of record.files) {
      const list = byPath.get(path) ?? [];
      list.push({ turn: record.turn, file });
      byPath.set(path, list);
    }
  }
  const restores: Restore[] = [];
  const conflicts: Conflict[] = [];
  for (const [path, touches] of byPath) {
    const { before } = touches[0].file;
    const root = before.root ?? manifest.header.cwd;
    restores.push({ path, root, blob: before.blob, mode: before.mode, dir: before.dir });
    try {
      const conflict = findConflict(manifest, path, touches, read(root, path));
      if (conflict) conflicts.push(conflict);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { problem: `cannot check ${path} against its checkpoint: ${code}` };
    }
  }
  return { plan: { turns: undoing.map((record) => record.turn), restores, conflicts } };
}

/**
 * Carry out a plan (conflicts or not: the caller decides) and record its turns as undone. Stops at the first
 * file that cannot be written and returns what was done so far with the problem.
 */
export async function performUndo(
  manifest: Manifest,
  plan: UndoPlan,
  files: UndoFiles,
  now: () => number = Date.now,
): Promise<{ results: UndoResult[]; problem?: string }> {
  const contents = new Map<string, Buffer>();
  for (const restore of plan.restores) {
    if (restore.blob === null || contents.has(restore.blob)) continue;
    try {
      contents.set(restore.blob, readBlob(manifest.dir, restore.blob));
    } catch {
      return { results: [], problem: `the saved copy of ${restore.path} is missing; it cannot be restored` };
    }
  }
  const results: UndoResult[] = [];
  for (const restore of plan.restores) {
    try {
      const content = restore.blob === null ? null : contents.get(restore.blob)!;
      results.push({ path: restore.path, action: await restoreFile(restore, content, files) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { results, problem: `cannot restore ${restore.path}: ${code}` };
    }
  }
  const at = new Date(now()).toISOString();
  appendLines(
    join(manifest.dir, MANIFEST_NAME),
    plan.turns.map((turn) => ({ type: "undone", turn, at })),
  );
  return { results };
}

function collectTurns(manifest: Manifest): TurnRecord[] {
  const turns = new Map<number, TurnRecord>();
  const undone = new Set<number>();
  for (const entry of manifest.entries) {
    if (entry.type === "undone") {
      undone.add(entry.turn);
      continue;
    }
    let record = turns.get(entry.turn);
    if (!record) {
      record = { turn: entry.turn, undone: false, files: new Map() };
      turns.set(entry.turn, record);
    }
    const file = record.files.get(entry.path);
    if (entry.type === "before") {
      if (!file) record.files.set(entry.path, { before: entry });
    } else if (file) {
      file.after = entry;
    }
  }
  for (const record of turns.values()) record.undone = undone.has(record.turn);
  return [...turns.values()].sort((a, b) => a.turn - b.turn);
}

function changeOf(file: TurnFile): FileChange {
  if (!file.after) return "unfinished";
  if (file.before.blob === file.after.blob) return "unchanged";
  if (file.before.blob === null) return "created";
  return file.after.blob === null ? "deleted" : "modified";
}

/**
 * Between two turns that touched the file, was it as the first left it when the second began? And is it now as
 * the last left it? The first difference is the conflict.
 */
function findConflict(
  manifest: Manifest,
  path: string,
  touches: { turn: number; file: TurnFile }[],
  current: FileSnapshot,
): Conflict | undefined {
  const blob = (hash: string | null) => (hash === null ? null : readBlob(manifest.dir, hash));
  for (let i = 0; i + 1 < touches.length; i++) {
    const left = touches[i].file.after;
    const found = touches[i + 1].file.before;
    if (left && left.blob !== found.blob)
      return { path, reason: "changed", turn: touches[i].turn, from: blob(left.blob), to: blob(found.blob) };
  }
  const last = touches[touches.length - 1];
  const now = current === "not-a-file" ? Buffer.from("(not a regular file)\n") : (current?.content ?? null);
  if (!last.file.after) {
    return { path, reason: "unfinished", turn: last.turn, from: blob(touches[0].file.before.blob), to: now };
  }
  const nowHash = now === null ? null : sha256(now);
  if (current === "not-a-file" || nowHash !== last.file.after.blob)
    return { path, reason: "changed", turn: last.turn, from: blob(last.file.after.blob), to: now };
  return undefined;
}

async function restoreFile(
  restore: Restore,
  content: Buffer | null,
  files: UndoFiles,
): Promise<UndoResult["action"]> {
  const { path, root } = restore;
  const current = files.read(root, path);
  // Never remove a directory (or a device) that now stands where the file was.
  if (current === "not-a-file") throw new Error("it is no longer a regular file; move it away first");
  if (content === null) {
    if (current === null) return "unchanged";
    const removed = await files.remove(root, path, { emptyFoldersUpTo: restore.dir });
    return removed ? "deleted" : "unchanged";
  }
  if (current?.content.equals(content)) return "unchanged";
  await files.replace(root, path, content, { mode: current ? current.mode : (restore.mode ?? 0o644) });
  return "restored";
}
