/**
 * Codex's `exec --json` lines, read into runtime events. Its lines: `thread.started` (the thread id, which
 * `codex exec resume` takes), `turn.started`, `item.started` / `item.updated` / `item.completed` (an item is an
 * agent_message, reasoning, command_execution, file_change, mcp_tool_call, web_search, todo_list or error),
 * `turn.completed` with the turn's usage, `turn.failed` and a top-level `error`.
 */
import type { Usage } from "../protocol/messages.ts";
import { arr, jsonLine, num, obj, type RuntimeEvent, type RuntimeParser, str } from "./runtime-events.ts";

/** Item types that are tool calls, with the name we show for them. */
const TOOL_ITEMS: Record<string, string> = {
  command_execution: "command_execution",
  file_change: "file_change",
  mcp_tool_call: "mcp_tool_call",
  web_search: "web_search",
};

export function createCodexParser(): RuntimeParser {
  /** Tool items announced (started) and not yet ended. */
  const started = new Set<string>();
  let failure: string | undefined;
  let ended = false;
  return {
    line(text) {
      const line = jsonLine(text);
      if (!line) return [];
      const item = obj(line.item);
      const type = str(item.type) ?? "";
      const id = str(item.id) ?? "";
      switch (line.type) {
        case "thread.started":
          return str(line.thread_id) ? [{ kind: "session", id: line.thread_id as string }] : [];
        case "item.started":
          if (!(type in TOOL_ITEMS) || started.has(id)) return [];
          started.add(id);
          return [toolCall(item), { kind: "response_ended" }];
        case "item.completed": {
          if (type === "agent_message")
            return str(item.text) ? [{ kind: "text", text: item.text as string }] : [];
          if (type === "reasoning")
            return str(item.text) ? [{ kind: "reasoning", text: item.text as string }] : [];
          if (type === "error")
            return [{ kind: "notice", level: "warning", text: `codex: ${str(item.message) ?? "error"}` }];
          if (!(type in TOOL_ITEMS)) return [];
          // An item that ends without having started (a file change is often reported only once done).
          const out: RuntimeEvent[] = started.has(id) ? [] : [toolCall(item), { kind: "response_ended" }];
          started.delete(id);
          out.push({ kind: "tool_result", id, content: resultOf(item), isError: isFailed(item) });
          return out;
        }
        case "turn.completed":
          ended = true;
          return [
            { kind: "response_ended", usage: usageOf(obj(line.usage)) },
            { kind: "ended", ok: true, usage: usageOf(obj(line.usage)) },
          ];
        case "turn.failed":
          ended = true;
          return [
            { kind: "response_ended" },
            { kind: "ended", ok: false, error: oneLine(str(obj(line.error).message) ?? failure ?? "failed") },
          ];
        case "error":
          failure = oneLine(str(line.message) ?? "error");
          return [{ kind: "notice", level: "error", text: `codex: ${failure}` }];
        default:
          return [];
      }
    },
    end() {
      // A stream that stops after a top-level error (no turn.failed) still says why.
      if (ended || failure === undefined) return [];
      ended = true;
      return [{ kind: "ended", ok: false, error: failure }];
    },
  };
}

function toolCall(item: Record<string, unknown>): RuntimeEvent {
  const type = str(item.type) ?? "tool";
  const args: Record<string, unknown> = {};
  if (type === "command_execution") args.command = str(item.command) ?? "";
  else if (type === "file_change")
    args.changes = arr(item.changes).map((c) => ({ path: str(obj(c).path), kind: str(obj(c).kind) }));
  else if (type === "mcp_tool_call")
    Object.assign(args, { server: item.server, tool: item.tool, arguments: item.arguments });
  else if (type === "web_search") args.query = str(item.query) ?? "";
  return { kind: "tool_call", id: str(item.id) ?? "", name: TOOL_ITEMS[type] ?? type, arguments: args };
}

function resultOf(item: Record<string, unknown>): string {
  switch (item.type) {
    case "command_execution": {
      const exit = num(item.exit_code);
      const output = str(item.aggregated_output) ?? "";
      return exit === undefined
        ? output
        : `${output}${output && !output.endsWith("\n") ? "\n" : ""}exit code ${exit}`;
    }
    case "file_change":
      return arr(item.changes)
        .map((c) => `${str(obj(c).kind) ?? "update"} ${str(obj(c).path) ?? ""}`)
        .join("\n");
    case "mcp_tool_call": {
      const error = str(obj(item.error).message);
      return error ?? JSON.stringify(item.result ?? "");
    }
    default:
      return str(item.status) ?? "";
  }
}

function isFailed(item: Record<string, unknown>): boolean {
  if (item.status === "failed" || item.status === "declined") return true;
  const exit = num(item.exit_code);
  return exit !== undefined && exit !== 0;
}

function usageOf(usage: Record<string, unknown>): Usage {
  const cached = num(usage.cached_input_tokens) ?? 0;
  return {
    // Codex reports the whole input, cached part included: ours counts only what was not read from a cache.
    inputTokens: Math.max(0, (num(usage.input_tokens) ?? 0) - cached),
    outputTokens: num(usage.output_tokens) ?? 0,
    ...(cached > 0 ? { cacheReadTokens: cached } : {}),
  };
}

const oneLine = (text: string) => text.split("\n")[0];
