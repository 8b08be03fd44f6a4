/**
 * Claude Code's `-p --output-format stream-json --verbose --include-partial-messages` lines, read into runtime
 * events. Its lines: `system` (subtype `init` with the session id and model; `api_retry`), `stream_event` (the
 * model's own stream: `message_start`, text and thinking deltas as they come, and `message_stop` when a response
 * is whole, before its tool calls run), `assistant` (one content block a line: text, thinking, tool_use; the
 * blocks of one response share a message id), `user` (tool_result blocks) and one `result` at the end (success or
 * an error subtype, the total usage and cost, the number of turns). Without stream events (an older CLI), the
 * text comes from the `assistant` lines and a response ends at the next line that is not one of its blocks.
 */
import type { Usage } from "../protocol/messages.ts";
import { arr, jsonLine, num, obj, type RuntimeEvent, type RuntimeParser, str } from "./runtime-events.ts";

export function createClaudeParser(): RuntimeParser {
  /** The message id of the response being read, and its usage (repeated on each of its lines). */
  let open: { id: string; usage?: Usage } | null = null;
  /** The open response streamed its text and thinking as deltas: its assistant lines repeat them. */
  let streamed = false;
  const close = (): RuntimeEvent[] => {
    if (!open) return [];
    const ended: RuntimeEvent = { kind: "response_ended", ...(open.usage ? { usage: open.usage } : {}) };
    open = null;
    streamed = false;
    return [ended];
  };
  return {
    line(text) {
      const line = jsonLine(text);
      if (!line) return [];
      const out: RuntimeEvent[] = [];
      switch (line.type) {
        case "system":
          if (line.subtype === "init" && str(line.session_id))
            out.push({
              kind: "session",
              id: str(line.session_id) as string,
              ...(str(line.model) ? { model: str(line.model) } : {}),
            });
          else if (line.subtype === "api_retry")
            out.push({
              kind: "notice",
              level: "warning",
              text: `claude: model request failed (${str(line.error) ?? "unknown"}); retry ${num(line.attempt) ?? "?"} of ${num(line.max_retries) ?? "?"}`,
            });
          return out;
        case "stream_event": {
          const event = obj(line.event);
          const delta = obj(event.delta);
          if (event.type === "message_start") {
            const message = obj(event.message);
            out.push(...close());
            open = { id: str(message.id) ?? "", usage: usageOf(obj(message.usage)) };
          } else if (event.type === "content_block_delta" && delta.type === "text_delta" && str(delta.text)) {
            streamed = true;
            out.push({ kind: "text", text: delta.text as string });
          } else if (
            event.type === "content_block_delta" &&
            delta.type === "thinking_delta" &&
            str(delta.thinking)
          ) {
            streamed = true;
            out.push({ kind: "reasoning", text: delta.thinking as string });
          } else if (event.type === "message_stop") out.push(...close());
          return out;
        }
        case "assistant": {
          const message = obj(line.message);
          // Claude Code's own words in the model's place (a login or API error): the result line says it.
          if (message.model === "<synthetic>") return out;
          const id = str(message.id) ?? "";
          if (open && open.id !== id) out.push(...close());
          open = { id, usage: usageOf(obj(message.usage)) };
          for (const block of arr(message.content).map(obj)) {
            // Already said, delta by delta.
            if (streamed && (block.type === "text" || block.type === "thinking")) continue;
            if (block.type === "text" && str(block.text))
              out.push({ kind: "text", text: block.text as string });
            else if (block.type === "thinking" && str(block.thinking))
              out.push({ kind: "reasoning", text: block.thinking as string });
            else if (block.type === "tool_use")
              out.push({
                kind: "tool_call",
                id: str(block.id) ?? "",
                name: str(block.name) ?? "tool",
                arguments: obj(block.input),
              });
          }
          return out;
        }
        case "user": {
          out.push(...close());
          for (const block of arr(obj(line.message).content).map(obj))
            if (block.type === "tool_result")
              out.push({
                kind: "tool_result",
                id: str(block.tool_use_id) ?? "",
                content: resultText(block.content),
                isError: block.is_error === true,
              });
          return out;
        }
        case "result": {
          out.push(...close());
          const ok = line.is_error !== true && line.subtype === "success";
          const error = ok ? undefined : errorOf(line);
          out.push({
            kind: "ended",
            ok,
            ...(error ? { error } : {}),
            ...(Object.keys(obj(line.usage)).length > 0 ? { usage: usageOf(obj(line.usage)) } : {}),
            ...(num(line.total_cost_usd) !== undefined ? { costUsd: num(line.total_cost_usd) } : {}),
            ...(num(line.num_turns) !== undefined ? { turns: num(line.num_turns) } : {}),
          });
          return out;
        }
        default:
          return out;
      }
    },
    end: close,
  };
}

function usageOf(usage: Record<string, unknown>): Usage {
  return {
    inputTokens: num(usage.input_tokens) ?? 0,
    outputTokens: num(usage.output_tokens) ?? 0,
    ...(num(usage.cache_read_input_tokens) ? { cacheReadTokens: num(usage.cache_read_input_tokens) } : {}),
    ...(num(usage.cache_creation_input_tokens)
      ? { cacheWriteTokens: num(usage.cache_creation_input_tokens) }
      : {}),
  };
}

/** A tool result's content: a string, or text blocks (images and the rest are named, not inlined). */
function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  return arr(content)
    .map(obj)
    .map((part) => (part.type === "text" ? (str(part.text) ?? "") : `[${str(part.type) ?? "content"}]`))
    .join("\n");
}

/** Why a run failed, in one line: its result text, its errors, or its subtype. */
function errorOf(line: Record<string, unknown>): string {
  const errors = arr(line.errors).filter((e): e is string => typeof e === "string");
  const text = str(line.result) || errors.join("; ") || str(line.subtype) || "failed";
  return text.split("\n")[0];
}
