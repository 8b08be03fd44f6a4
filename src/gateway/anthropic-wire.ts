/**
 * Anthropic Messages as the gateway speaks it (what Claude Code and @anthropic-ai/sdk send): a request read into
 * our ModelRequest, the answer written back as one message body or as the SSE events message_start,
 * content_block_start/delta/stop, message_delta, message_stop. Images come in as base64 blocks; `thinking`
 * blocks go out only when the request asked for thinking. Server tools (web search and the like) are not ours to
 * run: they are left out of the tools the model sees.
 */

import type { ProviderError } from "../protocol/errors.ts";
import { imageFromBase64 } from "../protocol/images.ts";
import type {
  AssistantMessage,
  ImagePart,
  Message,
  StopReason,
  TextPart,
  ToolSpec,
} from "../protocol/messages.ts";
import {
  isRecord,
  joinedText,
  type ParsedRequest,
  type ResponseMeta,
  sse,
  toolNamesById,
  type WireCodec,
  type WireStream,
} from "./wire.ts";

const STOP_REASON: Record<StopReason, string> = {
  stop: "end_turn",
  tool_use: "tool_use",
  length: "max_tokens",
  error: "end_turn",
  aborted: "end_turn",
};

/** Anthropic's error types by HTTP status. */
const ERROR_TYPE: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

export const anthropicWire: WireCodec = {
  parse: parseAnthropicRequest,
  body: anthropicBody,
  stream: (meta) => anthropicStream(meta),
  error: anthropicError,
};

export function anthropicError(status: number, message: string): unknown {
  return { type: "error", error: { type: ERROR_TYPE[status] ?? "api_error", message } };
}

/** Parse a request body; the problem is one line for the caller. Also used by count_tokens (no max_tokens). */
export function parseAnthropicRequest(body: unknown, options: { countOnly?: boolean } = {}): ParsedRequest {
  if (!isRecord(body)) return { ok: false, message: "the body must be a JSON object" };
  if (typeof body.model !== "string" || !body.model)
    return { ok: false, message: "model: a string is required" };
  if (!Array.isArray(body.messages)) return { ok: false, message: "messages: an array is required" };
  if (!options.countOnly && !(Number.isInteger(body.max_tokens) && (body.max_tokens as number) > 0))
    return { ok: false, message: "max_tokens: a positive integer is required" };
  const messages: Message[] = [];
  const system = [joinedText(body.system)];
  for (const [index, item] of body.messages.entries()) {
    // Claude Code puts some context in messages with the role "system": it joins the system prompt.
    if (isRecord(item) && item.role === "system") {
      system.push(joinedText(item.content));
      continue;
    }
    const problem = readMessage(item, messages);
    if (problem) return { ok: false, message: `messages.${index}: ${problem}` };
  }
  const tools: ToolSpec[] = [];
  if (body.tools !== undefined && !Array.isArray(body.tools))
    return { ok: false, message: "tools: an array is expected" };
  for (const tool of (body.tools as unknown[] | undefined) ?? []) {
    if (!isRecord(tool) || typeof tool.name !== "string")
      return { ok: false, message: "tools: each tool needs a name" };
    // Server tools (web_search_20250305, ...) have a type and no input_schema: the backend cannot run them.
    if (!isRecord(tool.input_schema)) continue;
    tools.push({
      name: tool.name,
      description: typeof tool.description === "string" ? tool.description : "",
      parameters: tool.input_schema,
    });
  }
  const choice = isRecord(body.tool_choice) ? body.tool_choice.type : undefined;
  return {
    ok: true,
    value: {
      model: body.model,
      stream: body.stream === true,
      request: {
        system: system.filter(Boolean).join("\n\n"),
        messages,
        tools: choice === "none" ? [] : tools,
        maxOutputTokens: typeof body.max_tokens === "number" ? body.max_tokens : undefined,
        temperature: typeof body.temperature === "number" ? body.temperature : undefined,
      },
    },
  };
}

