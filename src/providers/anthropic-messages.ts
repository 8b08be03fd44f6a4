/**
 * The `anthropic-messages` wire protocol: POST {baseUrl}/v1/messages, streamed as SSE (default) or answered with
 * one JSON message body. Uses prompt caching: breakpoints on the system prompt, the last tool and the last user
 * message, so each turn reads the previous turn's prefix from the cache.
 *
 * Usage: `inputTokens` is Anthropic's `input_tokens`, which excludes cached tokens; those are reported in
 * `cacheReadTokens` / `cacheWriteTokens` when the server sends them.
 */
import { readText } from "../egress/http-client.ts";
import type { ProviderError, ProviderErrorKind } from "../protocol/errors.ts";
import type { Message, Usage } from "../protocol/messages.ts";
import { isRecord, jsonHeaders, parseObject, postModelRequest } from "./model-request.ts";
import type { ModelRequest, ProviderEvent, ResolvedModel, StreamFunction } from "./provider.ts";
import { isContextOverflow, malformed, oneLine, serverName } from "./provider-errors.ts";
import { sseEvents } from "./stream-framing.ts";

const API_VERSION = "2023-06-01";
const DEFAULT_MAX_TOKENS = 8192;

// --- Vendor wire types (never exported) ---

type CacheControl = { type: "ephemeral" };
type WireBlock = (
  | { type: "text"; text: string }
  | { type: "image"; source: { type: "base64"; media_type: string; data: string } }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
  | { type: "tool_result"; tool_use_id: string; content: string; is_error: boolean }
) & { cache_control?: CacheControl };
type WireMessage = { role: "user" | "assistant"; content: WireBlock[] };
type WireUsage = Partial<
  Record<
    "input_tokens" | "output_tokens" | "cache_read_input_tokens" | "cache_creation_input_tokens",
    number | null
  >
>;
type WireError = { type?: string; message?: string };
/** A received content block (whole in a body, empty in `content_block_start`) or a `content_block_delta` delta. */
type WirePart = Partial<
  Record<"type" | "id" | "name" | "text" | "thinking" | "signature" | "partial_json", string>
> & {
  input?: unknown;
  stop_reason?: string | null;
};
/** Any SSE event's data, or a whole non-streamed body; fields are checked where they are used. */
type WireEvent = {
  type?: string;
  index?: number;
  message?: { usage?: WireUsage };
  content_block?: WirePart;
  delta?: WirePart;
  content?: WirePart[];
  stop_reason?: string | null;
  usage?: WireUsage;
  error?: WireError;
};

type FinalStop = Extract<ProviderEvent, { type: "done" }>["stopReason"];

const STOP_REASONS: Record<string, FinalStop> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  refusal: "stop",
  tool_use: "tool_use",
  max_tokens: "length",
  model_context_window_exceeded: "length",
};

/** Error types Anthropic sends in an SSE `error` event or an error body, mapped to hearth error kinds. */
const ERROR_KINDS: Record<string, { kind: ProviderErrorKind; retryable: boolean }> = {
  overloaded_error: { kind: "overloaded", retryable: true },
  api_error: { kind: "server", retryable: true },
  rate_limit_error: { kind: "rate_limit", retryable: true },
  authentication_error: { kind: "auth", retryable: false },
  permission_error: { kind: "auth", retryable: false },
  not_found_error: { kind: "not_found", retryable: false },
  invalid_request_error: { kind: "bad_request", retryable: false },
  request_too_large: { kind: "context_length", retryable: false },
};

/** May throw and may stop early: the registry's contract wrapper (stream-contract.ts) turns both into events. */
export const streamAnthropicMessages: StreamFunction = async function* (model, request, options) {
  const stream = model.stream !== false;
  const url = `${model.baseUrl}/v1/messages`;
  const headers = jsonHeaders(model, { keyHeader: "x-api-key", fixed: { "anthropic-version": API_VERSION } });
  const opened = await postModelRequest(
    model,
    { url, headers, body: requestBody(model, request, stream) },
    options,
  );
  if (!opened.ok) {
    yield { type: "error", error: opened.error };
    return;
  }
  const { response } = opened;
  // A proxy may answer a streamed request with a plain JSON body; read it as one.
  if (!stream || (response.headers["content-type"] ?? "").includes("application/json")) {
    yield* fromMessageBody(model, await readText(response.body));
    return;
  }
  const state: StreamState = { blocks: new Map(), usage: {}, stopReason: null };
  for await (const frame of sseEvents(response.body)) {
    const data = parseObject(frame.data) as WireEvent | undefined;
    if (!data) {
      const what = frame.event ? `"${frame.event}" event` : "event";
      yield { type: "error", error: malformed(model, `${what} data is not JSON: ${frame.data}`) };
      return;
    }
    yield* onStreamEvent(model, state, data);
  }
};

