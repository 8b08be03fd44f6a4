/**
 * Repairing one tool call against the tool specs the model was given: parse its arguments (tool-arguments.ts), then
 * fix a tool name or argument names that differ from the real ones only in case or in `-`/`_` separators
 * (`Read` -> `read`, `filePath` -> `file_path`, `Replace-All` -> `replace_all`). Only unambiguous matches are
 * renamed; anything else is left for the tool runtime to reject with its own message.
 */
import type { ToolSpec } from "../protocol/messages.ts";
import { parseToolArguments } from "./tool-arguments.ts";

export type RepairedCall = {
  name: string;
  arguments: Record<string, unknown>;
  /** What was fixed, for events and logs; empty when the call was exact. */
  repairs: string[];
  /** One line for the model when the arguments could not be read; the call must not run. */
  error?: string;
};

/** Parses and repairs a call whose arguments arrive as text (native tool calls). */
export function repairToolCall(name: string, argumentsText: string, specs: ToolSpec[]): RepairedCall {
  const parsed = parseToolArguments(argumentsText);
  const tool = repairToolName(name, specs);
  if (!parsed.ok) {
    return {
      name: tool.name,
      arguments: {},
      repairs: tool.repairs,
      error: argumentError(tool.name, parsed.error),
    };
  }
  const args = repairArgumentNames(
    parsed.value,
    specs.find((spec) => spec.name === tool.name),
  );
  return {
    name: tool.name,
    arguments: args.value,
    repairs: [...parsed.repairs, ...tool.repairs, ...args.repairs],
  };
}

/** The line the model sees when a call's arguments cannot be read. */
export function argumentError(name: string, error: string): string {
  return `${name || "tool call"}: ${error}; send one JSON object`;
}

export function repairToolName(name: string, specs: ToolSpec[]): { name: string; repairs: string[] } {
  if (specs.some((spec) => spec.name === name)) return { name, repairs: [] };
  const matches = specs.filter((spec) => loose(spec.name) === loose(name));
  if (matches.length !== 1) return { name, repairs: [] };
  return {
    name: matches[0].name,
    repairs: [`tool name ${JSON.stringify(name)} -> ${JSON.stringify(matches[0].name)}`],
  };
}

/**
 * Renames arguments that are not properties of the tool's schema but match exactly one property loosely, when that
 * property is not given already. Without a spec or a `properties` object, the arguments are returned as they are.
 */
export function repairArgumentNames(
  args: Record<string, unknown>,
  spec: ToolSpec | undefined,
): { value: Record<string, unknown>; repairs: string[] } {
  const properties = spec?.parameters.properties;
  if (!properties || typeof properties !== "object") return { value: args, repairs: [] };
  const names = Object.keys(properties);
  const known = new Set(names);
  const renames = new Map<string, string>();
  const claimed = new Set(Object.keys(args).filter((key) => known.has(key)));
  for (const key of Object.keys(args)) {
    if (known.has(key)) continue;
    const matches = names.filter((property) => loose(property) === loose(key));
    if (matches.length !== 1 || claimed.has(matches[0])) continue;
    claimed.add(matches[0]);
    renames.set(key, matches[0]);
  }
  if (renames.size === 0) return { value: args, repairs: [] };
  const value: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(args)) {
    Object.defineProperty(value, renames.get(key) ?? key, {
      value: item,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const repairs = [...renames].map(
    ([from, to]) => `argument ${JSON.stringify(from)} -> ${JSON.stringify(to)}`,
  );
  return { value, repairs };
}

/** A name without case or separators: `File_Path`, `file-path` and `filePath` all become `filepath`. */
function loose(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, "");
}
