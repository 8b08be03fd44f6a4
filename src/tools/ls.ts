/** The `ls` tool: the entries of one directory, sorted, directories marked with a trailing `/`. */
import type { Dirent } from "node:fs";
import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod/mini";
import type { Workspace } from "../policy/workspace.ts";
import { type AnyTool, defineTool, ToolError } from "./tool.ts";

export type LsToolDeps = { workspace: Workspace };

export type LsDetails = { path: string; entries: number; truncated: boolean };

const MAX_ENTRIES = 500;

const schema = z.object({
  path: z.optional(z.string()).check(z.describe("Directory to list (default: the workspace root).")),
});

export function createLsTool(deps: LsToolDeps): AnyTool {
  const { workspace } = deps;
  return defineTool({
    name: "ls",
    description: "List a directory's entries; directories end with /, symlinks show their target.",
    lean: { description: "List a directory." },
    schema,
    kind: "read",
    async execute(args, context) {
      const dir = await workspace.resolve(args.path ?? ".", "read");
      const shown = workspace.display(dir);
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") throw new ToolError(`directory not found: ${shown}`);
        if (code === "ENOTDIR")
          throw new ToolError(`${shown} is a file, not a directory; use read to see it`);
        throw new ToolError(`cannot list ${shown}: ${(error as Error).message}`);
      }
      context.signal.throwIfAborted();
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const listed = entries.slice(0, MAX_ENTRIES);
      const lines = await Promise.all(listed.map((entry) => describe(dir, entry)));
      const truncated = entries.length > MAX_ENTRIES;
      const details: LsDetails = { path: shown, entries: entries.length, truncated };
      if (lines.length === 0) return { content: `(${shown} is empty)`, details };
      let content = lines.join("\n");
      if (truncated) {
        content += `\n\n(showing the first ${MAX_ENTRIES} of ${entries.length} entries; use glob or grep to narrow down)`;
      }
      return { content, details };
    },
  });
}

async function describe(dir: string, entry: Dirent): Promise<string> {
  if (entry.isDirectory()) return `${entry.name}/`;
  if (entry.isSymbolicLink()) {
    const target = await readlink(join(dir, entry.name)).catch(() => "?");
    return `${entry.name} -> ${target}`;
  }
  return entry.name;
}
