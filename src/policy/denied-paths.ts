/**
 * The files a `read` deny rule covers, as concrete paths for the command sandbox to hide (an empty file or folder
 * mounted over each): a rule must hold for `cat` and `grep -r` as it does for the read tool. What a rule covers
 * is decided by the policy's own predicate (readDenyFilter), never re-implemented here; this file only finds the
 * candidates:
 * - the workspace and the writable roots are walked once, breadth first, on the first command (skipping `.git`
 *   and `node_modules`, at most `maxEntries` entries; past that it says so): globs and names at any depth;
 * - a rule's literal path (`notes/private.txt`, `~/secret.txt`, `//etc/x`) is checked before every command;
 * - a rule outside the workspace with a glob (`~/keys/**`) is walked from its fixed leading folders.
 * Files made after the walk are the model's own (it could not read the denied ones to copy them), and the
 * sandbox pins the folders above each hidden path so that a rename cannot carry one out of its rule's reach.
 */
import { type Dirent, lstatSync, readdirSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parseRule } from "./permission-rules.ts";
import { isInside } from "./workspace.ts";

export type DeniedPathsInput = {
  /** Deny rules as written in settings (`read(notes/private.txt)`); rules of other tools are ignored. */
  rules: string[];
  /** Does a read deny rule cover this real path? (readDenyFilter) */
  hidden: (realPath: string) => boolean;
  /** Real paths of the workspace and the writable extra roots. */
  roots: string[];
  /** Real path of the home directory, for `~/` rules. */
  home: string;
  /** Entries the walk looks at before it stops. */
  maxEntries?: number;
  /** Told once when the walk stops early. */
  say?: (line: string) => void;
};

const MAX_ENTRIES = 20_000;
const SKIPPED = new Set([".git", "node_modules"]);
const GLOB_CHARS = /[*?[\]{}()!+@]/;

/** A function giving, before each command, the existing paths to hide. */
export function createDeniedPathFinder(input: DeniedPathsInput): () => string[] {
  const { literal, walkFrom } = candidates(input);
  let walked: string[] | null = null;
  return () => {
    walked ??= walk([...input.roots, ...walkFrom], input);
    const found = new Set(walked.filter(exists));
    for (const path of literal) if (exists(path) && input.hidden(path)) found.add(path);
    return [...found];
  };
}

/** Literal paths named by the rules, and the folders to walk for the globs outside the workspace. */
function candidates(input: DeniedPathsInput): { literal: string[]; walkFrom: string[] } {
  const literal: string[] = [];
  const walkFrom: string[] = [];
  for (const text of input.rules) {
    const parsed = parseRule(text);
    if (!parsed.ok || parsed.rule.type !== "path" || parsed.rule.tool !== "read") continue;
    const { anchor, glob, anyDepth } = parsed.rule.pattern;
    const parts = glob.split("/").filter(Boolean);
    const fixed = parts.findIndex((part) => GLOB_CHARS.test(part));
    const prefix = parts.slice(0, fixed === -1 ? parts.length : fixed);
    const base =
      anchor === "home" ? join(input.home, ...prefix) : join(anchor === "absolute" ? "/" : "", ...prefix);
    if (anchor === "workspace") {
      if (fixed === -1 && !anyDepth) literal.push(...input.roots.map((root) => join(root, base)));
    } else if (fixed === -1) literal.push(base);
    else if (isAbsolute(base)) walkFrom.push(base);
  }
  return { literal, walkFrom };
}

function walk(starts: string[], input: DeniedPathsInput): string[] {
  const found: string[] = [];
  const queue = [...starts];
  let budget = input.maxEntries ?? MAX_ENTRIES;
  // A denied folder that holds a root (`~/**` around the workspace) is searched instead of hidden whole.
  const hides = (path: string) => input.hidden(path) && !input.roots.some((root) => isInside(root, path));
  for (let i = 0; i < queue.length; i++) {
    const dir = queue[i];
    if (i < starts.length && hides(dir)) {
      found.push(dir);
      continue;
    }
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (budget-- <= 0) {
        input.say?.(
          `read deny rules: stopped looking for denied files after ${input.maxEntries ?? MAX_ENTRIES} entries; ` +
            "commands may see denied files the search did not reach (name them by their path in the rule)",
        );
        return found;
      }
      const path = join(dir, entry.name);
      if (hides(path)) found.push(path);
      else if (entry.isDirectory() && !SKIPPED.has(entry.name)) queue.push(path);
    }
  }
  return found;
}

function exists(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}
