/**
 * What the gateway's three wire formats (Anthropic Messages, OpenAI Chat Completions, OpenAI Responses) share:
 * a request read into our ModelRequest, and a response written back from our AssistantMessage, whole or as a
 * stream. Each format is one file (anthropic-wire.ts, openai-chat-wire.ts, openai-responses-wire.ts) with the
 * vendor's shapes private to it; nothing vendor-shaped leaves those files.
 */
import type { ProviderError } from "../protocol/errors.ts";
import type { AssistantMessage, Message } from "../protocol/messages.ts";
import type { ModelRequest } from "../providers/provider.ts";

export type WireFormat = "anthropic" | "openai-chat" | "openai-responses";

/** A caller's request as hearth runs it. */
export type WireRequest = {
  /** The model name the caller asked for ("claude-sonnet-4-5"), mapped to a hearth model by settings. */
  model: string;
  request: ModelRequest;
  stream: boolean;
  /** OpenAI Chat `stream_options.include_usage`: a last chunk with the usage. */
  streamUsage?: boolean;
  /** OpenAI Responses custom (freeform) tools: offered as functions of one `input`, answered as custom calls. */
  customTools?: Set<string>;
};

export type ParsedRequest = { ok: true; value: WireRequest } | { ok: false; message: string };

/** Names the response after what the caller asked for; `id` is the gateway's own. */
export type ResponseMeta = {
  id: string;
  model: string;
  created: number;
  customTools?: Set<string>;
  /** The request's estimated input tokens, for a stream's opening usage (the backend's count comes at the end). */
  inputTokens?: number;
};

/**
 * One response as a stream in the caller's format: each method returns the text to write (SSE frames). Text and
 * reasoning arrive as they stream; tool calls, stop reason and usage come with `finish`, from the whole message.
 */
export type WireStream = {
  start(): string;
  text(delta: string): string;
  reasoning(delta: string): string;
  finish(message: AssistantMessage): string;
  /** The response failed after the stream started. */
  fail(error: ProviderError): string;
  /** Something to send while a slow model has not answered yet, so the caller's idle timers do not fire. */
  ping(): string;
};

/** An SSE comment: every SSE client skips it. */
export const SSE_COMMENT_PING = ": ping\n\n";

export type WireCodec = {
  parse(body: unknown): ParsedRequest;
  /** The whole response as one JSON body. */
  body(message: AssistantMessage, meta: ResponseMeta): unknown;
  stream(meta: ResponseMeta, options: { usage: boolean }): WireStream;
  /** An error body in the caller's format. */
  error(status: number, message: string): unknown;
};

/** One server-sent event. */
export function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON text of arguments as an object: `{}` when it is not one (the caller's history, not a new call). */
export function argumentsObject(text: unknown): Record<string, unknown> {
  if (isRecord(text)) return text;
  if (typeof text !== "string") return {};
  try {
    const value = JSON.parse(text) as unknown;
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}

/** The tool names of the calls in a history, by call id: tool results name their tool in our messages. */
export function toolNamesById(messages: Message[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages)
    if (message.role === "assistant")
      for (const part of message.content) if (part.type === "tool_call") names.set(part.id, part.name);
  return names;
}

/** Text parts' text, joined: the text of a message or a tool result given as blocks. */
export function joinedText(parts: unknown): string {
  if (typeof parts === "string") return parts;
  if (!Array.isArray(parts)) return "";
  return parts
    .map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : ""))
    .filter(Boolean)
    .join("\n");
}

/** The text of a finished message (what is not a tool call or reasoning). */
export function messageText(message: AssistantMessage): string {
  return message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
}

/** `{"a":1}` for a value that must be a non-empty string, a clear line for the caller otherwise. */
export function requireString(value: unknown, name: string): string | { problem: string } {
  return typeof value === "string" && value.length > 0
    ? value
    : { problem: `"${name}" must be a non-empty string` };
}
