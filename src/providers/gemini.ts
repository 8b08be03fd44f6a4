/**
 * The Gemini API adapter (`:streamGenerateContent?alt=sse`, or `:generateContent` when `model.stream === false`).
 * Each SSE frame is a whole GenerateContentResponse chunk. Vendor types stay in this file. Never throws
 * (see StreamFunction).
 */

import { readText } from "../egress/http-client.ts";
import type { ProviderError } from "../protocol/errors.ts";
import { shortRandom } from "../protocol/ids.ts";
import type { Message, ToolSpec } from "../protocol/messages.ts";
import { isRecord, jsonHeaders, parseObject, postModelRequest, withoutKey } from "./model-request.ts";
import type { HttpResponse, ModelRequest, ProviderEvent, ResolvedModel, StreamFunction } from "./provider.ts";
import { errorFromStatus, malformed, serverName } from "./provider-errors.ts";
import { sseEvents } from "./stream-framing.ts";

// --- Vendor wire types (only the fields hearth reads or writes) ---

type Part = {
  text?: string;
  inlineData?: { mimeType: string; data: string };
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: { id?: string; name?: string; args?: Record<string, unknown> };
  functionResponse?: { name: string; response: { result: string } | { error: string } };
};

type Content = { role: "user" | "model"; parts: Part[] };

type UsageMetadata = {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
};

type Chunk = {
  candidates?: Array<{ content?: { parts?: Part[] }; finishReason?: string; finishMessage?: string }>;
  usageMetadata?: UsageMetadata;
  promptFeedback?: { blockReason?: string };
  error?: { code?: number; message?: string; status?: string };
};

/** What a response has told us so far, across chunks. */
type ReadState = { idPrefix: string; toolCalls: number; finishReason?: string; usage?: UsageMetadata };

/** May throw and may stop early: the registry's contract wrapper (stream-contract.ts) turns both into events. */
export const streamGemini: StreamFunction = async function* (model, request, options) {
  const stream = model.stream !== false;
  const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
  const headers = jsonHeaders(model, { keyHeader: "x-goog-api-key" });
  const url = `${model.baseUrl}/v1beta/models/${encodeURIComponent(model.id)}:${method}`;
  const opened = await postModelRequest(
    model,
    { url, headers, body: requestBody(model, request), refineError: refineError(model) },
    options,
  );
  if (!opened.ok) {
    yield { type: "error", error: opened.error };
    return;
  }
  const state: ReadState = { idPrefix: shortRandom(8), toolCalls: 0 };
  if (stream) yield* readStream(model, opened.response, state);
  else yield* readWhole(model, opened.response, state);
};

/** Gemini answers a bad key with HTTP 400, and puts its retry delay in the body rather than a header. */
function refineError(model: ResolvedModel): (error: ProviderError, bodyText: string) => ProviderError {
  return (error, bodyText) => {
    if (error.status === 400 && /API_KEY_INVALID|API key not valid/i.test(bodyText)) {
      const fix = model.apiKeyEnv
        ? `check ${model.apiKeyEnv}`
        : "set apiKeyEnv for this provider in settings";
      return { ...error, kind: "auth", message: `${error.message}; ${fix}` };
    }
    const delay = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(bodyText);
    if (!error.retryable || error.retryAfterMs !== undefined || !delay) return error;
    return { ...error, retryAfterMs: Number(delay[1]) * 1000 };
  };
}

