/**
 * The permission policy of a headless run: the permission engine over the user's and the project's rules, with
 * the shell classifier for commands. Headless has nobody to ask, so every `ask` becomes a refusal that tells the
 * model why and tells the user, on stderr, what would allow it.
 */
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { hiddenPathFilter, readDenyFilter } from "../../policy/hidden-paths.ts";
import {
  type CommandSandboxState,
  chooseMode,
  decidePermission,
  type PermissionContext,
  type PermissionRequest,
  preparePermissions,
  requestPath,
} from "../../policy/permission-engine.ts";
import { headlessRefusal, refusalLine } from "../../policy/permission-texts.ts";
import { protectedPathReason } from "../../policy/protected-paths.ts";
import type { Workspace } from "../../policy/workspace.ts";
import type { PermissionMode } from "../../protocol/permissions.ts";
import type { ToolPolicy } from "../../tools/tool-runtime.ts";
import type { WorkspaceSettings } from "../load-settings.ts";

export type HeadlessPolicy = {
  mode: PermissionMode;
  policy: ToolPolicy;
  /** Files grep and glob must leave out (read deny rules, secret stores, .env), or undefined when none can be reached. */
  hidden?: (realPath: string) => boolean;
  /** Files a `read(...)` deny rule covers (the OS sandbox hides them from commands), or undefined when none. */
  readDenied?: (realPath: string) => boolean;
  /** For write and edit, on the path they actually open: headless cannot say yes to a protected path. */
  refuseWrite: (realPath: string) => string | null;
};

export async function createHeadlessPolicy(input: {
  layers: WorkspaceSettings;
  flagMode?: PermissionMode;
  workspace: Workspace;
  extraRoots: string[];
  configDir: string;
  userSettingsLabel: string;
  /**
   * Whether commands will run in an OS sandbox (false when none can start or it is turned off); awaited before
   * the first command is decided.
   */
  sandboxAvailable: () => Promise<boolean>;
  /** The run's own scratch folder (TMPDIR for commands): deleting and overwriting there is not destructive. */
  scratchDir?: string;
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
    // Known once the first command is decided (below); file tools do not depend on it.
    sandbox: "unavailable",
  };
  // Only the user's own settings may turn the sandbox off; without one, commands ask instead (README: OS sandbox).
  const userTurnedOff = layers.user.sandbox?.enabled === false;
  let sandbox: Promise<CommandSandboxState> | undefined;
  // The classifier (and its shell parser) load on the first command, not at start-up.
  let classifier: Promise<typeof import("../../policy/command-classifier.ts")> | undefined;
  let commandPaths: Promise<typeof import("../../policy/command-paths.ts")> | undefined;
  // Its readers (git aliases, SQL files, real paths) load with it.
  let readers:
    | Promise<ReturnType<typeof import("../../policy/classify-readers.ts").classifierReaders>>
    | undefined;

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
      readers ??= import("../../policy/classify-readers.ts").then(({ classifierReaders }) =>
        classifierReaders({ home, env: process.env }),
      );
      const { classifyCommand } = await classifier;
      const classification = await classifyCommand(a.command, {
        cwd: workspace.root,
        workspaceRoot: workspace.root,
        home,
        scratchDir: input.scratchDir, // commands may delete and overwrite there: it is the run's own
        ...(await readers), // the classifier reads git aliases and the SQL files a client runs through these
      });
      commandPaths ??= import("../../policy/command-paths.ts");
      const { resolveCommandPaths } = await commandPaths;
      const { paths, unresolved } = await resolveCommandPaths(a.command, classification.commands, {
        cwd: workspace.root,
        home,
        workspaceRoot: workspace.root,
        extraRoots: input.extraRoots,
      });
      request.command = { text: a.command, classification, paths, unresolved };
      sandbox ??= userTurnedOff
        ? Promise.resolve("disabled")
        : input.sandboxAvailable().then(
            (up) => (up ? "active" : "unavailable"),
            () => "unavailable",
          );
    }
    const decision = decidePermission(
      request,
      sandbox === undefined ? context : { ...context, sandbox: await sandbox },
    );
    if (decision.decision === "allow") return decision;
    say(refusalLine(request, decision));
    return decision.decision === "deny"
      ? decision
      : { decision: "deny", reason: headlessRefusal(request, decision) };
  };
  return {
    mode: chosen.mode,
    policy,
    hidden: hiddenPathFilter(context, input.extraRoots) ?? undefined,
    readDenied: readDenyFilter(context, input.extraRoots) ?? undefined,
    refuseWrite: (realPath) => protectedPathReason(realPath, context),
  };
}

function realHome(): string {
  try {
    return realpathSync(homedir());
  } catch {
    return homedir();
  }
}
