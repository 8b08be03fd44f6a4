/**
 * The folders whose project settings the user trusts: their allow rules and permission mode apply. Kept in
 * `$XDG_CONFIG_HOME/hearth/trusted-folders.json` as `{ "folders": ["/real/path", ...], "files": {...} }`, mode 0600,
 * written atomically (temp file + rename) so a crash never leaves half a file. Trusting a folder trusts everything
 * below it. A broken file is reported, never thrown, and trusts nothing.
 *
 * Trust is bound to content: `files` holds, for each project-layer file (PROJECT_LAYER_FILES) of each folder
 * `hearth trust` was run in, a SHA-256 of the file and a digest per settings key (or null: there was no file). A
 * file that differs from what was recorded, appeared since, or was never recorded makes the folder untrusted
 * until `hearth trust` again, which says which keys changed. So a command that rewrites `.hearth/settings.json`
 * in a trusted folder cannot loosen the next run.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import * as z from "zod/mini";
import { hearthPaths } from "./paths.ts";

/** The project files read as settings layers, relative to the workspace root: trust covers their content. */
export const PROJECT_LAYER_FILES = [
  join(".hearth", "settings.json"),
  join(".claude", "settings.json"),
  ".mcp.json",
] as const;

/** What was trusted of one file: its hash and a digest per key (`permissions.allow`, `model`), or null: absent. */
export type FileFingerprint = { sha256: string; keys: Record<string, string> } | null;

export type TrustedFolders = {
  /** Real absolute paths, in the order they were added. */
  folders: string[];
  /** By real absolute file path: what was trusted of each project-layer file. */
  files: Record<string, FileFingerprint>;
  /** Why the file could not be used (it then trusts nothing); absent when it was fine or missing. */
  problem?: string;
};

const FingerprintSchema = z.nullable(
  z.object({ sha256: z.string(), keys: z.record(z.string(), z.string()) }),
);
const FileSchema = z.object({
  folders: z.array(z.string().check(z.minLength(1))),
  files: z.optional(z.record(z.string(), FingerprintSchema)),
});

export function trustedFoldersPath(env: NodeJS.ProcessEnv, home?: string): string {
  return join(hearthPaths(env, home).configDir, "trusted-folders.json");
}

/** Read the list. A missing file is an empty list; an unreadable or malformed one is a `problem`. */
export function readTrustedFolders(file: string): TrustedFolders {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { folders: [], files: {} };
    return { folders: [], files: {}, problem: `${file}: cannot read: ${code ?? (error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      folders: [],
      files: {},
      problem: `${file}: invalid JSON; fix it or delete it and run \`hearth trust\` again`,
    };
  }
  const parsed = z.safeParse(FileSchema, json);
  if (!parsed.success || parsed.data.folders.some((f) => !isAbsolute(f))) {
    return {
      folders: [],
      files: {},
      problem: `${file}: expected {"folders": ["/absolute/path", ...]}; fix it or delete it and run \`hearth trust\` again`,
    };
  }
  return { folders: parsed.data.folders, files: parsed.data.files ?? {} };
}

/** Write the list atomically with mode 0600. Returns a problem message instead of throwing. */
export function writeTrustedFolders(
  file: string,
  list: { folders: string[]; files?: Record<string, FileFingerprint> },
): string | null {
  const temp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const files = list.files ?? {};
  const data = Object.keys(files).length > 0 ? { folders: list.folders, files } : { folders: list.folders };
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    renameSync(temp, file);
    return null;
  } catch (error) {
    rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    return `${file}: cannot write: ${code ?? (error as Error).message}`;
  }
}

/** The trusted folder that covers `dir` (itself or an ancestor), or null. Both are real absolute paths. */
export function trustingFolder(folders: string[], dir: string): string | null {
  return folders.find((folder) => isInsideDir(dir, folder)) ?? null;
}

/** How a project-layer file differs from what was trusted. */
export type LayerChange = {
  /** Relative to the folder: ".hearth/settings.json". */
  file: string;
  how: "changed" | "appeared" | "removed" | "unrecorded";
  /** For "changed": the keys added, removed or changed ("permissions.allow"). */
  keys?: string[];
};

/**
 * Is `dir` (a real absolute path) trusted, with its project files as they were when trusted? A broken list trusts
 * nothing. `notice`: one line saying what changed, when a trusted folder is untrusted because of it.
 */