// --- Request ---

function requestBody(model: ResolvedModel, request: ModelRequest, stream: boolean): Record<string, unknown> {
  const ephemeral: CacheControl = { type: "ephemeral" };
  const body: Record<string, unknown> = {
    model: model.id,
    max_tokens: request.maxOutputTokens ?? model.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
  };
  if (request.system.trim()) body.system = [{ type: "text", text: request.system, cache_control: ephemeral }];
  const messages = toWireMessages(request.messages);
  // User messages hold only text, image and tool_result blocks, each of which can carry a cache breakpoint.
  const lastBlock = messages.at(-1)?.role === "user" ? messages.at(-1)?.content.at(-1) : undefined;
  if (lastBlock) lastBlock.cache_control = ephemeral;
  body.messages = messages;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool, i) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.parameters,
      ...(i === request.tools.length - 1 ? { cache_control: ephemeral } : {}),
    }));
  }
  body.stream = stream;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

/**
 * hearth messages to Anthropic messages. Tool results become `tool_result` blocks in a user message; messages
 * that land on the same role in a row are merged, so consecutive tool results form one user message.
 */
function toWireMessages(messages: Message[]): WireMessage[] {
  const out: WireMessage[] = [];
  for (const message of messages) {
    const role = message.role === "assistant" ? "assistant" : "user";
    const content = toWireBlocks(message);
    if (content.length === 0) continue; // Anthropic rejects empty messages
    const previous = out.at(-1);
    if (previous?.role === role) previous.content.push(...content);
    else out.push({ role, content });
  }
  return out;
}

function toWireBlocks(message: Message): WireBlock[] {
  if (message.role === "user") {
    const parts =
      typeof message.content === "string"
        ? [{ type: "text" as const, text: message.content }]
        : message.content;
    const blocks: WireBlock[] = [];
    for (const part of parts) {
      if (part.type === "image")
        blocks.push({
          type: "image",
          source: { type: "base64", media_type: part.mediaType, data: part.data },
        });
      else if (part.text.trim()) blocks.push({ type: "text", text: part.text });
    }
    return blocks;
  }
  if (message.role === "tool") {
    const { toolCallId, content, isError } = message;
    return [{ type: "tool_result", tool_use_id: toolCallId, content, is_error: isError }];
  }
  const blocks: WireBlock[] = [];
  for (const part of message.content) {
    if (part.type === "text" && part.text.trim()) blocks.push({ type: "text", text: part.text });
    // Thinking without its signature cannot be sent back; it came from another provider or was cut short.
    if (part.type === "reasoning" && part.signature) {
      blocks.push({ type: "thinking", thinking: part.text, signature: part.signature });
    }
    if (part.type === "tool_call")
      blocks.push({ type: "tool_use", id: part.id, name: part.name, input: part.arguments });
  }
  return blocks;
}

// --- Response ---

type StreamState = {
  /** Open content blocks by index; tool_use blocks accumulate their input JSON. */
  blocks: Map<number, { type: string; id: string; name: string; json: string; input: unknown }>;
  usage: WireUsage;
  stopReason: string | null;
};

