/**
 * The Ollama adapter (native `POST {baseUrl}/api/chat`, NDJSON). Native rather than Ollama's OpenAI endpoint so
 * that every request carries `options.num_ctx`: without it Ollama silently truncates the prompt to its small
 * default window. Vendor types stay in this file.
 */

import { readText } from "../egress/http-client.ts";
import { newCallId } from "../protocol/ids.ts";
import type { Message, Usage } from "../protocol/messages.ts";
import { jsonHeaders, parseObject, postModelRequest } from "./model-request.ts";
import type { ModelRequest, ProviderEvent, ResolvedModel, StreamFunction } from "./provider.ts";
import { errorInBody, malformed } from "./provider-errors.ts";
import { ndjsonLines } from "./stream-framing.ts";

type OllamaToolCall = { id?: string; function?: { name?: string; arguments?: unknown } };

type OllamaMessage =
  | { role: "system"; content: string }
  /** `images`: base64, no data: prefix. */
  | { role: "user"; content: string; images?: string[] }
  | {
      role: "assistant";
      content: string;
      tool_calls?: Array<{ function: { name: string; arguments: unknown } }>;
    }
  | { role: "tool"; content: string; tool_name: string };

type OllamaChunk = {
  message?: { content?: string; thinking?: string; tool_calls?: OllamaToolCall[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  /** Nanoseconds. */
  prompt_eval_duration?: number;
  eval_duration?: number;
  error?: unknown;
};

/** How long Ollama keeps the model loaded after a request (its default of 5m reloads it between long turns). */
const DEFAULT_KEEP_ALIVE = "30m";

/** May throw and may stop early: the registry's contract wrapper (stream-contract.ts) turns both into events. */
export const streamOllama: StreamFunction = async function* (model, request, options) {
  const streaming = model.stream !== false;
  const url = `${model.baseUrl}/api/chat`;
  const body = requestBody(model, request, streaming);
  // Local Ollama needs no key; a remote one (ollama.com, a proxy) takes a bearer token.
  const opened = await postModelRequest(model, { url, headers: jsonHeaders(model), body }, options);
  if (!opened.ok) {
    yield { type: "error", error: opened.error };
    return;
  }
  const reader = new ReplyReader(model);
  const lines = streaming ? ndjsonLines(opened.response.body) : whole(opened.response.body);
  for await (const line of lines) {
    const events = reader.read(line);
    yield* events;
    if (reader.finished) return;
  }
  // Ended without the final line: the contract wrapper reports the stream cut short.
};

async function* whole(body: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const text = await readText(body);
  if (text.trim()) yield text;
}

function requestBody(
  model: ResolvedModel,
  request: ModelRequest,
  streaming: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model: model.id, messages: toOllamaMessages(request) };
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
  }
  body.stream = streaming;
  const options: Record<string, number> = {};
  if (model.numCtx !== undefined) options.num_ctx = model.numCtx;
  if (request.temperature !== undefined) options.temperature = request.temperature;
  const maxTokens = request.maxOutputTokens ?? model.maxOutputTokens;
  if (maxTokens !== undefined) options.num_predict = maxTokens;
  if (Object.keys(options).length > 0) body.options = options;
  body.keep_alive = model.keepAlive ?? DEFAULT_KEEP_ALIVE;
  return body;
}

function toOllamaMessages(request: ModelRequest): OllamaMessage[] {
  const out: OllamaMessage[] = [];
  if (request.system) out.push({ role: "system", content: request.system });
  for (const message of request.messages) out.push(toOllamaMessage(message));
  return out;
}

function toOllamaMessage(message: Message): OllamaMessage {
  if (message.role === "user") {
    const { content } = message;
    if (typeof content === "string") return { role: "user", content };
    // Ollama takes a message's images beside its text, not between the lines of it.
    const text = content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
    const images = content.flatMap((part) => (part.type === "image" ? [part.data] : []));
    return images.length > 0 ? { role: "user", content: text, images } : { role: "user", content: text };
  }
  if (message.role === "tool") return { role: "tool", content: message.content, tool_name: message.toolName };
  let text = "";
  const calls: Array<{ function: { name: string; arguments: unknown } }> = [];
  for (const part of message.content) {
    if (part.type === "text") text += part.text;
    else if (part.type === "tool_call")
      calls.push({ function: { name: part.name, arguments: part.arguments } });
    // Reasoning is not sent back: Ollama's chat templates drop earlier thinking anyway.
  }
  return calls.length > 0
    ? { role: "assistant", content: text, tool_calls: calls }
    : { role: "assistant", content: text };
}

/** Turns reply objects (NDJSON lines, or the one non-streamed body) into events. */
class ReplyReader {
  finished = false;
  private toolCalls = 0;
  private readonly model: ResolvedModel;

  constructor(model: ResolvedModel) {
    this.model = model;
  }

  *read(line: string): Iterable<ProviderEvent> {
    const chunk = parseObject(line) as OllamaChunk | undefined;
    if (!chunk) {
      this.finished = true;
      yield { type: "error", error: malformed(this.model, `not JSON: ${line}`) };
      return;
    }
    if (chunk.error !== undefined && chunk.error !== null) {
      this.finished = true;
      // Ollama's error is a string; anything else is shown whole rather than mined for a message or code.
      const raw = typeof chunk.error === "string" ? chunk.error : JSON.stringify(chunk.error);
      yield { type: "error", error: errorInBody(this.model, raw) };
      return;
    }
    const message = chunk.message;
    if (typeof message?.thinking === "string" && message.thinking) {
      yield { type: "reasoning_delta", text: message.thinking };
    }
    if (typeof message?.content === "string" && message.content)
      yield { type: "text_delta", text: message.content };
    for (const call of message?.tool_calls ?? []) {
      this.toolCalls++;
      const args = call.function?.arguments;
      yield {
        type: "tool_call",
        // Older Ollama versions send no id; ids must be unique across the conversation.
        id: typeof call.id === "string" && call.id ? call.id : newCallId(),
        name: call.function?.name ?? "",
        argumentsJson: typeof args === "string" ? args : JSON.stringify(args ?? {}),
      };
    }
    if (chunk.done !== true) return;
    this.finished = true;
    if (typeof chunk.prompt_eval_count === "number" || typeof chunk.eval_count === "number") {
      const usage: Usage = { inputTokens: chunk.prompt_eval_count ?? 0, outputTokens: chunk.eval_count ?? 0 };
      if (typeof chunk.prompt_eval_duration === "number") usage.promptMs = chunk.prompt_eval_duration / 1e6;
      if (typeof chunk.eval_duration === "number") usage.generationMs = chunk.eval_duration / 1e6;
      yield { type: "usage", usage };
    }
    const stopReason = this.toolCalls > 0 ? "tool_use" : chunk.done_reason === "length" ? "length" : "stop";
    yield { type: "done", stopReason };
  }
}
