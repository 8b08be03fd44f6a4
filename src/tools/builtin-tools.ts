/** The built-in tool set, in the order models see it. */
import type { Workspace } from "../policy/workspace.ts";
import { createBashTool, type Invocation } from "./bash.ts";
import { createEditTool } from "./edit.ts";
import type { FileState } from "./file-state.ts";
import { createGlobTool } from "./glob.ts";
import { createGrepTool } from "./grep.ts";
import { createLsTool } from "./ls.ts";
import type { ProcessReaper } from "./process-reaper.ts";
import { createReadTool } from "./read.ts";
import type { AnyTool } from "./tool.ts";
import { createWriteTool } from "./write.ts";

export type BuiltinToolDeps = {
  workspace: Workspace;
  fileState: FileState;
  /** The environment commands run with (already scrubbed of secrets). */
  env: Record<string, string>;
  /** Where bash spills long output. Add it to the workspace's read-only roots so `read` can open it. */
  spillDir: string;
  /** Path to ripgrep, or null to search with the built-in walker. */
  rgPath: string | null;
  /** Files grep and glob leave out (a `read` deny rule such as `read(**\/.env)`), by absolute path. */
  hidden?: (absolutePath: string) => boolean;
  /** Applied to what bash writes to spill files. */
  redact?: (text: string) => string;
  /** Wraps each command in an OS sandbox (see policy/sandbox.ts); absent: plain `bash -c`. */
  wrap?: (command: string) => Invocation | Promise<Invocation>;
  /** Stops what commands leave running at the end of the run (process-reaper.ts). */
  reaper?: ProcessReaper;
  /** Called by write and edit right before they write a file (checkpoints for `hearth undo`); must not throw. */
  beforeWrite?: (absPath: string) => void | Promise<void>;
  /** Why write and edit may not write a real path (a protected path nobody can approve here), or null. */
  refuseWrite?: (realPath: string) => string | null;
};

export function createBuiltinTools(deps: BuiltinToolDeps): AnyTool[] {
  const { workspace, fileState, beforeWrite, refuseWrite } = deps;
  return [
    createReadTool({ workspace, fileState }),
    createWriteTool({ workspace, fileState, beforeWrite, refuseWrite }),
    createEditTool({ workspace, fileState, beforeWrite, refuseWrite }),
    createBashTool({
      workspace,
      env: deps.env,
      spillDir: deps.spillDir,
      wrap: deps.wrap,
      redact: deps.redact,
      reaper: deps.reaper,
    }),
    createGrepTool({ workspace, rgPath: deps.rgPath, hidden: deps.hidden }),
    createGlobTool({ workspace, hidden: deps.hidden }),
    createLsTool({ workspace }),
  ];
}
