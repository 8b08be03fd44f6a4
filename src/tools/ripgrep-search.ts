/**
 * grep's ripgrep engine. ripgrep follows no symlink inside the tree, but it opens every folder and file by
 * path, and it does follow the path it is given: a folder swapped for a symlink to `~/.ssh` while it runs (or
 * right after the path was checked) has it read files there (checked with strace and in the tests). So nothing
 * it prints is trusted: it reports matching lines with their line numbers (also for files_with_matches and
 * count, which are derived here), and a line is kept only when the workspace's own file, opened confined
 * (policy/open-confined.ts), holds that very text at that line. What was read behind a link is dropped.
 */
import { constants } from "node:fs";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { openConfinedParent } from "../policy/open-confined.ts";
import type { Workspace } from "../policy/workspace.ts";
import { ToolError } from "../protocol/tool-error.ts";
import { MAX_LINE_CHARS, type Search } from "./grep.ts";

/** Files larger than this are not read back to check ripgrep's lines; their matches are dropped. */
const MAX_CHECKED_BYTES = 64 * 1024 * 1024;
const LONG_LINE_MARK = " [... omitted end of long line]";

type Reported = { path: string; line: number; context: boolean; text: string };

export async function searchRipgrep(rgPath: string, workspace: Workspace, search: Search): Promise<string[]> {
  const args = ["--no-config", "--no-require-git", "--hidden", "--glob", "!.git", "--color", "never"];
  args.push(
    "--no-messages",
    "--sort",
    "path",
    "--max-columns",
    String(MAX_LINE_CHARS),
    "--max-columns-preview",
  );
  // Every mode as path NUL line:text, so that each line can be checked.
  args.push("--null", "--line-number", "--with-filename", "--no-heading");
  const hasGitignore = await stat(join(workspace.root, ".gitignore")).then(
    () => true,
    () => false,
  );
  if (!hasGitignore) args.push("--glob", "!node_modules");
  if (search.ignoreCase) args.push("--ignore-case");
  if (search.mode === "files_with_matches") args.push("--max-count", "1");
  if (search.mode === "content" && search.context > 0) args.push("--context", String(search.context));
  args.push("--regexp", search.pattern, "--", workspace.display(search.target));

  // ripgrep prints one file's lines together (sorted by path): only the current file is kept in memory.
  let current: { path: string; lines: Promise<string[] | null> } | undefined;
  const checked = async (reported: Reported) => {
    if (current?.path !== reported.path)
      current = { path: reported.path, lines: confinedLines(workspace, reported.path) };
    const lines = await current.lines;
    return lines !== null && sameLine(lines[reported.line - 1], reported.text);
  };
  const out = createOutput(search);
  await runRipgrep(rgPath, args, workspace.root, search.signal, async (raw) => {
    if (!raw.includes("\0")) return out.separator();
    const reported = parse(raw);
    if (reported && (await checked(reported))) out.add(reported);
    return out.size() >= search.limit;
  });
  return out.lines();
}

/** Output lines in the search's mode, from checked lines in ripgrep's order. */
function createOutput(search: Search) {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  return {
    add(reported: Reported) {
      if (search.mode === "content") {
        const mark = reported.context ? "-" : ":";
        lines.push(`${reported.path}${mark}${reported.line}${mark}${reported.text}`);
      } else if (!reported.context) {
        if (!counts.has(reported.path)) lines.push(reported.path);
        counts.set(reported.path, (counts.get(reported.path) ?? 0) + 1);
      }
    },
    separator() {
      if (lines.length > 0 && lines.at(-1) !== "--") lines.push("--");
      return false;
    },
    size: () => lines.length,
    lines: () => {
      if (lines.at(-1) === "--") lines.pop();
      return search.mode === "count" ? lines.map((path) => `${path}:${counts.get(path)}`) : lines;
    },
  };
}

/** `path NUL line:text` (a match) or `path NUL line-text` (context); the path as ripgrep printed it. */
function parse(raw: string): Reported | null {
  const nul = raw.indexOf("\0");
  const shown = raw.slice(0, nul);
  const match = /^(\d+)([:-])/.exec(raw.slice(nul + 1));
  if (!match) return null;
  const text = raw.slice(nul + 1 + match[0].length);
  const path = shown.startsWith("./") ? shown.slice(2) : shown;
  return { path, line: Number(match[1]), context: match[2] === "-", text };
}

/** Does the file's line (as read confined) hold what ripgrep printed (maybe cut after MAX_LINE_CHARS)? */
function sameLine(line: string | undefined, printed: string): boolean {
  if (line === undefined) return false;
  const own = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (!printed.endsWith(LONG_LINE_MARK)) return own === printed;
  // The cut may fall inside a character: compare what comes before it.
  const head = printed.slice(0, -LONG_LINE_MARK.length).replace(/\uFFFD+$/, "");
  return own.startsWith(head);
}

/** The lines of the workspace's file at `path` (relative to the root, or absolute), opened confined. */
async function confinedLines(workspace: Workspace, path: string): Promise<string[] | null> {
  const real = resolve(workspace.root, path);
  const entry = await openConfinedParent(workspace, real, "read", { create: false }).catch(() => null);
  if (entry === null) return null;
  try {
    const handle = await entry.directory.openFile(entry.name, constants.O_RDONLY).catch(() => null);
    if (handle === null) return null;
    try {
      const info = await handle.stat();
      if (!info.isFile() || info.size > MAX_CHECKED_BYTES) return null;
      return (await handle.readFile()).toString("utf8").split("\n");
    } finally {
      await handle.close();
    }
  } finally {
    await entry.directory.close();
  }
}

/** Runs ripgrep, handing each stdout line to `onLine` (true: enough, stop it). */
async function runRipgrep(
  rgPath: string,
  args: string[],
  cwd: string,
  signal: AbortSignal,
  onLine: (line: string) => Promise<boolean> | boolean,
): Promise<void> {
  // Loaded on first use: start-up does not pay for them.
  const { spawn } = await import("node:child_process");
  const child = spawn(rgPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const kill = () => child.kill("SIGTERM");
  signal.addEventListener("abort", kill, { once: true });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    if (stderr.length < 4000) stderr += text;
  });
  const exited = new Promise<{ code: number | null; error?: Error }>((done) => {
    child.on("error", (error) => done({ code: null, error }));
    child.on("close", (code) => done({ code }));
  });
  let printed = false;
  try {
    // Split at \n only: a lone \r inside a line is part of it, as ripgrep sees it.
    let pending = "";
    reading: for await (const chunk of child.stdout.setEncoding("utf8")) {
      printed = true;
      pending += chunk;
      for (let end = pending.indexOf("\n"); end !== -1; end = pending.indexOf("\n")) {
        const line = pending.slice(0, pending[end - 1] === "\r" ? end - 1 : end);
        pending = pending.slice(end + 1);
        if (await onLine(line)) {
          kill();
          break reading;
        }
      }
    }
  } finally {
    signal.removeEventListener("abort", kill);
  }
  const { code, error } = await exited;
  signal.throwIfAborted();
  if (error) throw new ToolError(`could not run ripgrep (${rgPath}): ${error.message}`);
  if (code === 2 && !printed && stderr.trim() !== "") {
    throw new ToolError(`grep failed: ${stderr.trim().split("\n").slice(0, 5).join(" ")}`);
  }
}
