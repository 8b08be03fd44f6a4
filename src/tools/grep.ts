/**
 * The `grep` tool: regex search over files. Uses ripgrep when a path to it is given, otherwise the built-in
 * walker and a JS RegExp. Both ways print the same format with workspace-relative paths and honour .gitignore.
 * The built-in engine reads each file in the folder the walk listed it in, never through a symlink (a folder
 * swapped for a link to `~/.ssh` mid-search is skipped); ripgrep opens by path, so each line it reports is
 * checked against the workspace's file first (tools/ripgrep-search.ts).
 */
import { constants } from "node:fs";
import { type FileHandle, stat } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod/mini";
import { nonRegularKind, openConfinedParent } from "../policy/open-confined.ts";
import { isInside, type Workspace } from "../policy/workspace.ts";
import { ToolError } from "../protocol/tool-error.ts";
import { looksBinary } from "./read.ts";
import { searchRipgrep } from "./ripgrep-search.ts";
import { type AnyTool, defineTool } from "./tool.ts";
import { type WalkEntry, walkEntries } from "./walk.ts";

export type GrepToolDeps = {
  workspace: Workspace;
  rgPath: string | null;
  /** Files no search may look into (a `read` deny rule such as `read(**\/.env)`); by absolute path. */
  hidden?: (absolutePath: string) => boolean;
};

export type GrepDetails = {
  mode: OutputMode;
  lines: number;
  truncated: boolean;
  engine: "ripgrep" | "builtin";
};

export type OutputMode = "content" | "files_with_matches" | "count";

const DEFAULT_HEAD_LIMIT = 200;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
export const MAX_LINE_CHARS = 500;

const schema = z.object({
  pattern: z.string().check(z.minLength(1), z.describe("Regular expression to search for.")),
  path: z
    .optional(z.string())
    .check(z.describe("File or directory to search (default: the workspace root).")),
  glob: z
    .optional(z.string())
    .check(z.describe('Only search files matching this glob, e.g. "*.ts" or "src/**/*.py".')),
  ignore_case: z.optional(z.boolean()),
  output_mode: z
    .optional(z.enum(["content", "files_with_matches", "count"]))
    .check(
      z.describe(
        "content: matching lines as path:line:text; files_with_matches (default): paths; count: path:count.",
      ),
    ),
  context: z
    .optional(z.int().check(z.minimum(0), z.maximum(20)))
    .check(z.describe("Lines of context around matches (content mode).")),
  head_limit: z
    .optional(z.int().check(z.minimum(1)))
    .check(z.describe(`Maximum output lines (default ${DEFAULT_HEAD_LIMIT}).`)),
});

export type Search = {
  pattern: string;
  ignoreCase: boolean;
  mode: OutputMode;
  context: number;
  glob?: string;
  /** Real path of the file or directory to search. */
  target: string;
  /** Stop after this many output lines. */
  limit: number;
  signal: AbortSignal;
  hidden?: (absolutePath: string) => boolean;
};

export function createGrepTool(deps: GrepToolDeps): AnyTool {
  const { workspace, rgPath } = deps;
  return defineTool({
    name: "grep",
    description:
      "Search file contents with a regular expression (ripgrep syntax), skipping .gitignore'd files. " +
      "Returns matching files by default; output_mode content gives path:line:text.",
    lean: {
      description:
        "Search file contents with a regex. Lists matching files; output_mode content shows lines.",
      parameters: { glob: 'file filter, e.g. "*.ts"' },
    },
    schema,
    kind: "read",
    async execute(args, context) {
      const target = await workspace.resolve(args.path ?? ".", "read");
      const info = await stat(target).catch(() => null);
      if (!info) throw new ToolError(`path not found: ${workspace.display(target)}`);
      // ripgrep reads a FIFO or a device named on its command line, and would wait on it forever.
      const other = info.isDirectory() ? null : nonRegularKind(info);
      if (other !== null) {
        throw new ToolError(
          `${workspace.display(target)} is ${other}, not a regular file; grep searches files and folders`,
        );
      }
      const mode = args.output_mode ?? "files_with_matches";
      const limit = args.head_limit ?? DEFAULT_HEAD_LIMIT;
      const search: Search = {
        pattern: args.pattern,
        ignoreCase: args.ignore_case ?? false,
        mode,
        context: mode === "content" ? (args.context ?? 0) : 0,
        glob: args.glob,
        target,
        limit: limit + 1,
        signal: context.signal,
        hidden: deps.hidden,
      };
      // ripgrep's --glob overrides .gitignore (an ignored file that matches the glob is searched), so a
      // globbed search uses the built-in engine, which applies the glob on top of the ignore rules.
      // Deny rules are applied by the built-in walker, file by file, so with any, ripgrep is not used.
      const engine = rgPath !== null && !search.glob && !deps.hidden ? rgPath : null;
      const lines =
        engine === null
          ? await searchBuiltin(workspace, search)
          : await searchRipgrep(engine, workspace, search);
      const truncated = lines.length > limit;
      if (truncated) lines.length = limit;
      const details: GrepDetails = {
        mode,
        lines: lines.length,
        truncated,
        engine: engine ? "ripgrep" : "builtin",
      };
      if (lines.length === 0) return { content: "No matches found.", details };
      let content = lines.join("\n");
      if (truncated) {
        content += `\n\n(showing the first ${limit} lines; there are more. Narrow the pattern, path or glob, or raise head_limit)`;
      }
      return { content, details };
    },
  });
}

