/**
 * The `glob` tool: find files by name pattern, newest first, skipping .gitignore'd files. Folders are walked
 * and files stated without following a symlink (tools/walk.ts).
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod/mini";
import { isInside, type Workspace } from "../policy/workspace.ts";
import { ToolError } from "../protocol/tool-error.ts";
import { type AnyTool, defineTool } from "./tool.ts";
import { walkEntries } from "./walk.ts";

export type GlobToolDeps = {
  workspace: Workspace;
  /** Files to leave out (a `read` deny rule), by absolute path. */
  hidden?: (absolutePath: string) => boolean;
};

export type GlobDetails = { matches: number; shown: number; truncated: boolean };

const MAX_RESULTS = 200;
/** Stop collecting (and stat'ing) after this many matches. */
const MAX_MATCHES = 20_000;

const schema = z.object({
  pattern: z
    .string()
    .check(z.minLength(1), z.describe('Glob relative to path, e.g. "**/*.ts" or "src/*.json".')),
  path: z.optional(z.string()).check(z.describe("Directory to search in (default: the workspace root).")),
});

export function createGlobTool(deps: GlobToolDeps): AnyTool {
  const { workspace } = deps;
  return defineTool({
    name: "glob",
    description:
      "Find files whose path matches a glob pattern (use **/ to search subdirectories). Newest first; " +
      ".gitignore'd files are skipped.",
    lean: { description: 'Find files by name pattern, e.g. "**/*.ts". Newest first.' },
    schema,
    kind: "read",
    async execute(args, context) {
      const dir = await workspace.resolve(args.path ?? ".", "read");
      const info = await stat(dir).catch(() => null);
      if (!info) throw new ToolError(`directory not found: ${workspace.display(dir)}`);
      if (!info.isDirectory())
        throw new ToolError(`${workspace.display(dir)} is a file; pass a directory as path`);

      // Walk only below the pattern's literal prefix ("src" for "src/**/*.ts").
      const pattern = args.pattern.replace(/^\.\//, "");
      // picomatch loads on first use: start-up does not pay for it.
      const { default: picomatch } = await import("picomatch");
      const { base, negated } = picomatch.scan(pattern);
      let start = dir;
      let prefix = "";
      if (pattern.split("/").includes("..")) {
        throw new ToolError(
          'glob patterns cannot go up with ".."; set path to the directory to search instead',
        );
      }
      if (base !== "" && !negated) {
        start = await workspace.resolve(join(dir, base), "read");
        prefix = `${base}/`;
        const startInfo = await stat(start).catch(() => null);
        if (!startInfo?.isDirectory()) return noMatch(pattern);
      }
      const isMatch = picomatch(pattern, { dot: true });
      const ignoreRoot = isInside(start, workspace.root) ? workspace.root : start;
      const root = workspace.rootOf(start, "read");
      const stamped: Array<{ path: string; mtimeMs: number }> = [];
      let capped = false;
      const walking = walkEntries(start, { signal: context.signal, ignoreRoot, hidden: deps.hidden, root });
      for await (const entry of walking) {
        if (!isMatch(prefix + entry.path)) continue;
        if (stamped.length >= MAX_MATCHES) {
          capped = true;
          break;
        }
        // Stated in the folder it was listed in: a folder swapped for a symlink meanwhile is not looked into.
        const mtimeMs = entry.lstat()?.mtimeMs;
        if (mtimeMs !== undefined)
          stamped.push({ path: workspace.display(join(start, entry.path)), mtimeMs });
      }
      if (stamped.length === 0) return noMatch(pattern);
      stamped.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      const shown = stamped.slice(0, MAX_RESULTS).map((entry) => entry.path);
      const truncated = stamped.length > MAX_RESULTS || capped;
      let content = shown.join("\n");
      if (truncated) {
        const total = capped ? `more than ${MAX_MATCHES}` : String(stamped.length);
        content += `\n\n(showing the ${shown.length} newest of ${total} matches; narrow the pattern or path)`;
      }
      const details: GlobDetails = { matches: stamped.length, shown: shown.length, truncated };
      return { content, details };
    },
  });
}

function noMatch(pattern: string) {
  const details: GlobDetails = { matches: 0, shown: 0, truncated: false };
  return { content: `No files match ${pattern}.`, details };
}
