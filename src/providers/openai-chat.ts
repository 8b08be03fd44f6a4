/**
 * The Chat Completions adapter (`POST {baseUrl}/chat/completions`). One adapter for every server that speaks this
 * protocol: OpenAI, LM Studio, llama.cpp server, vLLM, Groq, OpenRouter. Vendor types stay in this file.
 */

import { readText } from "../egress/http-client.ts";
import type { ProviderError } from "../protocol/errors.ts";
import { newCallId } from "../protocol/ids.ts";
import type { Message, Usage } from "../protocol/messages.ts";
import { jsonHeaders, parseObject, postModelRequest } from "./model-request.ts";
import type { ModelRequest, ProviderEvent, ResolvedModel, StreamFunction } from "./provider.ts";
import { errorInBody, malformed } from "./provider-errors.ts";
import { sseEvents } from "./stream-framing.ts";

type ChatToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };

type ChatContentPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | ChatContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

type ChatUsage = {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
};

type ToolCallDelta = {
  index?: number;
  id?: string;
  /** A JSON string; a few servers send an object in non-streamed replies. */
  function?: { name?: string; arguments?: string | Record<string, unknown> };
};

type ChatDelta = {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: ToolCallDelta[];
};

type ChatChoice = { delta?: ChatDelta; message?: ChatDelta; finish_reason?: string | null };

/** llama.cpp's server reports how it spent the request (its own field, next to `usage`). */
type LlamaTimings = {
  prompt_n?: number;
  prompt_ms?: number;
  predicted_n?: number;
  predicted_ms?: number;
  /** Prompt tokens reused from the server's cache. */
  cache_n?: number;
};

type ChatChunk = {
  choices?: ChatChoice[];
  usage?: ChatUsage | null;
  timings?: LlamaTimings;
  error?: unknown;
};

type Done = Extract<ProviderEvent, { type: "done" }>["stopReason"];

/** May throw and may stop early: the registry's contract wrapper (stream-contract.ts) turns both into events. */
export const streamOpenAIChat: StreamFunction = async function* (model, request, options) {
  const streaming = model.stream !== false;
  const url = `${model.baseUrl}/chat/completions`;
  const body = requestBody(model, request, streaming);
  const opened = await postModelRequest(model, { url, headers: jsonHeaders(model), body }, options);
  if (!opened.ok) {
    yield { type: "error", error: opened.error };
    return;
  }
  if (streaming) yield* readStream(model, opened.response.body);
  else yield* readWhole(model, await readText(opened.response.body));
};

function requestBody(
  model: ResolvedModel,
  request: ModelRequest,
  streaming: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model: model.id, messages: toChatMessages(request) };
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
  }
  const maxTokens = request.maxOutputTokens ?? model.maxOutputTokens;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  body.stream = streaming;
  if (streaming) body.stream_options = { include_usage: true };
  // llama.cpp's server: keep the evaluated prompt in its cache so the next turn processes only new tokens.
  if (model.provider === "llamacpp") body.cache_prompt = true;
  return body;
}

function toChatMessages(request: ModelRequest): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (request.system) out.push({ role: "system", content: request.system });
  for (const message of request.messages) out.push(toChatMessage(message));
  return out;
}

function toChatMessage(message: Message): ChatMessage {
  if (message.role === "user") {
    const { content } = message;
    // Text alone is a string: many local servers take nothing else.
    if (typeof content === "string") return { role: "user", content };
    if (content.every((part) => part.type === "text"))
      return { role: "user", content: content.map((part) => part.text).join("\n") };
    return {
      role: "user",
      content: content.map((part) =>
        part.type === "text"
          ? { type: "text", text: part.text }
          : { type: "image_url", image_url: { url: `data:${part.mediaType};base64,${part.data}` } },
      ),
    };
  }
  if (message.role === "tool") {
    return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
  }
  let text = "";
  const calls: ChatToolCall[] = [];
  for (const part of message.content) {
    if (part.type === "text") text += part.text;
    else if (part.type === "tool_call") {
      calls.push({
        id: part.id,
        type: "function",
        function: { name: part.name, arguments: JSON.stringify(part.arguments) },
      });
    }
    // Reasoning is not sent back: Chat Completions has no standard field for it.
  }
  if (calls.length === 0) return { role: "assistant", content: text };
  return { role: "assistant", content: text || null, tool_calls: calls };
}

/**
 * Tool calls arrive in pieces keyed by `index`; they are emitted whole, in order. Some servers omit `index`, or
 * reuse one index for several calls; a piece with a new `id` then starts a new call.
 */
class ToolCallAccumulator {
  private readonly slots = new Map<number, { id: string; name: string; args: string }>();
  /** Wire index (or "none") -> the slot its pieces currently go to. */
  private readonly current = new Map<number | "none", number>();
  emitted = 0;

