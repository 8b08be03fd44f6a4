/**
 * The `grep` tool: regex search over files. Uses ripgrep when a path to it is given, otherwise the built-in
 * walker and a JS RegExp. Both ways print the same format with workspace-relative paths and honour .gitignore.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod/mini";
import { isInside, type Workspace } from "../policy/workspace.ts";
import { looksBinary } from "./read.ts";
import { type AnyTool, defineTool, ToolError } from "./tool.ts";
import { walk } from "./walk.ts";

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

type OutputMode = "content" | "files_with_matches" | "count";

const DEFAULT_HEAD_LIMIT = 200;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_LINE_CHARS = 500;

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

type Search = {
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

async function searchRipgrep(rgPath: string, workspace: Workspace, search: Search): Promise<string[]> {
  // Loaded on first use: start-up does not pay for them.
  const { spawn } = await import("node:child_process");
  const { createInterface } = await import("node:readline");
  const args = ["--no-config", "--no-require-git", "--hidden", "--glob", "!.git", "--color", "never"];
  args.push(
    "--no-messages",
    "--sort",
    "path",
    "--max-columns",
    String(MAX_LINE_CHARS),
    "--max-columns-preview",
  );
  const hasGitignore = await stat(join(workspace.root, ".gitignore")).then(
    () => true,
    () => false,
  );
  if (!hasGitignore) args.push("--glob", "!node_modules");
  if (search.ignoreCase) args.push("--ignore-case");
  if (search.mode === "files_with_matches") args.push("--files-with-matches");
  else if (search.mode === "count") args.push("--count", "--with-filename");
  else {
    args.push("--line-number", "--with-filename", "--no-heading");
    if (search.context > 0) args.push("--context", String(search.context));
  }
  args.push("--regexp", search.pattern, "--", workspace.display(search.target));

  const child = spawn(rgPath, args, { cwd: workspace.root, stdio: ["ignore", "pipe", "pipe"] });
  const kill = () => child.kill("SIGTERM");
  search.signal.addEventListener("abort", kill, { once: true });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    if (stderr.length < 4000) stderr += text;
  });
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on("error", (error) => resolve({ code: null, error }));
    child.on("close", (code) => resolve({ code }));
  });
  const lines: string[] = [];
  try {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY })) {
      lines.push(line.startsWith("./") ? line.slice(2) : line);
      if (lines.length >= search.limit) {
        kill();
        break;
      }
    }
  } finally {
    search.signal.removeEventListener("abort", kill);
  }
  const { code, error } = await exited;
  search.signal.throwIfAborted();
  if (error) throw new ToolError(`could not run ripgrep (${rgPath}): ${error.message}`);
  if (code === 2 && lines.length === 0 && stderr.trim() !== "") {
    throw new ToolError(`grep failed: ${stderr.trim().split("\n").slice(0, 5).join(" ")}`);
  }
  return lines;
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
  const files = info.isDirectory() ? walkFrom(workspace, search) : single(search.target);
  for await (const file of files) {
    search.signal.throwIfAborted();
    const shown = workspace.display(file);
    if (!matchGlob(shown)) continue;
    const size = (await stat(file).catch(() => null))?.size;
    if (size === undefined || size > MAX_FILE_BYTES) continue;
    const buffer = await readFile(file).catch(() => null);
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

async function* walkFrom(workspace: Workspace, search: Search): AsyncGenerator<string> {
  const ignoreRoot = isInside(search.target, workspace.root) ? workspace.root : search.target;
  for await (const relative of walk(search.target, {
    signal: search.signal,
    ignoreRoot,
    hidden: search.hidden,
  })) {
    yield join(search.target, relative);
  }
}

async function* single(file: string): AsyncGenerator<string> {
  yield file;
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
