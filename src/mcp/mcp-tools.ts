/**
 * An MCP server's tools as hearth tools: named `mcp__<server>__<tool>` (as Claude Code names them, so its rules
 * and habits carry over), described and parameterised by the server's own words and JSON Schema, with a kind
 * of `external` (for the watchdog) and an effect from the tool's annotations for the policy: `readOnlyHint`
 * makes it a read; otherwise `destructiveHint` says whether it is destructive (asks in every mode), merely writes
 * (free in auto mode), or, when the server says nothing, unknown (asks unless a rule allows it). The result's content blocks become the text the model reads;
 * the runtime then redacts and caps it like any tool's output.
 */
import { createHash } from "node:crypto";
import type { ToolEffect } from "../protocol/permissions.ts";
import { defineJsonSchemaTool } from "../tools/json-schema-tool.ts";
import type { AnyTool, ToolResult } from "../tools/tool.ts";
import type { McpCallResult, McpToolInfo } from "./mcp-connection.ts";

/** Longest tool name the model APIs take (OpenAI and Anthropic: 64). */
const MAX_NAME = 64;

export type McpToolCaller = (
  server: string,
  tool: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
  progress?: (text: string) => void,
) => Promise<McpCallResult>;

export function mcpToolName(server: string, tool: string): string {
  const clean = tool.replace(/[^A-Za-z0-9_-]/g, "_");
  const name = `mcp__${server}__${clean}`;
  if (name.length <= MAX_NAME) return name;
  // Too long: keep the start and make it unique with a short hash of the whole.
  const hash = createHash("sha256").update(`${server}\0${tool}`).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_NAME - 9)}_${hash}`;
}

export function toolEffect(info: McpToolInfo): ToolEffect {
  const hints = info.annotations ?? {};
  if (hints.readOnlyHint === true) return "read-only";
  if (hints.destructiveHint === true) return "destructive";
  if (hints.destructiveHint === false) return "write";
  return "unknown";
}

export function createMcpTool(server: string, info: McpToolInfo, call: McpToolCaller): AnyTool {
  const effect = toolEffect(info);
  return defineJsonSchemaTool({
    name: mcpToolName(server, info.name),
    description:
      info.description?.trim() || info.title || info.annotations?.title || `${info.name} (${server})`,
    // The watchdog gives a server's tools the external kind's time, whatever they do.
    kind: "external",
    effect,
    inputSchema: objectSchema(info.inputSchema),
    execute: async (args, context) =>
      resultOf(await call(server, info.name, args, context.signal, context.progress)),
  });
}

/** The parameters as the model APIs want them: an object schema (a server may leave `type` out). */
function objectSchema(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const copy = { ...(schema ?? {}) };
  delete copy.$schema;
  if (copy.type === undefined) copy.type = "object";
  if (copy.type === "object" && copy.properties === undefined) copy.properties = {};
  return copy;
}

/** The text the model reads: each content block in order (images and binary resources as a placeholder). */
export function resultOf(result: McpCallResult): ToolResult {
  const parts: string[] = [];
  for (const block of result.content ?? []) parts.push(blockText(block));
  if (parts.length === 0 && result.structuredContent !== undefined)
    parts.push(JSON.stringify(result.structuredContent));
  const content = parts.join("\n");
  return { content, isError: result.isError === true, details: { mcp: true } };
}

function blockText(block: Record<string, unknown>): string {
  switch (block.type) {
    case "text":
      return String(block.text ?? "");
    case "image":
    case "audio":
      return `[${block.type}: ${String(block.mimeType ?? "unknown type")}, ${base64Bytes(block.data)} bytes, not shown]`;
    case "resource": {
      const resource = (block.resource ?? {}) as Record<string, unknown>;
      if (typeof resource.text === "string")
        return `[resource ${String(resource.uri ?? "")}]\n${resource.text}`;
      return `[resource ${String(resource.uri ?? "")}: ${String(resource.mimeType ?? "binary")}, not shown]`;
    }
    case "resource_link":
      return `[resource link: ${String(block.uri ?? "")}${block.name ? ` (${String(block.name)})` : ""}]`;
    default:
      return JSON.stringify(block);
  }
}

function base64Bytes(data: unknown): number {
  return typeof data === "string" ? Math.floor((data.length * 3) / 4) : 0;
}
