/**
 * Checkpoints: before hearth's file tools change a file, a copy of it as it was, so `hearth undo` can put it
 * back. Kept per session in `<dataDir>/sessions/<id>/checkpoints/`: content-addressed blobs (`blobs/<sha256>`)
 * and an append-only manifest, `checkpoints.jsonl`, one JSON object a line:
 *
 *   {type:"header", v:1, sessionId, cwd, createdAt}
 *   {type:"before", turn, path, blob, mode?, dir?, root?}   before the turn's first write of `path`
 *   {type:"after", turn, path, blob}                 what the turn left there, written when it ends
 *   {type:"undone", turn, at}                        written by `hearth undo`
 *
 * `blob` is null when the file did not exist; `dir` is the outermost parent directory the write was about to
 * create; `root` is the root that confines `path` when it is not `cwd` (an `--add-dir`). Turn numbers keep
 * rising when a session is resumed. Edits made by bash commands are not recorded (a file's "after" still shows
 * them when a tool also wrote it that turn). A torn last line is skipped.
 *
 * Files are read through `ConfinedReader` (folders opened from the root without following a symlink), so a
 * folder swapped for a symlink to `~/.ssh` cannot copy a secret into the store.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join } from "node:path";
import * as z from "zod/mini";

export const MANIFEST_NAME = "checkpoints.jsonl";

const Turn = z.int().check(z.positive());
const Blob = z.nullable(z.string().check(z.regex(/^[0-9a-f]{64}$/)));
const AbsolutePath = z.string().check(z.refine(isAbsolute));
const HeaderSchema = z.object({
  type: z.literal("header"),
  v: z.number(),
  sessionId: z.string(),
  cwd: z.string(),
  createdAt: z.string(),
});
const EntrySchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("before"),
    turn: Turn,
    path: AbsolutePath,
    blob: Blob,
    mode: z.optional(z.int()),
    dir: z.optional(AbsolutePath),
    root: z.optional(AbsolutePath),
  }),
  z.object({ type: z.literal("after"), turn: Turn, path: AbsolutePath, blob: Blob }),
  z.object({ type: z.literal("undone"), turn: Turn, at: z.string() }),
]);

export type ManifestHeader = z.infer<typeof HeaderSchema>;
export type ManifestEntry = z.infer<typeof EntrySchema>;

export type Manifest = {
  /** The checkpoints directory (holds the manifest and `blobs/`). */
  dir: string;
  header: ManifestHeader;
  entries: ManifestEntry[];
  /** Lines that could not be read (a torn last line after a crash), skipped. */
  skipped: number;
};

/** A regular file's bytes and permission bits; null when there is none; "not-a-file" for anything else. */
export type FileSnapshot = { content: Buffer; mode: number } | null | "not-a-file";

/**
 * Reads `path` inside `root` through folders opened from `root` down without following a symlink, and the file
 * itself without following one (policy/open-confined.ts `readConfinedFileSync`); throws when a folder on the
 * way is a symlink. Injected: the store does not reach into policy. Synchronous, as the turn's end is also
 * recorded while the process exits.
 */
export type ReadConfined = (root: string, path: string) => FileSnapshot;

export type CheckpointsOptions = {
  /** The session's checkpoints directory; see checkpointsDir(). Created on the first write. */
  dir: string;
  sessionId: string;
  /** The workspace root. */
  cwd: string;
  /** The root (the workspace root or an extra one) that confines a path the tools write; `Workspace.rootOf`. */
  rootOf: (path: string) => string | undefined;
  read: ReadConfined;
  now?: () => number;
  /** Told once when a snapshot cannot be written; the edit goes ahead but cannot be undone. */
  onProblem?: (message: string) => void;
};

/** The hooks the headless and interactive modes call. None of them throws. */
export type Checkpoints = {
  /** A turn starts (the loop's turn number, from 1 in each run). Ends the previous turn if still open. */
  beginTurn(turn: number): void;
  /** Called by write and edit right before they write `absPath`; snapshots it once per turn. */
  beforeWrite(absPath: string): void;
  /** Records what the turn left in each file it touched. Does nothing when no turn is open. */
  endTurn(): void;
};

export function checkpointsDir(dataDir: string, sessionId: string): string {
  return join(dataDir, "sessions", sessionId, "checkpoints");
}