export function isTrustedFolder(
  file: string,
  dir: string,
): { trusted: boolean; problem?: string; notice?: string } {
  const list = readTrustedFolders(file);
  const via = trustingFolder(list.folders, dir);
  const problem = list.problem ? { problem: list.problem } : {};
  if (via === null) return { trusted: false, ...problem };
  const changes = layerChanges(list.files, dir);
  if (changes.length === 0) return { trusted: true, ...problem };
  return {
    trusted: false,
    ...problem,
    notice: `${describeChanges(changes, via)}; the project settings are untrusted until you review them and run \`hearth trust\` again`,
  };
}

/** The project-layer files of `dir` that differ from what `files` recorded. */
export function layerChanges(files: Record<string, FileFingerprint>, dir: string): LayerChange[] {
  const changes: LayerChange[] = [];
  for (const name of PROJECT_LAYER_FILES) {
    const path = join(dir, name);
    const recorded = files[path];
    const current = fingerprintFile(path, recorded?.sha256);
    if (recorded === undefined) {
      if (current !== null) changes.push({ file: name, how: "unrecorded" });
    } else if (recorded === null) {
      if (current !== null) changes.push({ file: name, how: "appeared" });
    } else if (current === null) changes.push({ file: name, how: "removed" });
    else if (current.sha256 !== recorded.sha256)
      changes.push({ file: name, how: "changed", keys: changedKeys(recorded.keys, current.keys) });
  }
  return changes;
}

/** What was recorded for each project-layer file of `dir` now: to store when the user trusts it. */
export function layerFingerprints(dir: string): Record<string, FileFingerprint> {
  const out: Record<string, FileFingerprint> = {};
  for (const name of PROJECT_LAYER_FILES) out[join(dir, name)] = fingerprintFile(join(dir, name));
  return out;
}

/** "…/settings.json changed since you trusted /p (permissions.allow, sandbox); .mcp.json appeared since". */
export function describeChanges(changes: LayerChange[], via: string): string {
  return changes
    .map((change) => {
      switch (change.how) {
        case "changed":
          return `${change.file} changed since you trusted ${via}${change.keys?.length ? ` (${change.keys.join(", ")})` : ""}`;
        case "appeared":
          return `${change.file} appeared since you trusted ${via}`;
        case "removed":
          return `${change.file} was removed since you trusted ${via}`;
        default:
          return `${change.file} is not among what you trusted in ${via}`;
      }
    })
    .join("; ");
}

/**
 * The file's fingerprint, or null when there is none. When `knownSha` matches, the keys are not digested again
 * (the common case on every run: unchanged).
 */
function fingerprintFile(path: string, knownSha?: string): FileFingerprint {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  const sha256 = digest(text);
  if (sha256 === knownSha) return { sha256, keys: {} };
  return { sha256, keys: keyDigests(text) };
}

/** A digest per top-level key, and per second-level key under an object ("permissions.allow"). */
function keyDigests(text: string): Record<string, string> {
  const { parse } = createRequire(import.meta.url)("jsonc-parser") as typeof import("jsonc-parser");
  const value = parse(text, [], { allowTrailingComma: true }) as unknown;
  const keys: Record<string, string> = {};
  if (!isObject(value)) return { "(whole file)": digest(text).slice(0, 16) };
  for (const [key, inner] of Object.entries(value)) {
    if (isObject(inner) && Object.keys(inner).length > 0)
      for (const [sub, leaf] of Object.entries(inner))
        keys[`${key}.${sub}`] = digest(JSON.stringify(leaf) ?? "").slice(0, 16);
    else keys[key] = digest(JSON.stringify(inner) ?? "").slice(0, 16);
  }
  return keys;
}

function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!(key in before)) out.push(`${key} added`);
    else if (!(key in after)) out.push(`${key} removed`);
    else if (before[key] !== after[key]) out.push(key);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Crypto = typeof import("node:crypto");
let crypto: Crypto | undefined;

function digest(text: string): string {
  // Loaded on first use: a run without project settings does not pay for node:crypto.
  crypto ??= createRequire(import.meta.url)("node:crypto") as Crypto;
  return crypto.createHash("sha256").update(text).digest("hex");
}

function isInsideDir(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
