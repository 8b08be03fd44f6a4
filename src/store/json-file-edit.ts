/**
 * Edits one value of a JSON settings file in place, keeping its comments and layout (jsonc-parser's edits), then
 * replaces the file atomically: a temp file beside it, fsynced, renamed over it; its mode is kept (a new file
 * is 0600 unless said otherwise). A file that is a symlink (kept in a dotfiles folder) is written where it points, so the link stays.
 * A file that does not parse is left alone. Two hearth processes editing at once take turns (edit-lock.ts).
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { withEditLock } from "./edit-lock.ts";

export type JsonEdit = { ok: true; changed: boolean } | { ok: false; problem: string };

type Jsonc = typeof import("jsonc-parser");

/**
 * `decide` sees the file's parsed value (`{}` for a missing or empty file) and returns the key path and the new
 * value to write there (`undefined` removes it), or null to leave the file as it is.
 */
export function editJsonFile(
  link: string,
  decide: (
    value: Record<string, unknown>,
  ) => { path: Array<string | number>; value: unknown; insert?: boolean } | null,
  what: string,
  newFileMode = 0o600,
): JsonEdit {
  const path = realOrSelf(link);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    return { ok: false, problem: problemOf(path, error) };
  }
  const locked = withEditLock(path, () => editUnderLock(path, decide, what, newFileMode));
  return locked.ok ? locked.value : locked;
}

function editUnderLock(
  path: string,
  decide: Parameters<typeof editJsonFile>[1],
  what: string,
  newFileMode: number,
): JsonEdit {
  let text = "";
  let mode = newFileMode;
  try {
    text = readFileSync(path, "utf8");
    mode = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      return { ok: false, problem: problemOf(path, error) };
  }
  const jsonc = createRequire(import.meta.url)("jsonc-parser") as Jsonc;
  const errors: import("jsonc-parser").ParseError[] = [];
  const value = text.trim() === "" ? {} : jsonc.parse(text, errors, { allowTrailingComma: true });
  if (errors.length > 0 || typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, problem: `${path} is not valid JSON; ${what} yourself` };
  const change = decide(value as Record<string, unknown>);
  if (!change) return { ok: true, changed: false };
  const base = text.trim() === "" ? "{}\n" : text;
  const edits = jsonc.modify(base, change.path, change.value, {
    formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" },
    ...(change.insert ? { isArrayInsertion: true } : {}),
  });
  const updated = jsonc.applyEdits(base, edits);
  const temp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    const fd = openSync(temp, "wx", mode);
    try {
      writeSync(fd, updated);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    return { ok: true, changed: true };
  } catch (error) {
    rmSync(temp, { force: true });
    return { ok: false, problem: problemOf(path, error) };
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function problemOf(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return `${path}: cannot write: ${code ?? (error as Error).message}`;
}