function* onStreamEvent(model: ResolvedModel, state: StreamState, data: WireEvent): Generator<ProviderEvent> {
  const index = data.index ?? 0;
  switch (data.type) {
    case "message_start":
      mergeUsage(state.usage, data.message?.usage);
      return;
    case "content_block_start": {
      const block = data.content_block ?? {};
      const { type = "", id = "", name = "", input } = block;
      state.blocks.set(index, { type, id, name, json: "", input });
      if (type === "text" && block.text) yield { type: "text_delta", text: block.text };
      if (type === "thinking" && block.thinking) yield { type: "reasoning_delta", text: block.thinking };
      return;
    }
    case "content_block_delta": {
      const delta = data.delta ?? {};
      if (delta.type === "text_delta" && delta.text) yield { type: "text_delta", text: delta.text };
      if (delta.type === "thinking_delta" && delta.thinking)
        yield { type: "reasoning_delta", text: delta.thinking };
      if (delta.type === "signature_delta" && delta.signature) {
        yield { type: "reasoning_delta", text: "", signature: delta.signature };
      }
      const block = state.blocks.get(index);
      if (delta.type === "input_json_delta" && block) block.json += delta.partial_json ?? "";
      return;
    }
    case "content_block_stop": {
      const block = state.blocks.get(index);
      state.blocks.delete(index);
      if (block?.type !== "tool_use") return;
      // Some compatible servers put the whole input in content_block_start and send no deltas.
      const json = block.json.trim() || (isRecord(block.input) ? JSON.stringify(block.input) : "{}");
      yield { type: "tool_call", id: block.id, name: block.name, argumentsJson: json };
      return;
    }
    case "message_delta":
      state.stopReason = data.delta?.stop_reason ?? state.stopReason;
      mergeUsage(state.usage, data.usage);
      return;
    case "message_stop":
      yield { type: "usage", usage: toUsage(state.usage) };
      yield { type: "done", stopReason: toStopReason(state.stopReason) };
      return;
    case "error":
      yield { type: "error", error: errorFromBody(model, data.error) };
      return;
    default:
      return; // ping, and event types added to the API later
  }
}

function* fromMessageBody(model: ResolvedModel, text: string): Generator<ProviderEvent> {
  const body = parseObject(text) as WireEvent | undefined;
  if (!body) {
    yield { type: "error", error: malformed(model, `response body is not JSON: ${text}`) };
    return;
  }
  if (body.type === "error") {
    yield { type: "error", error: errorFromBody(model, body.error) };
    return;
  }
  if (!Array.isArray(body.content)) {
    yield { type: "error", error: malformed(model, "response body has no content list") };
    return;
  }
  for (const block of body.content) {
    if (block.type === "text" && block.text) yield { type: "text_delta", text: block.text };
    if (block.type === "thinking") {
      const signature = block.signature ? { signature: block.signature } : {};
      yield { type: "reasoning_delta", text: block.thinking ?? "", ...signature };
    }
    if (block.type === "tool_use") {
      const argumentsJson = JSON.stringify(isRecord(block.input) ? block.input : {});
      yield { type: "tool_call", id: block.id ?? "", name: block.name ?? "", argumentsJson };
    }
  }
  yield { type: "usage", usage: toUsage(body.usage ?? {}) };
  yield { type: "done", stopReason: toStopReason(body.stop_reason ?? null) };
}

function errorFromBody(model: ResolvedModel, error: WireError | undefined): ProviderError {
  const type = error?.type ?? "unknown_error";
  const { kind, retryable } = isContextOverflow(error?.message ?? "")
    ? { kind: "context_length" as const, retryable: false }
    : (ERROR_KINDS[type] ?? { kind: "server", retryable: true });
  const detail = error?.message ? `: ${oneLine(error.message)}` : "";
  const fix = kind === "auth" ? `check ${model.apiKeyEnv ?? "the API key"}` : retryable ? "retry later" : "";
  const message = `${serverName(model)} reported ${type}${detail}${fix ? `; ${fix}` : ""}`;
  return { kind, retryable, message };
}

function mergeUsage(into: WireUsage, from: WireUsage | undefined): void {
  for (const [key, value] of Object.entries(from ?? {})) {
    if (typeof value === "number") into[key as keyof WireUsage] = value;
  }
}

function toUsage(wire: WireUsage): Usage {
  const {
    input_tokens,
    output_tokens,
    cache_read_input_tokens: read,
    cache_creation_input_tokens: write,
  } = wire;
  const usage: Usage = { inputTokens: input_tokens ?? 0, outputTokens: output_tokens ?? 0 };
  if (typeof read === "number") usage.cacheReadTokens = read;
  if (typeof write === "number") usage.cacheWriteTokens = write;
  return usage;
}

function toStopReason(reason: string | null): FinalStop {
  return (reason && STOP_REASONS[reason]) || "stop";
}
