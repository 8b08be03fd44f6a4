/**
 * GGUF model files in `<dataDir>/models` ($XDG_DATA_HOME/hearth/models): list them, find one by name, and the
 * names a download in progress uses. A download writes `<file>.partial` with a `<file>.partial.json` sidecar
 * (where it comes from, size, sha256, validator) and holds `<file>.partial.lock`; only a complete, verified file
 * is renamed to `<file>`, so every `*.gguf` here is a finished download (or a file the user put here).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { isModelFileName } from "./model-ref.ts";

export type ModelFile = {
  /** The file name without `.gguf`: what `--model local/<name>` and `hearth models rm <name>` take. */
  name: string;
  fileName: string;
  path: string;
  size: number;
};

/** What a download in progress records next to its partial file. */
export type PartialSidecar = {
  url: string;
  /** Total size in bytes when the server said. */
  size?: number;
  /** sha256 the server published (Hugging Face x-linked-etag). */
  sha256?: string;
  /** The server's ETag or Last-Modified: a resume continues only the same file. */
  validator?: string;
};

export type PartialDownload = { fileName: string; path: string; bytes: number; sidecar?: PartialSidecar };

export type ModelFileResolution = { ok: true; path: string; name: string } | { ok: false; message: string };

export function modelsDir(dataDir: string): string {
  return join(dataDir, "models");
}

/** The file names a download of `finalPath` uses before it is complete. */
export function partialPaths(finalPath: string): { partial: string; sidecar: string; lock: string } {
  return {
    partial: `${finalPath}.partial`,
    sidecar: `${finalPath}.partial.json`,
    lock: `${finalPath}.partial.lock`,
  };
}

/** `x.gguf` -> `x`; other names unchanged. */
export function modelName(fileName: string): string {
  return fileName.replace(/\.gguf$/i, "");
}

/** The finished GGUF files in the models directory, by name. A missing directory is an empty list. */
export function listModelFiles(dataDir: string): ModelFile[] {
  const dir = modelsDir(dataDir);
  const files: ModelFile[] = [];
  for (const fileName of readNames(dir)) {
    if (!isModelFileName(fileName)) continue;
    const path = join(dir, fileName);
    const size = regularFileSize(path); // follows symlinks: a link to a model elsewhere counts
    if (size !== undefined) files.push({ name: modelName(fileName), fileName, path, size });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** Downloads that were interrupted (or are running): `<file>.partial` files with their sidecar when readable. */
export function listPartialDownloads(dataDir: string): PartialDownload[] {
  const dir = modelsDir(dataDir);
  const partials: PartialDownload[] = [];
  for (const name of readNames(dir)) {
    if (!name.endsWith(".partial")) continue;
    const fileName = name.slice(0, -".partial".length);
    const path = join(dir, name);
    const bytes = regularFileSize(path);
    if (!isModelFileName(fileName) || bytes === undefined) continue;
    partials.push({ fileName, path, bytes, sidecar: readSidecar(partialPaths(join(dir, fileName)).sidecar) });
  }
  return partials.sort((a, b) => a.fileName.localeCompare(b.fileName));
}

/** A download's sidecar, or undefined when it is missing or not one. */
export function readSidecar(path: string): PartialSidecar | undefined {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    if (typeof value?.url !== "string") return undefined;
    const sidecar: PartialSidecar = { url: value.url };
    if (Number.isSafeInteger(value.size) && (value.size as number) >= 0) sidecar.size = value.size as number;
    if (typeof value.sha256 === "string" && /^[0-9a-f]{64}$/.test(value.sha256))
      sidecar.sha256 = value.sha256;
    if (typeof value.validator === "string") sidecar.validator = value.validator;
    return sidecar;
  } catch {
    return undefined;
  }
}

/**
 * Find a model file. `nameOrPath` is a name in the models directory (`foo` or `foo.gguf`), or a path to a file
 * anywhere (anything with a slash, or starting with `.` or `~`; relative to `cwd`).
 */
export function resolveModelFile(
  nameOrPath: string,
  dataDir: string,
  cwd = process.cwd(),
): ModelFileResolution {
  const dir = modelsDir(dataDir);
  if (/[/\\]/.test(nameOrPath) || nameOrPath.startsWith(".") || nameOrPath.startsWith("~")) {
    const home = process.env.HOME ?? "";
    const expanded = nameOrPath.startsWith("~/") && home ? join(home, nameOrPath.slice(2)) : nameOrPath;
    const path = isAbsolute(expanded) ? expanded : resolve(cwd, expanded);
    if (regularFileSize(path) === undefined)
      return { ok: false, message: `model file ${path} does not exist or is not a file` };
    return { ok: true, path, name: modelName(path.split(/[/\\]/).pop() ?? path) };
  }
  const candidates = [/\.gguf$/i.test(nameOrPath) ? nameOrPath : `${nameOrPath}.gguf`];
  for (const fileName of candidates) {
    if (!isModelFileName(fileName)) continue;
    const path = join(dir, fileName);
    if (regularFileSize(path) !== undefined) return { ok: true, path, name: modelName(fileName) };
  }
  const listed = listModelFiles(dataDir).find((f) => f.name === nameOrPath || f.fileName === nameOrPath);
  if (listed) return { ok: true, path: listed.path, name: listed.name }; // e.g. `x` for `x.GGUF`
  const partial = candidates.find((c) => existsSync(partialPaths(join(dir, c)).partial));
  if (partial)
    return {
      ok: false,
      message: `the download of ${partial} is not finished; run the same hearth models pull command to resume it`,
    };
  const known = listModelFiles(dataDir).map((f) => f.name);
  const have = known.length > 0 ? `; have: ${known.slice(0, 8).join(", ")}` : "";
  return {
    ok: false,
    message: `no model "${nameOrPath}" in ${dir}${have}; download one with hearth models pull <ref>`,
  };
}

function readNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function regularFileSize(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
