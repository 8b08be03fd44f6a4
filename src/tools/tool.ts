/**
 * The tool contract. Each built-in tool is one file exporting a factory `createXTool(deps)` that returns a Tool.
 * The runtime (src/tools/tool-runtime.ts) validates arguments, asks the policy, runs `execute` and caps output;
 * tools only do their one job.
 */
import type * as z from "zod/mini";
import type { ToolEffect, ToolKind } from "../protocol/permissions.ts";

export type ToolResult = {
  /** What the model sees. */
  content: string;
  isError?: boolean;
  /** Typed data for UIs and logs (e.g. a diff, an exit code). Never sent to the model. */
  details?: unknown;
};

/** A tool's wording for the lean profile (see Tool.lean). */
export type LeanDescription = {
  description: string;
  /** Parameter name -> a few words. */
  parameters?: Record<string, string>;
};

/** Per-call context handed to `execute`. */
export type ToolContext = {
  signal: AbortSignal;
  callId: string;
  /** Reports how the call is going (a command's last line of output); the fronts show it. Optional. */
  progress?: (text: string) => void;
};

export type Tool<Schema extends z.ZodMiniType = z.ZodMiniType> = {
  name: string;
  /** Short, model-facing. */
  description: string;
  /**
   * What the lean profile (small local models) shows instead: a shorter description and short notes for the
   * parameters that need one. Parameters not named in `parameters` are shown without a description. Only what
   * the model sees changes; arguments are validated against the full schema either way.
   */
  lean?: LeanDescription;
  schema: Schema;
  /**
   * For a tool hearth did not write (an MCP server's, a delegated runtime's): its parameters as a plain JSON
   * Schema. The model sees it as it is, and arguments are checked against it (tools/json-schema-check.ts)
   * instead of `schema`. See defineJsonSchemaTool.
   */
  jsonSchema?: Record<string, unknown>;
  kind: ToolKind;
  /**
   * For a tool hearth did not write (an MCP server's): what it says it does. The policy reads it instead of the
   * call's arguments (a `path` there is the server's, not the workspace's). Undefined for hearth's own tools.
   */
  effect?: ToolEffect;
  /**
   * How long this call itself asked to run (bash's `timeout` argument), in ms; the watchdog never ends it sooner
   * (tools/tool-runtime.ts). Undefined when the call asked for nothing.
   */
  ownTimeoutMs?(args: z.infer<Schema>): number | undefined;
  /**
   * Run the tool. May throw: the runtime turns a thrown error into an isError result whose content is the
   * error's message, so messages should say how to recover.
   */
  execute(args: z.infer<Schema>, context: ToolContext): Promise<ToolResult>;
};

/** A tool with its schema type erased, for registries and lists. */
export type AnyTool = Tool<z.ZodMiniType>;

/** Helper that keeps the schema's inferred type attached to `execute`. */
export function defineTool<Schema extends z.ZodMiniType>(tool: Tool<Schema>): AnyTool {
  return tool as unknown as AnyTool;
}
