/**
 * The OpenAI Responses API adapter (`POST /v1/responses`). Streams SSE events, or reads one JSON response when
 * `model.stream === false`. Vendor types stay in this file. Never throws (see StreamFunction).
 */

import { readText } from "../egress/http-client.ts";
import type { ProviderError } from "../protocol/errors.ts";
import type { Message } from "../protocol/messages.ts";
import { jsonHeaders, parseJson, postModelRequest } from "./model-request.ts";
import type { HttpResponse, ModelRequest, ProviderEvent, ResolvedModel, StreamFunction } from "./provider.ts";
import { isContextOverflow, malformed, oneLine, serverName } from "./provider-errors.ts";
import { sseEvents } from "./stream-framing.ts";

// --- Vendor wire types (only the fields hearth reads or writes) ---

type InputItem =
  | {
      role: "user";
      content: Array<{ type: "input_text"; text: string } | { type: "input_image"; image_url: string }>;
    }
  | { role: "assistant"; content: Array<{ type: "output_text"; text: string }> }
  | { type: "function_call"; call_id: string; name: string; arguments: string }
  | { type: "function_call_output"; call_id: string; output: string };

type OutputItem = {
  type?: string;
  id?: string;
  call_id?: string;
  name?: string;
  arguments?: string;
  content?: Array<{ type?: string; text?: string; refusal?: string }>;
  summary?: Array<{ type?: string; text?: string }>;
};

type ResponseUsage = {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
};

type ResponseObject = {
  status?: string;
  output?: OutputItem[];
  usage?: ResponseUsage | null;
  error?: { code?: string; message?: string } | null;
  incomplete_details?: { reason?: string } | null;
};

type StreamEvent = {
  type?: string;
  delta?: string;
  arguments?: string;
  item?: OutputItem;
  item_id?: string;
  output_index?: number;
  summary_index?: number;
  response?: ResponseObject;
  code?: string;
  message?: string;
  error?: { code?: string; message?: string };
};

type PendingCall = { callId: string; name: string; args: string };

/** May throw and may stop early: the registry's contract wrapper (stream-contract.ts) turns both into events. */
export const streamOpenAIResponses: StreamFunction = async function* (model, request, options) {
  const url = `${model.baseUrl}/responses`;
  const body = requestBody(model, request);
  const opened = await postModelRequest(model, { url, headers: jsonHeaders(model), body }, options);
  if (!opened.ok) {
    yield { type: "error", error: opened.error };
    return;
  }
  if (model.stream === false) yield* readWhole(model, opened.response);
  else yield* readStream(model, opened.response);
};

function requestBody(model: ResolvedModel, request: ModelRequest): Record<string, unknown> {
  const body: Record<string, unknown> = { model: model.id };
  if (request.system) body.instructions = request.system;
  body.input = toInput(request.messages);
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
      strict: false,
    }));
  }
  const maxOutputTokens = request.maxOutputTokens ?? model.maxOutputTokens;
  if (maxOutputTokens !== undefined) body.max_output_tokens = maxOutputTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  body.store = false;
  body.stream = model.stream !== false;
  return body;
}

/** Hearth history as Responses input items. Reasoning is not sent back (with store:false it cannot be). */
function toInput(messages: Message[]): InputItem[] {
  const items: InputItem[] = [];
  for (const message of messages) {
    if (message.role === "user") {
      const parts =
        typeof message.content === "string"
          ? [{ type: "text" as const, text: message.content }]
          : message.content;
      items.push({
        role: "user",
        content: parts.map((part) =>
          part.type === "text"
            ? { type: "input_text", text: part.text }
            : { type: "input_image", image_url: `data:${part.mediaType};base64,${part.data}` },
        ),
      });
    } else if (message.role === "tool") {
      items.push({ type: "function_call_output", call_id: message.toolCallId, output: message.content });
    } else {
      let text: { role: "assistant"; content: Array<{ type: "output_text"; text: string }> } | undefined;
      for (const part of message.content) {
        if (part.type === "text" && part.text) {
          if (!text) {
            text = { role: "assistant", content: [] };
            items.push(text);
          }
          text.content.push({ type: "output_text", text: part.text });
        } else if (part.type === "tool_call") {
          text = undefined;
          items.push({
            type: "function_call",
            call_id: part.id,
            name: part.name,
            arguments: JSON.stringify(part.arguments),
          });
        }
      }
    }
  }
  return items;
}

