/**
 * A tool as the model sees it: name, description and a JSON Schema of its parameters, generated from the zod
 * schema. The lean profile swaps in the tool's short wording (Tool.lean) and leaves out what a small model does
 * not need; arguments are still validated against the full schema by the runtime.
 */
import * as z from "zod/mini";
import type { ToolSpec } from "../protocol/messages.ts";
import type { AnyTool } from "./tool.ts";

/** "lean": short wording for small local models; "default": the full descriptions. */
export type SpecProfile = "lean" | "default";

/** Keywords the lean profile keeps in a parameter's schema; bounds and formats are left to the runtime's errors. */
const LEAN_KEEP = new Set(["type", "enum", "items"]);

export function toolSpec(tool: AnyTool, profile: SpecProfile = "default"): ToolSpec {
  // A tool that brought its own JSON Schema is shown with it, as it is (a copy: the lean profile changes nothing).
  if (tool.jsonSchema)
    return { name: tool.name, description: tool.description, parameters: structuredClone(tool.jsonSchema) };
  const schema = z.toJSONSchema(tool.schema, { io: "input" }) as Record<string, unknown>;
  delete schema.$schema;
  if (profile === "lean") return leanSpec(tool, schema);
  return { name: tool.name, description: tool.description, parameters: dropSafeIntegerBounds(schema) };
}

export function toolSpecs(tools: readonly AnyTool[], profile: SpecProfile = "default"): ToolSpec[] {
  return tools.map((tool) => toolSpec(tool, profile));
}

/** zod writes ±MAX_SAFE_INTEGER bounds for every int; they tell a model nothing and cost tokens. */
export function dropSafeIntegerBounds(schema: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(schema)) {
    if (key === "maximum" && value === Number.MAX_SAFE_INTEGER) delete schema[key];
    else if (key === "minimum" && value === Number.MIN_SAFE_INTEGER) delete schema[key];
    else if (value && typeof value === "object") dropSafeIntegerBounds(value as Record<string, unknown>);
  }
  return schema;
}

/** The lean spec: short description, each parameter reduced to its type (and enum), a note only where given. */
function leanSpec(tool: AnyTool, schema: Record<string, unknown>): ToolSpec {
  const notes = tool.lean?.parameters ?? {};
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const lean: Record<string, Record<string, unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(property)) {
      if (LEAN_KEEP.has(key)) kept[key] = value;
    }
    const note = notes[name];
    lean[name] = note ? { ...kept, description: note } : kept;
  }
  const parameters: Record<string, unknown> = { type: "object", properties: lean };
  if (Array.isArray(schema.required) && schema.required.length > 0) parameters.required = schema.required;
  return { name: tool.name, description: tool.lean?.description ?? tool.description, parameters };
}
