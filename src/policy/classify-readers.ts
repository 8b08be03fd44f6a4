/**
 * The default readers the command classifier is given (ClassifyContext.readFile and .gitAliases): the only
 * places where classifying a command touches the filesystem. Reads are bounded: a file larger than
 * MAX_TEXT_BYTES, not a regular file, or with NUL bytes counts as unreadable (the classifier then says the
 * command is at least unknown).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { ClassifyContext } from "./command-classifier.ts";
import { realPathOf } from "./command-paths.ts";
import { createGitAliasReader } from "./git-aliases.ts";

export const MAX_TEXT_BYTES = 256 * 1024;

/** A regular file's text, or undefined when it is missing, not a regular file, too large or not text. */
export function readTextFile(path: string, maxBytes = MAX_TEXT_BYTES): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    const buffer = Buffer.alloc(stat.size);
    const length = readSync(fd, buffer, 0, stat.size, 0);
    const bytes = buffer.subarray(0, length);
    return bytes.includes(0) ? undefined : bytes.toString("utf8");
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** readFile, gitAliases and realPath for a run, from the real filesystem and the given environment. */
export function classifierReaders(options: {
  home: string;
  env: Record<string, string | undefined>;
}): Required<Pick<ClassifyContext, "readFile" | "gitAliases" | "realPath">> {
  return {
    realPath: realPathOf,
    readFile: (path) => readTextFile(path),
    gitAliases: createGitAliasReader({ ...options, read: (path) => readTextFile(path) }),
  };
}