function requestBody(model: ResolvedModel, request: ModelRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (request.system) body.systemInstruction = { parts: [{ text: request.system }] };
  body.contents = toContents(request.messages);
  if (request.tools.length > 0) body.tools = [{ functionDeclarations: request.tools.map(declaration) }];
  const config: Record<string, unknown> = {};
  const maxOutputTokens = request.maxOutputTokens ?? model.maxOutputTokens;
  if (maxOutputTokens !== undefined) config.maxOutputTokens = maxOutputTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

/** Hearth history as Gemini contents. Consecutive tool results become one user turn of functionResponse parts. */
function toContents(messages: Message[]): Content[] {
  const contents: Content[] = [];
  let results: Content | undefined;
  for (const message of messages) {
    if (message.role === "tool") {
      const response = message.isError ? { error: message.content } : { result: message.content };
      const part: Part = { functionResponse: { name: message.toolName, response } };
      if (results) results.parts.push(part);
      else {
        results = { role: "user", parts: [part] };
        contents.push(results);
      }
      continue;
    }
    results = undefined;
    if (message.role === "user") {
      const { content } = message;
      const parts =
        typeof content === "string"
          ? [{ text: content }]
          : content.map(
              (part): Part =>
                part.type === "text"
                  ? { text: part.text }
                  : { inlineData: { mimeType: part.mediaType, data: part.data } },
            );
      contents.push({ role: "user", parts });
      continue;
    }
    const parts: Part[] = [];
    for (const part of message.content) {
      if (part.type === "text" && part.text) parts.push({ text: part.text });
      else if (part.type === "tool_call") {
        const call: Part = { functionCall: { name: part.name, args: part.arguments } };
        if (part.signature) call.thoughtSignature = part.signature;
        parts.push(call);
      }
    }
    if (parts.length > 0) contents.push({ role: "model", parts });
  }
  return contents;
}

function declaration(tool: ToolSpec): Record<string, unknown> {
  const parameters = geminiSchema(tool.parameters);
  const properties = parameters.properties as Record<string, unknown> | undefined;
  // Gemini rejects an OBJECT schema without properties; a tool without arguments sends no schema.
  const empty = parameters.type === "object" && (!properties || Object.keys(properties).length === 0);
  return empty
    ? { name: tool.name, description: tool.description }
    : { name: tool.name, description: tool.description, parameters };
}

const SCHEMA_KEYS = new Set([
  "type",
  "format",
  "title",
  "description",
  "nullable",
  "enum",
  "maxItems",
  "minItems",
  "properties",
  "required",
  "minProperties",
  "maxProperties",
  "minLength",
  "maxLength",
  "pattern",
  "example",
  "anyOf",
  "propertyOrdering",
  "default",
  "items",
  "minimum",
  "maximum",
]);
const FORMATS: Record<string, string[]> = {
  string: ["enum", "date-time"],
  integer: ["int32", "int64"],
  number: ["float", "double"],
};

/** A JSON Schema reduced to the OpenAPI subset Gemini accepts: unknown keywords are dropped, recursively. */
export function geminiSchema(schema: unknown): Record<string, unknown> {
  if (!isRecord(schema)) return {};
  const out: Record<string, unknown> = {};
  let type = schema.type;
  if (Array.isArray(type)) {
    const kinds = type.filter((kind) => kind !== "null");
    if (kinds.length < type.length) out.nullable = true;
    type = kinds[0];
  }
  if (typeof type === "string" && type !== "null") out.type = type;
  for (const [key, value] of Object.entries(schema)) {
    if (key === "type" || !SCHEMA_KEYS.has(key)) continue;
    if (key === "properties" && isRecord(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, geminiSchema(sub)]),
      );
    } else if (key === "items") {
      out.items = geminiSchema(Array.isArray(value) ? value[0] : value);
    } else if (key === "format") {
      if (typeof type === "string" && FORMATS[type]?.includes(String(value))) out.format = value;
    } else if (key === "enum") {
      if (Array.isArray(value) && value.every((v) => typeof v === "string")) out.enum = value;
    } else if (key !== "anyOf") {
      out[key] = value;
    }
  }
  if (typeof schema.const === "string") out.enum = [schema.const];
  const union = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : undefined;
  if (union) {
    const branches = union
      .filter((branch) => !(isRecord(branch) && branch.type === "null"))
      .map(geminiSchema);
    if (branches.length < union.length) out.nullable = true;
    if (branches.length === 1)
      Object.assign(out, branches[0], out.description ? { description: out.description } : {});
    else if (branches.length > 1) out.anyOf = branches;
  }
  if (Array.isArray(out.required)) {
    const properties = isRecord(out.properties) ? out.properties : {};
    out.required = out.required.filter((name) => typeof name === "string" && name in properties);
  }
  return out;
}

