/**
 * Reading tool calls out of a text response (the text tool protocol, see text-tool-protocol.ts). Accepted, in order
 * of preference: `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks (the closing tag may be missing
 * at the end); failing those, ```json fences holding such an object; failing those, a response that is nothing but
 * such an object. Fences and bare objects count only when they name a known tool, so JSON shown in an answer stays
 * text. Calls are repaired like native ones (tool-call-repair.ts); the protocol text is removed from what is shown.
 */
import type { ToolSpec } from "../protocol/messages.ts";
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from "./text-tool-protocol.ts";
import { ARGUMENT_REPAIR, type ParsedArguments, parseToolArguments } from "./tool-arguments.ts";
import { argumentError, type RepairedCall, repairArgumentNames, repairToolName } from "./tool-call-repair.ts";

export type ExtractedCalls = { visible: string; calls: RepairedCall[] };

const TAGGED = /<tool_call>([\s\S]*?)(?=<\/tool_call>|<tool_call>|$)(?:<\/tool_call>)?/g;
const FENCED = /```[\w-]*[^\S\n]*\n([\s\S]*?)```/g;
const CALL_KEYS = new Set(["name", "arguments", "parameters"]);

export function extractTextToolCalls(text: string, specs: ToolSpec[]): ExtractedCalls {
  if (text.includes(TOOL_CALL_OPEN)) {
    const calls: RepairedCall[] = [];
    const visible = text.replace(TAGGED, (_block, body: string) => {
      calls.push(...callsFromBlock(body, specs));
      return "";
    });
    return { visible: tidy(visible), calls };
  }
  const fenced: RepairedCall[] = [];
  const visible = text.replace(FENCED, (block, body: string) => {
    const calls = knownToolCalls(body, specs, "fenced tool call");
    if (!calls) return block;
    fenced.push(...calls);
    return "";
  });
  if (fenced.length > 0) return { visible: tidy(visible), calls: fenced };
  const bare = knownToolCalls(text, specs, "tool call without tags");
  return bare ? { visible: "", calls: bare } : { visible: text, calls: [] };
}

/** A `<tool_call>` body: one call object, or an array of them. Unreadable bodies become calls with an error. */
function callsFromBlock(body: string, specs: ToolSpec[]): RepairedCall[] {
  const parsed = parseCalls(body);
  if (!parsed.ok) {
    const name = /["']?name["']?\s*:\s*["']([^"']+)/.exec(body)?.[1] ?? "";
    const error = parsed.error
      .replace(/^arguments are/, `the ${TOOL_CALL_OPEN} block is`)
      .replace(/^arguments/, `the ${TOOL_CALL_OPEN} block`)
      .replace(/at char \d+ /, "");
    return [
      {
        name: repairToolName(name, specs).name,
        arguments: {},
        repairs: [],
        error: argumentError(name, error),
      },
    ];
  }
  return parsed.items.map((item) => callFromObject(item, specs, parsed.repairs));
}

/** One call object or an array of them, parsed with the argument repairs. */
function parseCalls(
  text: string,
): { ok: true; items: unknown[]; repairs: string[] } | { ok: false; error: string } {
  const isArray = text.trim().startsWith("[");
  const parsed: ParsedArguments = parseToolArguments(isArray ? `{"calls": ${text}}` : text);
  if (!parsed.ok) return parsed;
  const items = isArray && Array.isArray(parsed.value.calls) ? parsed.value.calls : [parsed.value];
  return { ok: true, items, repairs: parsed.repairs };
}

/** The calls in `text` when it is exactly a call object (or an array of them) naming known tools; else null. */
function knownToolCalls(text: string, specs: ToolSpec[], repair: string): RepairedCall[] | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return null;
  const parsed = parseCalls(trimmed);
  if (!parsed.ok || parsed.repairs.includes(ARGUMENT_REPAIR.textAfter)) return null;
  const items = parsed.items;
  const looksLikeCall = (item: unknown) =>
    isObject(item) &&
    typeof item.name === "string" &&
    Object.keys(item).every((key) => CALL_KEYS.has(key)) &&
    specs.some((spec) => spec.name === repairToolName(item.name as string, specs).name);
  if (items.length === 0 || !items.every(looksLikeCall)) return null;
  return items.map((item) => callFromObject(item, specs, [repair, ...parsed.repairs]));
}

function callFromObject(item: unknown, specs: ToolSpec[], repairs: string[]): RepairedCall {
  const fail = (name: string, error: string): RepairedCall => ({
    name,
    arguments: {},
    repairs,
    error: argumentError(name, error),
  });
  if (!isObject(item) || typeof item.name !== "string" || item.name === "") {
    return fail("", `a ${TOOL_CALL_OPEN} block needs {"name": ..., "arguments": {...}}`);
  }
  const tool = repairToolName(item.name, specs);
  let raw = item.arguments;
  const notes = [...repairs, ...tool.repairs];
  if (raw === undefined && item.parameters !== undefined) {
    raw = item.parameters;
    notes.push('"parameters" for "arguments"');
  }
  let args: Record<string, unknown> = {};
  if (typeof raw === "string") {
    const parsed = parseToolArguments(raw);
    if (!parsed.ok) return fail(tool.name, parsed.error);
    args = parsed.value;
    notes.push(ARGUMENT_REPAIR.doubleEncoded, ...parsed.repairs);
  } else if (isObject(raw)) args = raw;
  else if (raw !== undefined && raw !== null) return fail(tool.name, "arguments must be a JSON object");
  const named = repairArgumentNames(
    args,
    specs.find((spec) => spec.name === tool.name),
  );
  return { name: tool.name, arguments: named.value, repairs: [...new Set([...notes, ...named.repairs])] };
}

/**
 * Hides `<tool_call>` blocks from streamed text. `push` returns what may be shown now; text that could be the start
 * of a tag is held back until the next piece decides it. `flush` returns what is left at the end.
 */
export function createToolCallTextFilter(): { push(text: string): string; flush(): string } {
  let buffer = "";
  let inside = false;
  return {
    push(text) {
      buffer += text;
      let shown = "";
      while (true) {
        const tag = inside ? TOOL_CALL_CLOSE : TOOL_CALL_OPEN;
        const at = buffer.indexOf(tag);
        if (at !== -1) {
          if (!inside) shown += buffer.slice(0, at);
          buffer = buffer.slice(at + tag.length);
          inside = !inside;
          continue;
        }
        const keep = partialTagLength(buffer, tag);
        if (!inside) shown += buffer.slice(0, buffer.length - keep);
        buffer = buffer.slice(buffer.length - keep);
        return shown;
      }
    },
    flush() {
      const rest = inside ? "" : buffer;
      buffer = "";
      return rest;
    },
  };
}

/** How many characters at the end of `text` are a proper prefix of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (tag.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}

function tidy(text: string): string {
  return text.replace(/\n{3,}/g, "\n\n").trim();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