async function* readStream(model: ResolvedModel, response: HttpResponse): AsyncGenerator<ProviderEvent> {
  const pending = new Map<string, PendingCall>();
  let toolCalls = 0;
  for await (const frame of sseEvents(response.body)) {
    if (!frame.data.trim() || frame.data.trim() === "[DONE]") continue;
    const event = parseJson(frame.data) as StreamEvent | undefined;
    if (!event || typeof event !== "object") {
      yield { type: "error", error: malformed(model, `invalid JSON in a stream event: ${frame.data}`) };
      return;
    }
    const key = String(event.output_index ?? event.item_id ?? event.item?.id ?? "");
    switch (event.type ?? frame.event) {
      case "response.output_text.delta":
      case "response.refusal.delta":
        if (event.delta) yield { type: "text_delta", text: event.delta };
        break;
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_text.delta":
        if (event.delta) yield { type: "reasoning_delta", text: event.delta };
        break;
      case "response.reasoning_summary_part.added":
        if ((event.summary_index ?? 0) > 0) yield { type: "reasoning_delta", text: "\n\n" };
        break;
      case "response.output_item.added":
        if (event.item?.type === "function_call") {
          const { call_id, id, name, arguments: args } = event.item;
          pending.set(key, { callId: call_id ?? id ?? "", name: name ?? "", args: args ?? "" });
        }
        break;
      case "response.function_call_arguments.delta": {
        const call = pending.get(key);
        if (call && event.delta) call.args += event.delta;
        break;
      }
      case "response.function_call_arguments.done": {
        const call = pending.get(key);
        if (call && typeof event.arguments === "string") call.args = event.arguments;
        break;
      }
      case "response.output_item.done":
        if (event.item?.type === "function_call") {
          const call = pending.get(key);
          pending.delete(key);
          toolCalls++;
          yield toolCallEvent(event.item, call);
        }
        break;
      case "response.completed":
      case "response.incomplete":
      case "response.failed":
        // A call the server never closed with output_item.done still counts, with what arrived.
        for (const call of event.response?.status === "failed" ? [] : pending.values()) {
          toolCalls++;
          yield toolCallEvent({}, call);
        }
        yield* finish(model, event.response ?? {}, toolCalls > 0);
        return;
      case "error":
        yield {
          type: "error",
          error: failedError(model, event.error?.code ?? event.code, event.error?.message ?? event.message),
        };
        return;
    }
  }
  // Ended without response.completed: the contract wrapper reports the stream cut short.
}

async function* readWhole(model: ResolvedModel, response: HttpResponse): AsyncGenerator<ProviderEvent> {
  const text = await readText(response.body);
  const body = parseJson(text) as ResponseObject | undefined;
  if (!body || typeof body !== "object") {
    yield { type: "error", error: malformed(model, `the response body is not JSON: ${text}`) };
    return;
  }
  if (!Array.isArray(body.output)) {
    yield { type: "error", error: malformed(model, `the response has no output: ${text}`) };
    return;
  }
  let toolCalls = 0;
  for (const item of body.output) {
    if (item.type === "message") {
      for (const part of item.content ?? []) {
        const value = part.type === "refusal" ? part.refusal : part.text;
        if (value) yield { type: "text_delta", text: value };
      }
    } else if (item.type === "reasoning") {
      const summary = (item.summary ?? []).map((part) => part.text ?? "").filter(Boolean);
      if (summary.length > 0) yield { type: "reasoning_delta", text: summary.join("\n\n") };
    } else if (item.type === "function_call") {
      toolCalls++;
      yield toolCallEvent(item, undefined);
    }
  }
  yield* finish(model, body, toolCalls > 0);
}

function toolCallEvent(item: OutputItem, pending: PendingCall | undefined): ProviderEvent {
  return {
    type: "tool_call",
    id: item.call_id ?? pending?.callId ?? item.id ?? "",
    name: item.name ?? pending?.name ?? "",
    argumentsJson: item.arguments || pending?.args || "{}",
  };
}

/** The terminal events for a finished response object: usage then done, or an error. */
function* finish(
  model: ResolvedModel,
  response: ResponseObject,
  sawToolCall: boolean,
): Generator<ProviderEvent> {
  if (response.status === "failed") {
    yield { type: "error", error: failedError(model, response.error?.code, response.error?.message) };
    return;
  }
  const incomplete = response.status === "incomplete";
  const reason = response.incomplete_details?.reason;
  if (incomplete && reason !== "max_output_tokens") {
    const why = reason ?? "no reason given";
    yield {
      type: "error",
      error: {
        kind: "bad_request",
        retryable: false,
        message: `${serverName(model)} stopped the response early (${why}); rephrase the request or try another model`,
      },
    };
    return;
  }
  const usage = response.usage;
  if (usage) {
    const cached = usage.input_tokens_details?.cached_tokens ?? 0;
    yield {
      type: "usage",
      usage: {
        inputTokens: Math.max(0, (usage.input_tokens ?? 0) - cached),
        outputTokens: usage.output_tokens ?? 0,
        ...(cached > 0 ? { cacheReadTokens: cached } : {}),
      },
    };
  }
  yield { type: "done", stopReason: incomplete ? "length" : sawToolCall ? "tool_use" : "stop" };
}

/** An error the server reported inside a 200 response (`error` event or `response.failed`). */
function failedError(
  model: ResolvedModel,
  code: string | undefined,
  message: string | undefined,
): ProviderError {
  const detail = oneLine([code, message].filter(Boolean).join(": ") || "no details");
  const text = `${code ?? ""} ${message ?? ""}`;
  const who = serverName(model);
  if (/rate.?limit/i.test(text)) {
    return {
      kind: "rate_limit",
      retryable: true,
      message: `${who} is rate limiting requests: ${detail}; wait and retry`,
    };
  }
  if (isContextOverflow(text)) {
    return {
      kind: "context_length",
      retryable: false,
      message: `${who}: the request does not fit the model's context window: ${detail}`,
    };
  }
  if (!code || /server_error|overloaded|internal|unavailable|timeout/i.test(text)) {
    return {
      kind: "server",
      retryable: true,
      message: `${who} failed the response: ${detail}; retry later`,
    };
  }
  return { kind: "bad_request", retryable: false, message: `${who} failed the response: ${detail}` };
}