export function createCheckpoints(options: CheckpointsOptions): Checkpoints {
  const { dir, sessionId, cwd, read } = options;
  const now = options.now ?? Date.now;
  const file = join(dir, MANIFEST_NAME);
  let loopTurn = 1;
  let open = false;
  /** Turn numbers already in the manifest (a resumed session) come first; undefined until the first write. */
  let base: number | undefined;
  let warned = false;
  /** The paths this turn wrote, each with its root. */
  const touched = new Map<string, string>();

  function problem(path: string, error: unknown): void {
    if (warned) return;
    warned = true;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    options.onProblem?.(`cannot save a checkpoint of ${path} (${code}); hearth undo will not restore it`);
  }

  function start(): number {
    if (base !== undefined) return base;
    mkdirSync(join(dir, "blobs"), { recursive: true, mode: 0o700 });
    const loaded = loadManifest(file);
    if ("manifest" in loaded) {
      base = Math.max(0, ...loaded.manifest.entries.map((entry) => entry.turn));
    } else {
      // Never write over a manifest this hearth cannot read (a newer format, a damaged header).
      if (existsSync(file)) throw new Error(loaded.problem);
      const header: ManifestHeader = {
        type: "header",
        v: 1,
        sessionId,
        cwd,
        createdAt: new Date(now()).toISOString(),
      };
      appendLines(file, [header]);
      base = 0;
    }
    return base;
  }

  function beginTurn(turn: number): void {
    endTurn();
    loopTurn = turn;
    open = true;
  }

  function beforeWrite(absPath: string): void {
    open = true;
    if (touched.has(absPath)) return;
    try {
      const root = options.rootOf(absPath);
      if (root === undefined) throw new Error("outside the workspace");
      const turn = start() + loopTurn;
      const current = read(root, absPath);
      if (current === "not-a-file") return; // the tool refuses it itself
      const entry: ManifestEntry = {
        type: "before",
        turn,
        path: absPath,
        blob: current && storeBlob(dir, current.content),
      };
      if (current) entry.mode = current.mode;
      else {
        const created = outermostMissing(dirname(absPath));
        if (created) entry.dir = created;
      }
      if (root !== cwd) entry.root = root;
      appendLines(file, [entry]);
      touched.set(absPath, root);
    } catch (error) {
      problem(absPath, error);
    }
  }

  function endTurn(): void {
    if (!open) return;
    open = false;
    if (touched.size === 0 || base === undefined) return;
    const turn = base + loopTurn;
    const entries: ManifestEntry[] = [];
    for (const [path, root] of touched) {
      try {
        const current = read(root, path);
        if (current === "not-a-file") continue;
        entries.push({ type: "after", turn, path, blob: current && storeBlob(dir, current.content) });
      } catch (error) {
        problem(path, error);
      }
    }
    touched.clear();
    try {
      appendLines(file, entries);
    } catch (error) {
      problem(file, error);
    }
  }

  return { beginTurn, beforeWrite, endTurn };
}

/** Read a manifest. A missing or unreadable file, or a bad header, is a `problem`; bad lines are skipped. */
export function loadManifest(file: string): { manifest: Manifest } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === "ENOENT" ? `${file} does not exist` : `cannot read ${file}: ${code}` };
  }
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const header = z.safeParse(HeaderSchema, parseJson(lines[0]));
  if (!header.success) return { problem: `${file} has no valid header line; delete its directory` };
  if (header.data.v !== 1)
    return { problem: `${file} was written by a newer hearth (format v${header.data.v}); update hearth` };
  const entries: ManifestEntry[] = [];
  let skipped = 0;
  for (const line of lines.slice(1)) {
    const entry = z.safeParse(EntrySchema, parseJson(line));
    if (entry.success) entries.push(entry.data);
    else skipped++;
  }
  return { manifest: { dir: dirname(file), header: header.data, entries, skipped } };
}

/** Just the header line of a manifest, or null; cheap enough to call for every session. */
export function readManifestHeader(file: string): ManifestHeader | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const first = buffer.subarray(0, length).toString("utf8").split("\n")[0];
    const header = z.safeParse(HeaderSchema, parseJson(first));
    return header.success ? header.data : null;
  } finally {
    closeSync(fd);
  }
}

export type CheckpointSession = {
  sessionId: string;
  manifest: string;
  header: ManifestHeader;
  mtimeMs: number;
};

/** Sessions with a readable manifest, most recently changed first. */
export function listCheckpointSessions(dataDir: string): CheckpointSession[] {
  let names: string[];
  try {
    names = readdirSync(join(dataDir, "sessions"));
  } catch {
    return [];
  }
  const sessions: CheckpointSession[] = [];
  for (const sessionId of names) {
    const manifest = join(checkpointsDir(dataDir, sessionId), MANIFEST_NAME);
    const header = readManifestHeader(manifest);
    if (!header) continue;
    sessions.push({ sessionId, manifest, header, mtimeMs: statSync(manifest).mtimeMs });
  }
  return sessions.sort((a, b) => b.mtimeMs - a.mtimeMs || b.sessionId.localeCompare(a.sessionId));
}

/** Append entries, one a line; first ends a torn last line so the new ones stay readable. */
export function appendLines(file: string, entries: object[]): void {
  if (entries.length === 0) return;
  let prefix = "";
  try {
    const fd = openSync(file, "r");
    try {
      const size = statSync(file).size;
      const last = Buffer.alloc(1);
      if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) prefix = "\n";
    } finally {
      closeSync(fd);
    }
  } catch {
    // a new file
  }
  const text = prefix + entries.map((entry) => `${JSON.stringify(entry)}\n`).join("");
  appendFileSync(file, text, { mode: 0o600 });
}

/** Store content under its sha256 (temp file + rename, so a blob is whole or absent). Returns the hash. */
export function storeBlob(dir: string, content: Buffer): string {
  const hash = sha256(content);
  const path = join(dir, "blobs", hash);
  if (existsSync(path)) return hash;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temp, content, { mode: 0o600, flag: "wx" });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return hash;
}

export function readBlob(dir: string, hash: string): Buffer {
  return readFileSync(join(dir, "blobs", hash));
}

type Crypto = typeof import("node:crypto");
let crypto: Crypto | undefined;

export function sha256(content: Buffer): string {
  // Loaded on first use, synchronously: a run that edits nothing does not pay for node:crypto.
  crypto ??= createRequire(import.meta.url)("node:crypto") as Crypto;
  return crypto.createHash("sha256").update(content).digest("hex");
}

function outermostMissing(dir: string): string | undefined {
  let missing: string | undefined;
  for (let current = dir; !existsSync(current); current = dirname(current)) {
    missing = current;
    if (dirname(current) === current) break;
  }
  return missing;
}

function parseJson(line: string | undefined): unknown {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
