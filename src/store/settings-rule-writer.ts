/**
 * Adds a permission rule to a settings file (a person answered "allow always"): the file is edited in place
 * with its comments and layout kept (jsonc-parser's edits), then replaced atomically: a temp file beside it,
 * fsynced, renamed over it; its mode is kept (a new file is 0600). A settings file that is a symlink (kept in a
 * dotfiles folder) is written where it points, so the link stays. A file that does not parse is left alone.
 * Two hearth processes adding rules at once take turns (edit-lock.ts).
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

export type RuleWrite = { ok: true; added: boolean } | { ok: false; problem: string };

/** Appends `rule` to permissions.<list> of the settings file at `path` (created when missing). */
export function addPermissionRule(link: string, list: "allow" | "deny", rule: string): RuleWrite {
  const path = realOrSelf(link);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    return { ok: false, problem: problemOf(path, error) };
  }
  // Another hearth adding a rule at the same moment waits, so neither rule is lost.
  const locked = withEditLock(path, () => addUnderLock(path, list, rule));
  return locked.ok ? locked.value : locked;
}

function addUnderLock(path: string, list: "allow" | "deny", rule: string): RuleWrite {
  let text = "";
  let mode = 0o600;
  try {
    text = readFileSync(path, "utf8");
    mode = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      return { ok: false, problem: problemOf(path, error) };
  }
  const jsonc = createRequire(import.meta.url)("jsonc-parser") as typeof import("jsonc-parser");
  const errors: import("jsonc-parser").ParseError[] = [];
  const value = text.trim() === "" ? {} : jsonc.parse(text, errors, { allowTrailingComma: true });
  if (errors.length > 0 || typeof value !== "object" || value === null || Array.isArray(value))
    return {
      ok: false,
      problem: `${path} is not a valid settings file; add ${JSON.stringify(rule)} to permissions.${list} yourself`,
    };
  const existing = (value as { permissions?: Record<string, unknown> }).permissions?.[list];
  if (Array.isArray(existing) && existing.includes(rule)) return { ok: true, added: false };
  const base = text.trim() === "" ? "{}\n" : text;
  const path_ = Array.isArray(existing) ? ["permissions", list, existing.length] : ["permissions", list];
  const edits = jsonc.modify(base, path_, Array.isArray(existing) ? rule : [rule], {
    formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" },
    ...(Array.isArray(existing) ? { isArrayInsertion: true } : {}),
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
    return { ok: true, added: true };
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