/** Appends one wire message to `out` (a user message with tool results becomes tool messages, then the rest). */
function readMessage(item: unknown, out: Message[]): string | undefined {
  if (!isRecord(item)) return "a message must be an object";
  const { role, content } = item;
  if (role !== "user" && role !== "assistant") return 'role must be "user", "assistant" or "system"';
  if (typeof content === "string") {
    out.push(role === "user" ? { role, content } : assistant([{ type: "text", text: content }]));
    return undefined;
  }
  if (!Array.isArray(content)) return "content must be a string or an array of blocks";
  if (role === "assistant") {
    const parts: AssistantMessage["content"] = [];
    for (const block of content) {
      if (!isRecord(block)) continue;
      if (block.type === "text" && typeof block.text === "string")
        parts.push({ type: "text", text: block.text });
      else if (block.type === "tool_use" && typeof block.id === "string" && typeof block.name === "string")
        parts.push({
          type: "tool_call",
          id: block.id,
          name: block.name,
          arguments: isRecord(block.input) ? block.input : {},
        });
      else if (block.type === "thinking" && typeof block.thinking === "string")
        parts.push({
          type: "reasoning",
          text: block.thinking,
          ...(typeof block.signature === "string" && block.signature ? { signature: block.signature } : {}),
        });
    }
    out.push(assistant(parts));
    return undefined;
  }
  const names = toolNamesById(out);
  const parts: Array<TextPart | ImagePart> = [];
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (block.type === "tool_result") {
      const id = typeof block.tool_use_id === "string" ? block.tool_use_id : "";
      out.push({
        role: "tool",
        toolCallId: id,
        toolName: names.get(id) ?? "",
        content: joinedText(block.content),
        isError: block.is_error === true,
      });
    } else if (block.type === "text" && typeof block.text === "string") {
      parts.push({ type: "text", text: block.text });
    } else if (block.type === "image" && isRecord(block.source)) {
      const { source } = block;
      if (source.type !== "base64" || typeof source.data !== "string")
        return "only base64 image sources are taken (the gateway fetches no URLs)";
      const image = imageFromBase64(source.data, String(source.media_type));
      if (!image.ok) return `image: ${image.problem}`;
      parts.push(image.image);
    }
  }
  if (parts.length > 0)
    out.push({
      role: "user",
      content: parts.every((p) => p.type === "text")
        ? parts.map((p) => (p as TextPart).text).join("\n")
        : parts,
    });
  return undefined;
}

function assistant(content: AssistantMessage["content"]): AssistantMessage {
  return { role: "assistant", content, stopReason: "stop" };
}

function usageOf(message: AssistantMessage): Record<string, number> {
  const usage = message.usage;
  return {
    input_tokens: usage?.inputTokens ?? 0,
    output_tokens: usage?.outputTokens ?? 0,
    cache_creation_input_tokens: usage?.cacheWriteTokens ?? 0,
    cache_read_input_tokens: usage?.cacheReadTokens ?? 0,
  };
}

type Block = Record<string, unknown>;

function blocksOf(message: AssistantMessage): Block[] {
  const blocks: Block[] = [];
  for (const part of message.content) {
    if (part.type === "text" && part.text) blocks.push({ type: "text", text: part.text });
    else if (part.type === "tool_call")
      blocks.push({ type: "tool_use", id: part.id, name: part.name, input: part.arguments });
  }
  return blocks;
}

export function anthropicBody(message: AssistantMessage, meta: ResponseMeta): unknown {
  return {
    id: meta.id,
    type: "message",
    role: "assistant",
    model: meta.model,
    content: blocksOf(message),
    stop_reason: STOP_REASON[message.stopReason],
    stop_sequence: null,
    usage: usageOf(message),
  };
}

/**
 * The SSE stream. Text opens a text block that stays open while text streams; tool calls come at the end, each a
 * tool_use block whose input arrives as one input_json_delta.
 */
export function anthropicStream(meta: ResponseMeta): WireStream {
  let index = -1;
  let open: "text" | null = null;
  const close = () => {
    if (open === null) return "";
    open = null;
    return sse({ type: "content_block_stop", index }, "content_block_stop");
  };
  const startBlock = (block: Block) => {
    index += 1;
    return sse({ type: "content_block_start", index, content_block: block }, "content_block_start");
  };
  return {
    start: () =>
      sse(
        {
          type: "message_start",
          message: {
            id: meta.id,
            type: "message",
            role: "assistant",
            model: meta.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: meta.inputTokens ?? 0, output_tokens: 0 },
          },
        },
        "message_start",
      ),
    text(delta) {
      let out = "";
      if (open !== "text") {
        out += close() + startBlock({ type: "text", text: "" });
        open = "text";
      }
      return (
        out +
        sse(
          { type: "content_block_delta", index, delta: { type: "text_delta", text: delta } },
          "content_block_delta",
        )
      );
    },
    // Reasoning has no signature a real Anthropic model would accept back: it is not sent.
    reasoning: () => "",
    finish(message) {
      let out = close();
      for (const part of message.content) {
        if (part.type !== "tool_call") continue;
        out += startBlock({ type: "tool_use", id: part.id, name: part.name, input: {} });
        out += sse(
          {
            type: "content_block_delta",
            index,
            delta: { type: "input_json_delta", partial_json: JSON.stringify(part.arguments) },
          },
          "content_block_delta",
        );
        out += sse({ type: "content_block_stop", index }, "content_block_stop");
      }
      out += sse(
        {
          type: "message_delta",
          delta: { stop_reason: STOP_REASON[message.stopReason], stop_sequence: null },
          usage: usageOf(message),
        },
        "message_delta",
      );
      return out + sse({ type: "message_stop" }, "message_stop");
    },
    ping: () => sse({ type: "ping" }, "ping"),
    fail: (error: ProviderError) =>
      close() + sse(anthropicError(error.status ?? 500, error.message), "error"),
  };
}
