/**
 * Tools hearth did not write (an MCP server's, a delegated runtime's) come with their parameters as a plain JSON
 * Schema. Such a tool is an ordinary tool to the runtime: it has a kind (read / edit / exec / external), runs
 * under the policy and the watchdog, may report progress; the model sees its schema as it is, and the runtime
 * checks arguments against it (tools/json-schema-check.ts).
 */
import * as z from "zod/mini";
import type { ToolEffect, ToolKind } from "../protocol/permissions.ts";
import type { AnyTool, ToolContext, ToolResult } from "./tool.ts";

/** A tool defined by a plain JSON Schema: arguments arrive as an object. */
export function defineJsonSchemaTool(tool: {
  name: string;
  description: string;
  kind: ToolKind;
  effect?: ToolEffect;
  inputSchema: Record<string, unknown>;
  execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult>;
}): AnyTool {
  return {
    name: tool.name,
    description: tool.description,
    kind: tool.kind,
    ...(tool.effect ? { effect: tool.effect } : {}),
    schema: z.record(z.string(), z.unknown()),
    jsonSchema: tool.inputSchema,
    execute: (args, context) => tool.execute(args as Record<string, unknown>, context),
  };
}
