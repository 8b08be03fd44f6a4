/**
 * The permission policy of a headless run: the permission engine over the user's and the project's rules, with
 * the shell classifier for commands. Headless has nobody to ask, so every `ask` becomes a refusal that tells the
 * model why and tells the user, on stderr, what would allow it.
 */
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { classifierReaders } from "../../policy/classify-readers.ts";
import {
  chooseMode,
  decidePermission,
  headlessRefusal,
  type PermissionContext,
  type PermissionRequest,
  preparePermissions,
  readDenyFilter,
  refusalLine,
  requestPath,
} from "../../policy/permission-engine.ts";
import type { Workspace } from "../../policy/workspace.ts";
import type { PermissionMode } from "../../protocol/permissions.ts";
import type { ToolPolicy } from "../../tools/tool-runtime.ts";
import type { WorkspaceSettings } from "../load-settings.ts";

export type HeadlessPolicy = {
  mode: PermissionMode;
  policy: ToolPolicy;
  /** Files grep and glob must leave out (read deny rules with a path), or undefined when there are none. */
  hidden?: (realPath: string) => boolean;
};

export async function createHeadlessPolicy(input: {
  layers: WorkspaceSettings;
  flagMode?: PermissionMode;
  workspace: Workspace;
  extraRoots: string[];
  configDir: string;
  userSettingsLabel: string;
  say: (line: string) => void;
}): Promise<HeadlessPolicy> {
  const { layers, workspace, say } = input;
  const home = realHome();
  const chosen = chooseMode({
    flag: input.flagMode,
    user: layers.user.permissionMode,
    project: layers.project.permissionMode,
    projectTrusted: layers.projectTrusted,
  });
  if (chosen.notice) say(chosen.notice);
  const prepared = await preparePermissions({
    user: layers.user.permissions ?? {},
    project: layers.project.permissions ?? {},
    projectTrusted: layers.projectTrusted,
    home,
    userLabel: input.userSettingsLabel,
  });
  for (const problem of prepared.problems) say(problem);
  if (prepared.notice) say(prepared.notice);

  const context: PermissionContext = {
    mode: chosen.mode,
    rules: prepared.rules,
    workspaceRoot: workspace.root,
    home,
    configDir: input.configDir,
  };
  // The classifier (and its shell parser) load on the first command, not at start-up.
  let classifier: Promise<typeof import("../../policy/command-classifier.ts")> | undefined;
  const readers = classifierReaders({ home, env: process.env });

  const policy: ToolPolicy = async (tool, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    const request: PermissionRequest = { tool: tool.name, kind: tool.kind };
    if (tool.kind !== "exec") {
      let real: string;
      try {
        real = await workspace.resolve(
          typeof a.path === "string" ? a.path : ".",
          tool.kind === "edit" ? "write" : "read",
        );
      } catch (error) {
        return { decision: "deny", reason: (error as Error).message };
      }
      request.path = requestPath(real, workspace.root, input.extraRoots);
    }
    if (tool.kind === "exec" && typeof a.command === "string") {
      classifier ??= import("../../policy/command-classifier.ts");
      const { classifyCommand } = await classifier;
      const classification = await classifyCommand(a.command, {
        cwd: workspace.root,
        workspaceRoot: workspace.root,
        home,
        ...readers, // the classifier reads git aliases and the SQL files a client runs through these
      });
      request.command = { text: a.command, classification };
    }
    const decision = decidePermission(request, context);
    if (decision.decision === "allow") return decision;
    say(refusalLine(request, decision));
    return decision.decision === "deny"
      ? decision
      : { decision: "deny", reason: headlessRefusal(request, decision) };
  };
  return { mode: chosen.mode, policy, hidden: readDenyFilter(context, input.extraRoots) ?? undefined };
}

function realHome(): string {
  try {
    return realpathSync(homedir());
  } catch {
    return homedir();
  }
}
