/**
 * The `ls` tool: the entries of one directory, sorted, directories marked with a trailing `/`. The directory is
 * opened from the workspace root without following a symlink (policy/open-confined.ts), so a folder swapped
 * for a link to `~/.ssh` after the check is not listed.
 */
import type { Dirent } from "node:fs";
import { readdir, readlink, stat } from "node:fs/promises";
import * as z from "zod/mini";
import { type ConfinedDirectory, openConfinedDirectory } from "../policy/open-confined.ts";
import type { Workspace } from "../policy/workspace.ts";
import { ToolError } from "../protocol/tool-error.ts";
import { type AnyTool, defineTool } from "./tool.ts";

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
      const directory = await openListed(workspace, dir, shown);
      let entries: Dirent[];
      let lines: string[];
      try {
        entries = await readdir(directory.entryPath("."), { withFileTypes: true }).catch((error: Error) => {
          throw new ToolError(`cannot list ${shown}: ${error.message}`);
        });
        context.signal.throwIfAborted();
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const listed = entries.slice(0, MAX_ENTRIES);
        lines = await Promise.all(listed.map((entry) => describe(directory, entry)));
      } finally {
        await directory.close();
      }
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

/** The directory to list, opened confined; a ToolError saying what is there instead when it is not one. */
async function openListed(workspace: Workspace, dir: string, shown: string): Promise<ConfinedDirectory> {
  const root = workspace.rootOf(dir, "read");
  if (root === undefined) throw new ToolError(`${shown} is outside the workspace`);
  let directory: ConfinedDirectory | null;
  try {
    directory = await openConfinedDirectory(root, dir, { create: false });
  } catch (error) {
    if ((await stat(dir).catch(() => null))?.isFile())
      throw new ToolError(`${shown} is a file, not a directory; use read to see it`);
    throw error;
  }
  if (directory === null) throw new ToolError(`directory not found: ${shown}`);
  return directory;
}

async function describe(directory: ConfinedDirectory, entry: Dirent): Promise<string> {
  if (entry.isDirectory()) return `${entry.name}/`;
  if (entry.isSymbolicLink()) {
    const target = await readlink(directory.entryPath(entry.name)).catch(() => "?");
    return `${entry.name} -> ${target}`;
  }
  return entry.name;
}
