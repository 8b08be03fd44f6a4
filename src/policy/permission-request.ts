/**
 * Builds the permission request for a call: the real path a file tool touches (resolved in the workspace), or
 * for a command its classification and the paths its words name. The classifier (and its shell parser and
 * readers: git aliases, SQL files, real paths) loads with the first command, not at start-up.
 */
import type { ToolEffect, ToolKind } from "../protocol/permissions.ts";
import { type PermissionRequest, requestPath } from "./permission-engine.ts";
import type { Workspace } from "./workspace.ts";

export type RequestBuilder = (
  tool: { name: string; kind: ToolKind; effect?: ToolEffect },
  args: Record<string, unknown>,
) => Promise<PermissionRequest | { problem: string }>;

export function createRequestBuilder(input: {
  workspace: Workspace;
  extraRoots: string[];
  /** Real path of the home directory. */
  home: string;
  /** The run's own scratch folder: deleting and overwriting there is not destructive. */
  scratchDir?: string;
}): RequestBuilder {
  const { workspace, home } = input;
  let classifier: Promise<typeof import("./command-classifier.ts")> | undefined;
  let commandPaths: Promise<typeof import("./command-paths.ts")> | undefined;
  let readers: Promise<ReturnType<typeof import("./classify-readers.ts").classifierReaders>> | undefined;

  return async (tool, a) => {
    const request: PermissionRequest = { tool: tool.name, kind: tool.kind };
    // A tool hearth did not write is judged by what it says it does; its arguments mean what its server says.
    if (tool.effect) return { ...request, effect: tool.effect };
    if (tool.kind !== "exec") {
      try {
        const real = await workspace.resolve(
          typeof a.path === "string" ? a.path : ".",
          tool.kind === "edit" ? "write" : "read",
        );
        request.path = requestPath(real, workspace.root, input.extraRoots);
      } catch (error) {
        return { problem: (error as Error).message };
      }
    }
    if (tool.kind === "exec" && typeof a.command === "string") {
      classifier ??= import("./command-classifier.ts");
      readers ??= import("./classify-readers.ts").then(({ classifierReaders }) =>
        classifierReaders({ home, env: process.env }),
      );
      const { classifyCommand } = await classifier;
      const classification = await classifyCommand(a.command, {
        cwd: workspace.root,
        workspaceRoot: workspace.root,
        home,
        scratchDir: input.scratchDir,
        ...(await readers), // the classifier reads git aliases and the SQL files a client runs through these
      });
      commandPaths ??= import("./command-paths.ts");
      const { resolveCommandPaths } = await commandPaths;
      const { paths, unresolved } = await resolveCommandPaths(a.command, classification.commands, {
        cwd: workspace.root,
        home,
        workspaceRoot: workspace.root,
        extraRoots: input.extraRoots,
      });
      request.command = { text: a.command, classification, paths, unresolved };
    }
    return request;
  };
}