async function searchBuiltin(workspace: Workspace, search: Search): Promise<string[]> {
  const regex = compile(search.pattern, search.ignoreCase);
  // picomatch loads on first use: start-up does not pay for it.
  const matchGlob = search.glob
    ? (await import("picomatch")).default(search.glob, { dot: true, basename: !search.glob.includes("/") })
    : () => true;
  const info = await stat(search.target);
  const lines: string[] = [];
  let separatorNeeded = false;
  const files = info.isDirectory() ? walkFrom(workspace, search) : single(workspace, search.target);
  for await (const file of files) {
    search.signal.throwIfAborted();
    const shown = workspace.display(join(search.target, file.path));
    if (!matchGlob(shown)) continue;
    // A file swapped for a symlink since it was listed is skipped (the open refuses to follow it).
    const buffer = await file.open().then(readSmallFile, () => null);
    if (!buffer || looksBinary(buffer)) continue;
    const text = buffer.toString("utf8").split("\n");
    if (text[text.length - 1] === "") text.pop();
    const matches: number[] = [];
    for (const [index, line] of text.entries()) {
      if (!regex.test(line)) continue;
      matches.push(index);
      if (search.mode === "files_with_matches") break;
    }
    if (matches.length === 0) continue;
    if (search.mode === "files_with_matches") lines.push(shown);
    else if (search.mode === "count") lines.push(`${shown}:${matches.length}`);
    else {
      const matched = new Set(matches);
      for (const [from, to] of groups(matches, search.context, text.length)) {
        if (separatorNeeded && search.context > 0) lines.push("--");
        separatorNeeded = true;
        for (let index = from; index <= to; index++) {
          const mark = matched.has(index) ? ":" : "-";
          lines.push(`${shown}${mark}${index + 1}${mark}${clip(text[index])}`);
        }
      }
    }
    if (lines.length >= search.limit) break;
  }
  return lines;
}

function walkFrom(workspace: Workspace, search: Search): AsyncGenerator<WalkEntry> {
  const ignoreRoot = isInside(search.target, workspace.root) ? workspace.root : search.target;
  const root = workspace.rootOf(search.target, "read");
  return walkEntries(search.target, { signal: search.signal, ignoreRoot, hidden: search.hidden, root });
}

/** The one file searched, opened in its folder opened confined. */
async function* single(workspace: Workspace, file: string): AsyncGenerator<WalkEntry> {
  const entry = await openConfinedParent(workspace, file, "read", { create: false });
  if (entry === null) return;
  try {
    yield {
      path: "",
      open: () => entry.directory.openFile(entry.name, constants.O_RDONLY),
      lstat: () => undefined,
    };
  } finally {
    await entry.directory.close();
  }
}

/** The content of a regular file of at most MAX_FILE_BYTES, read through its descriptor; null otherwise. */
async function readSmallFile(handle: FileHandle | null): Promise<Buffer | null> {
  if (handle === null) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_FILE_BYTES) return null;
    return await handle.readFile();
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** Line ranges [from, to] (inclusive) around the matches, merged where they touch. */
function groups(matches: number[], context: number, lineCount: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const index of matches) {
    const from = Math.max(0, index - context);
    const to = Math.min(lineCount - 1, index + context);
    const last = out[out.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

function compile(pattern: string, ignoreCase: boolean): RegExp {
  const flags = ignoreCase ? "i" : "";
  try {
    return new RegExp(pattern, `${flags}u`);
  } catch {
    try {
      return new RegExp(pattern, flags);
    } catch (error) {
      throw new ToolError(
        `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`,
      );
    }
  }
}

function clip(line: string): string {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  return text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)} [... line cut]` : text;
}