  add(delta: ToolCallDelta): void {
    const wire = typeof delta.index === "number" ? delta.index : "none";
    let key = this.current.get(wire);
    const known = key === undefined ? undefined : this.slots.get(key);
    if (key === undefined || (delta.id && known?.id && known.id !== delta.id)) {
      key = wire !== "none" && !this.slots.has(wire) ? wire : Math.max(-1, ...this.slots.keys()) + 1;
      this.current.set(wire, key);
    }
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { id: "", name: "", args: "" };
      this.slots.set(key, slot);
    }
    if (delta.id) slot.id = delta.id;
    // The name comes whole in the first piece; some servers repeat it in later pieces.
    if (delta.function?.name && !slot.name) slot.name = delta.function.name;
    const args = delta.function?.arguments;
    if (typeof args === "string") slot.args += args;
    else if (args && typeof args === "object") slot.args = JSON.stringify(args);
  }

  *flush(): Iterable<ProviderEvent> {
    const keys = [...this.slots.keys()].sort((a, b) => a - b);
    for (const key of keys) {
      const slot = this.slots.get(key)!;
      this.emitted++;
      const id = slot.id || newCallId();
      yield { type: "tool_call", id, name: slot.name, argumentsJson: slot.args || "{}" };
    }
    this.slots.clear();
    this.current.clear();
  }
}

async function* readStream(
  model: ResolvedModel,
  body: AsyncIterable<Uint8Array>,
): AsyncIterable<ProviderEvent> {
  const calls = new ToolCallAccumulator();
  let usage: Usage | undefined;
  let finish: string | undefined;
  const finishWith = function* (): Iterable<ProviderEvent> {
    yield* calls.flush();
    if (usage) yield { type: "usage", usage };
    yield { type: "done", stopReason: stopReasonOf(finish, calls.emitted > 0) };
  };

  for await (const event of sseEvents(body)) {
    const data = event.data.trim();
    if (!data) continue;
    if (data === "[DONE]") {
      yield* finishWith();
      return;
    }
    const read = readChunk(model, data);
    if ("error" in read) {
      yield { type: "error", error: read.error };
      return;
    }
    const { chunk } = read;
    if (chunk.usage || chunk.timings) usage = usageOf(chunk.usage ?? undefined, chunk.timings, usage);
    const choice = chunk.choices?.[0];
    const delta = choice?.delta;
    if (delta) {
      yield* contentEvents(delta);
      for (const piece of delta.tool_calls ?? []) calls.add(piece);
    }
    if (choice?.finish_reason) {
      finish = choice.finish_reason;
      yield* calls.flush();
    }
  }
  // Ended without a finish_reason or [DONE]: the contract wrapper reports the stream cut short.
  if (finish === undefined) return;
  yield* finishWith();
}

function* readWhole(model: ResolvedModel, text: string): Iterable<ProviderEvent> {
  const read = readChunk(model, text);
  if ("error" in read) {
    yield { type: "error", error: read.error };
    return;
  }
  const reply = read.chunk;
  const choice = reply.choices?.[0];
  const message = choice?.message;
  if (!message) {
    yield { type: "error", error: malformed(model, `no choices[0].message in: ${text}`) };
    return;
  }
  yield* contentEvents(message);
  const calls = new ToolCallAccumulator();
  (message.tool_calls ?? []).forEach((call, index) => {
    calls.add({ ...call, index });
  });
  yield* calls.flush();
  if (reply.usage || reply.timings)
    yield { type: "usage", usage: usageOf(reply.usage ?? undefined, reply.timings) };
  yield { type: "done", stopReason: stopReasonOf(choice?.finish_reason ?? undefined, calls.emitted > 0) };
}

/** A streamed chunk or the whole reply; or the error when it is not a JSON object or carries an `error` field. */
function readChunk(model: ResolvedModel, text: string): { chunk: ChatChunk } | { error: ProviderError } {
  const chunk = parseObject(text) as ChatChunk | undefined;
  if (!chunk) return { error: malformed(model, `not JSON: ${text}`) };
  if (chunk.error !== undefined && chunk.error !== null) return { error: errorInBody(model, chunk.error) };
  return { chunk };
}

/** Reasoning, then text, from a streamed delta or a whole message. */
function* contentEvents(part: ChatDelta): Iterable<ProviderEvent> {
  const reasoning = part.reasoning_content || part.reasoning;
  if (typeof reasoning === "string" && reasoning) yield { type: "reasoning_delta", text: reasoning };
  if (typeof part.content === "string" && part.content) yield { type: "text_delta", text: part.content };
}

function stopReasonOf(finish: string | undefined, hadToolCalls: boolean): Done {
  if (hadToolCalls) return "tool_use";
  if (finish === "length") return "length";
  return "stop";
}

/** Input tokens exclude cached ones, which are reported separately (as Anthropic does). */
function usageOf(raw: ChatUsage | undefined, timings?: LlamaTimings, earlier?: Usage): Usage {
  const usage: Usage = earlier ? { ...earlier } : { inputTokens: 0, outputTokens: 0 };
  if (raw) {
    const cached = raw.prompt_tokens_details?.cached_tokens ?? 0;
    usage.inputTokens = Math.max(0, (raw.prompt_tokens ?? 0) - cached);
    usage.outputTokens = raw.completion_tokens ?? 0;
    if (cached > 0) usage.cacheReadTokens = cached;
  }
  if (timings) {
    // llama.cpp counts what it evaluated (prompt_n) apart from what its cache held (cache_n): exact numbers.
    if (typeof timings.prompt_n === "number") usage.inputTokens = timings.prompt_n;
    if (typeof timings.cache_n === "number" && timings.cache_n > 0) usage.cacheReadTokens = timings.cache_n;
    if (typeof timings.predicted_n === "number" && !raw) usage.outputTokens = timings.predicted_n;
    if (typeof timings.prompt_ms === "number") usage.promptMs = timings.prompt_ms;
    if (typeof timings.predicted_ms === "number") usage.generationMs = timings.predicted_ms;
  }
  return usage;
}
