/**
 * OpenAI Chat Completions as the gateway speaks it (what the `openai` SDK's chat.completions and most tools send):
 * a request read into our ModelRequest, the answer written back as one chat.completion or as chat.completion.chunk
 * SSE events ending in `data: [DONE]`. Reasoning goes out as `reasoning_content`, as llama.cpp and DeepSeek send
 * it. Images come in as data: URLs only (the gateway fetches nothing).
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
  argumentsObject,
  isRecord,
  joinedText,
  messageText,
  type ParsedRequest,
  type ResponseMeta,
  SSE_COMMENT_PING,
  sse,
  toolNamesById,
  type WireCodec,
  type WireStream,
} from "./wire.ts";

const FINISH_REASON: Record<StopReason, string> = {
  stop: "stop",
  tool_use: "tool_calls",
  length: "length",
  error: "stop",
  aborted: "stop",
};

export const openaiChatWire: WireCodec = {
  parse: parseChatRequest,
  body: chatBody,
  stream: chatStream,
  error: openaiError,
};

/** OpenAI's error body, shared by Chat Completions and Responses. */
export function openaiError(status: number, message: string): unknown {
  const type =
    status === 401
      ? "authentication_error"
      : status === 429
        ? "rate_limit_exceeded"
        : status < 500
          ? "invalid_request_error"
          : "server_error";
  return { error: { message, type, param: null, code: null } };
}

export function parseChatRequest(body: unknown): ParsedRequest {
  if (!isRecord(body)) return { ok: false, message: "the body must be a JSON object" };
  if (typeof body.model !== "string" || !body.model)
    return { ok: false, message: "model: a string is required" };
  if (!Array.isArray(body.messages)) return { ok: false, message: "messages: an array is required" };
  const system: string[] = [];
  const messages: Message[] = [];
  for (const [index, item] of body.messages.entries()) {
    const problem = readMessage(item, messages, system);
    if (problem) return { ok: false, message: `messages[${index}]: ${problem}` };
  }
  const tools: ToolSpec[] = [];
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    const fn = isRecord(tool) && tool.type === "function" && isRecord(tool.function) ? tool.function : null;
    if (!fn || typeof fn.name !== "string")
      return { ok: false, message: "tools: each needs a function with a name" };
    tools.push({
      name: fn.name,
      description: typeof fn.description === "string" ? fn.description : "",
      parameters: isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} },
    });
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  return {
    ok: true,
    value: {
      model: body.model,
      stream: body.stream === true,
      streamUsage: isRecord(body.stream_options) && body.stream_options.include_usage === true,
      request: {
        system: system.join("\n\n"),
        messages,
        tools: body.tool_choice === "none" ? [] : tools,
        maxOutputTokens: typeof maxTokens === "number" && maxTokens > 0 ? maxTokens : undefined,
        temperature: typeof body.temperature === "number" ? body.temperature : undefined,
      },
    },
  };
}

function readMessage(item: unknown, out: Message[], system: string[]): string | undefined {
  if (!isRecord(item)) return "a message must be an object";
  const { role, content } = item;
  if (role === "system" || role === "developer") {
    system.push(joinedText(content));
    return undefined;
  }
  if (role === "tool") {
    const id = typeof item.tool_call_id === "string" ? item.tool_call_id : "";
    out.push({
      role: "tool",
      toolCallId: id,
      toolName: toolNamesById(out).get(id) ?? "",
      content: joinedText(content),
      isError: false,
    });
    return undefined;
  }
  if (role === "assistant") {
    const parts: AssistantMessage["content"] = [];
    const text = joinedText(content);
    if (text) parts.push({ type: "text", text });
    for (const call of Array.isArray(item.tool_calls) ? item.tool_calls : []) {
      if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string") continue;
      parts.push({
        type: "tool_call",
        id: typeof call.id === "string" ? call.id : "",
        name: call.function.name,
        arguments: argumentsObject(call.function.arguments),
      });
    }
    out.push({ role: "assistant", content: parts, stopReason: "stop" });
    return undefined;
  }
  if (role !== "user")
    return `role ${JSON.stringify(role)} is not one of system, developer, user, assistant, tool`;
  if (typeof content === "string") {
    out.push({ role: "user", content });
    return undefined;
  }
  if (!Array.isArray(content)) return "content must be a string or an array of parts";
  const parts: Array<TextPart | ImagePart> = [];
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (part.type === "text" && typeof part.text === "string") parts.push({ type: "text", text: part.text });
    else if (part.type === "image_url") {
      const url = isRecord(part.image_url) ? part.image_url.url : undefined;
      const image = imageFromDataUrl(url);
      if ("problem" in image) return `image_url: ${image.problem}`;
      parts.push(image);
    }
  }
  out.push({ role: "user", content: parts });
  return undefined;
}

/** A `data:image/png;base64,...` URL as an image part. */
export function imageFromDataUrl(url: unknown): ImagePart | { problem: string } {
  const match = typeof url === "string" ? /^data:([^;,]+);base64,(.*)$/s.exec(url) : null;
  if (!match)
    return { problem: "only data: URLs with base64 images are taken (the gateway fetches no URLs)" };
  const image = imageFromBase64(match[2], match[1]);
  return image.ok ? image.image : { problem: image.problem };
}

function usageOf(message: AssistantMessage): Record<string, unknown> {
  const usage = message.usage;
  const cached = usage?.cacheReadTokens ?? 0;
  const prompt = (usage?.inputTokens ?? 0) + cached + (usage?.cacheWriteTokens ?? 0);
  const completion = usage?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  };
}

function toolCallsOf(message: AssistantMessage): Array<Record<string, unknown>> {
  return message.content.flatMap((part) =>
    part.type === "tool_call"
      ? [
          {
            id: part.id,
            type: "function",
            function: { name: part.name, arguments: JSON.stringify(part.arguments) },
          },
        ]
      : [],
  );
}

export function chatBody(message: AssistantMessage, meta: ResponseMeta): unknown {
  const calls = toolCallsOf(message);
  const reasoning = message.content.map((p) => (p.type === "reasoning" ? p.text : "")).join("");
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: messageText(message) || null,
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        },
        finish_reason: FINISH_REASON[message.stopReason],
        logprobs: null,
      },
    ],
    usage: usageOf(message),
  };
}

export function chatStream(meta: ResponseMeta, options: { usage: boolean }): WireStream {
  const chunk = (
    delta: Record<string, unknown>,
    finish: string | null = null,
    extra: Record<string, unknown> = {},
  ) =>
    sse({
      id: meta.id,
      object: "chat.completion.chunk",
      created: meta.created,
      model: meta.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...extra,
    });
  return {
    start: () => chunk({ role: "assistant", content: "" }),
    text: (delta) => chunk({ content: delta }),
    ping: () => SSE_COMMENT_PING,
    reasoning: (delta) => chunk({ reasoning_content: delta }),
    finish(message) {
      let out = "";
      toolCallsOf(message).forEach((call, index) => {
        out += chunk({ tool_calls: [{ index, ...call }] });
      });
      out += chunk({}, FINISH_REASON[message.stopReason]);
      if (options.usage)
        out += sse({
          id: meta.id,
          object: "chat.completion.chunk",
          created: meta.created,
          model: meta.model,
          choices: [],
          usage: usageOf(message),
        });
      return `${out}data: [DONE]\n\n`;
    },
    fail: (error: ProviderError) => `${sse(openaiError(error.status ?? 500, error.message))}data: [DONE]\n\n`,
  };
}