async function* readStream(
  model: ResolvedModel,
  response: HttpResponse,
  state: ReadState,
): AsyncGenerator<ProviderEvent> {
  for await (const frame of sseEvents(response.body)) {
    if (!frame.data.trim()) continue;
    const chunk = parseObject(frame.data) as Chunk | undefined;
    if (!chunk) {
      yield { type: "error", error: malformed(model, `invalid JSON in a stream chunk: ${frame.data}`) };
      return;
    }
    const failure = yield* readChunk(model, chunk, state);
    if (failure) {
      yield { type: "error", error: failure };
      return;
    }
  }
  yield* finish(model, state);
}

async function* readWhole(
  model: ResolvedModel,
  response: HttpResponse,
  state: ReadState,
): AsyncGenerator<ProviderEvent> {
  const text = await readText(response.body);
  const chunk = parseObject(text) as Chunk | undefined;
  if (!chunk) {
    yield { type: "error", error: malformed(model, `the response body is not JSON: ${text}`) };
    return;
  }
  const failure = yield* readChunk(model, chunk, state);
  if (failure) yield { type: "error", error: failure };
  else yield* finish(model, state);
}

/** Events from one GenerateContentResponse; returns an error when the chunk itself reports one. */
function* readChunk(
  model: ResolvedModel,
  chunk: Chunk,
  state: ReadState,
): Generator<ProviderEvent, ProviderError | undefined> {
  if (chunk.error) {
    const status = typeof chunk.error.code === "number" && chunk.error.code >= 400 ? chunk.error.code : 500;
    return withoutKey(model, errorFromStatus(model, status, JSON.stringify(chunk), {}));
  }
  if (chunk.usageMetadata) state.usage = chunk.usageMetadata;
  const candidate = chunk.candidates?.[0];
  if (!candidate) {
    const blocked = chunk.promptFeedback?.blockReason;
    if (blocked) return refused(model, blocked, "the prompt was blocked");
    return undefined;
  }
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) {
      state.toolCalls++;
      const call = part.functionCall;
      yield {
        type: "tool_call",
        id: call.id || `call_${state.idPrefix}_${state.toolCalls}`,
        name: call.name ?? "",
        argumentsJson: JSON.stringify(call.args ?? {}),
        ...(part.thoughtSignature ? { signature: part.thoughtSignature } : {}),
      };
    } else if (part.text) {
      yield part.thought
        ? { type: "reasoning_delta", text: part.text }
        : { type: "text_delta", text: part.text };
    }
  }
  if (candidate.finishReason) state.finishReason = candidate.finishReason;
  return undefined;
}

/**
 * The terminal events once the body has ended: usage then done, or an error; none when no finishReason came,
 * which the contract wrapper reports as a stream cut short.
 */
function* finish(model: ResolvedModel, state: ReadState): Generator<ProviderEvent> {
  const reason = state.finishReason;
  if (!reason) return;
  if (reason !== "STOP" && reason !== "MAX_TOKENS") {
    yield { type: "error", error: refused(model, reason, "the model stopped") };
    return;
  }
  const usage = state.usage;
  if (usage) {
    const cached = usage.cachedContentTokenCount ?? 0;
    yield {
      type: "usage",
      usage: {
        inputTokens: Math.max(0, (usage.promptTokenCount ?? 0) - cached),
        outputTokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
        ...(cached > 0 ? { cacheReadTokens: cached } : {}),
      },
    };
  }
  yield {
    type: "done",
    stopReason: reason === "MAX_TOKENS" ? "length" : state.toolCalls > 0 ? "tool_use" : "stop",
  };
}

/** A response Gemini ended for a reason other than STOP or MAX_TOKENS (safety, recitation, a bad tool call). */
function refused(model: ResolvedModel, reason: string, what: string): ProviderError {
  const who = serverName(model);
  if (reason === "MALFORMED_FUNCTION_CALL" || reason === "UNEXPECTED_TOOL_CALL") {
    return {
      kind: "malformed",
      retryable: true,
      message: `${who}: the model produced an invalid tool call (${reason}); retry`,
    };
  }
  const hint =
    reason === "SAFETY" || reason === "PROHIBITED_CONTENT" || reason === "BLOCKLIST" || reason === "SPII"
      ? "the content was blocked by Gemini's safety filters; rephrase the request"
      : reason === "RECITATION"
        ? "the output was blocked for reciting copyrighted material; rephrase the request"
        : "rephrase the request or try another model";
  return { kind: "bad_request", retryable: false, message: `${who}: ${what} (${reason}); ${hint}` };
}
