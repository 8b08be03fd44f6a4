/** Turning HTTP statuses and connection failures into one-line ProviderErrors that say what to do. */
import { HttpError } from "../egress/http-client.ts";
import type { ProviderError } from "../protocol/errors.ts";
import type { ResolvedModel } from "./provider.ts";

const LOCAL_START_HINT: Record<string, string> = {
  ollama: "start it with `ollama serve`",
  lmstudio: "start the LM Studio server (`lms server start`)",
  llamacpp: "start it with `llama-server -m <model.gguf>`",
};

export function hostOf(model: ResolvedModel): string {
  try {
    return new URL(model.baseUrl).host;
  } catch {
    return model.baseUrl;
  }
}

/** How error messages name the server: `provider (host)`, e.g. "ollama (127.0.0.1:11434)". */
export function serverName(model: ResolvedModel): string {
  return `${model.provider} (${hostOf(model)})`;
}

/** An error for an HTTP response with status >= 400. `bodyText` is the response body (may be empty). */
export function errorFromStatus(
  model: ResolvedModel,
  status: number,
  bodyText: string,
  headers: Record<string, string>,
): ProviderError {
  const detail = serverMessage(bodyText);
  const suffix = detail ? `: ${detail}` : "";
  const who = serverName(model);
  if (status === 401 || status === 403) {
    const fix = model.apiKeyEnv ? `check ${model.apiKeyEnv}` : "set apiKeyEnv for this provider in settings";
    return {
      kind: "auth",
      status,
      retryable: false,
      message: `${who} rejected the API key (HTTP ${status})${suffix}; ${fix}`,
    };
  }
  if (status === 404) {
    return {
      kind: "not_found",
      status,
      retryable: false,
      message: `model "${model.id}" not found at ${who} (HTTP 404)${suffix}; \`hearth models\` lists the models you can use`,
    };
  }
  const retryAfterMs = parseRetryAfter(headers);
  // Before the 5xx branch: some servers (older llama.cpp) report an overflow as a server error, which no retry fixes.
  if (status !== 429 && (status === 413 || isContextOverflow(`${detail} ${bodyText.slice(0, 2000)}`))) {
    return {
      kind: "context_length",
      status,
      retryable: false,
      message: `${who}: the request does not fit the model's context window (HTTP ${status})${suffix}`,
    };
  }
  if (status === 429) {
    return {
      kind: "rate_limit",
      status,
      retryable: true,
      retryAfterMs,
      message: `${who} is rate limiting requests (HTTP 429)${suffix}; wait and retry, or use another model`,
    };
  }
  if (status === 529 || /overloaded/i.test(bodyText)) {
    return {
      kind: "overloaded",
      status,
      retryable: true,
      retryAfterMs,
      message: `${who} is overloaded (HTTP ${status})${suffix}; retry later`,
    };
  }
  if (status >= 500) {
    return {
      kind: "server",
      status,
      retryable: true,
      retryAfterMs,
      message: `${who} had a server error (HTTP ${status})${suffix}; retry later`,
    };
  }
  return {
    kind: "bad_request",
    status,
    retryable: false,
    message: `${who} refused the request (HTTP ${status})${suffix}`,
  };
}

/** An error for a thrown exception: connection failure, timeout, abort, or a parse failure. */
export function errorFromException(model: ResolvedModel, error: unknown): ProviderError {
  const who = serverName(model);
  if (error instanceof HttpError) {
    if (error.code === "aborted") return { kind: "aborted", retryable: false, message: "request aborted" };
    if (error.code === "refused_offline")
      return { kind: "network", retryable: false, message: error.message };
    const why = error.sysCode ?? error.message;
    const fix = model.local
      ? `is the server running? ${LOCAL_START_HINT[model.provider] ?? "start the server"}`
      : "check your network, or use a local model (e.g. --model ollama/<model>)";
    if (error.code === "timeout") {
      return { kind: "timeout", retryable: false, message: `cannot reach ${who}: ${error.message}; ${fix}` };
    }
    // A connection reset mid-stream is worth one more try; a refused or unresolvable host is not.
    const retryable = why === "ECONNRESET" || why === "EPIPE" || /closed before/.test(error.message);
    const verb = retryable ? "lost the connection to" : "cannot reach";
    return { kind: "network", retryable, message: `${verb} ${who} (${why}); ${fix}` };
  }
  const text = error instanceof Error ? error.message : String(error);
  return {
    kind: "malformed",
    retryable: false,
    message: `${who} sent a response hearth could not read: ${oneLine(text)}`,
  };
}

export function malformed(model: ResolvedModel, what: string): ProviderError {
  return {
    kind: "malformed",
    retryable: false,
    message: `${serverName(model)} sent a malformed response: ${oneLine(what)}`,
  };
}

/** The stream ended without the protocol's final marker. Retryable: the server cut the connection. */
export function cutShort(model: ResolvedModel): ProviderError {
  return {
    kind: "network",
    retryable: true,
    message: `${serverName(model)} ended the stream before the response was complete; retry`,
  };
}

/**
 * An `error` field inside a 200 response, mid-stream or in the one body (OpenRouter, vLLM, llama.cpp and Ollama
 * report failures so). A string is the message; an object gives its `message`, and a numeric HTTP-like `code`
 * is classified as that status would be. Otherwise it is a context overflow or a server error.
 */
export function errorInBody(model: ResolvedModel, raw: unknown): ProviderError {
  const detail =
    typeof raw === "string"
      ? raw
      : raw && typeof raw === "object" && typeof (raw as { message?: unknown }).message === "string"
        ? (raw as { message: string }).message
        : JSON.stringify(raw);
  const code = raw && typeof raw === "object" ? (raw as { code?: unknown }).code : undefined;
  const status = typeof code === "number" ? code : Number.NaN;
  if (status >= 400 && status < 600) {
    return errorFromStatus(model, status, JSON.stringify({ error: { message: detail } }), {});
  }
  const who = serverName(model);
  if (isContextOverflow(detail)) {
    return {
      kind: "context_length",
      retryable: false,
      message: `${who}: the request does not fit the model's context window: ${oneLine(detail)}`,
    };
  }
  return { kind: "server", retryable: false, message: `${who} reported an error: ${oneLine(detail)}` };
}

/**
 * How each server words "the request does not fit the context window". Specific on purpose: a loose match (any
 * "exceeds") would send errors about other limits to compaction.
 */
const CONTEXT_OVERFLOW: RegExp[] = [
  /prompt is too long/i, // Anthropic
  /context_length_exceeded|maximum context length/i, // OpenAI, vLLM, OpenRouter and other compatible servers
  /input token count.*exceeds the maximum/i, // Gemini
  /exceed_context_size_error|exceeds the available context size/i, // llama.cpp server
  /prompt too long; exceeded (?:max )?context length|input length exceeds the context length/i, // Ollama
  /context length is only \d+ tokens|input length.*exceeds.*context length/i, // vLLM
  /context length of only \d+ tokens|context overflow|context is full/i, // LM Studio
  /model_context_window_exceeded|exceeds the context window|context window (?:is )?exceeded/i, // OpenAI Responses, others
  /too large for model with \d+ maximum context length/i, // Mistral
  /too many tokens in (?:the )?(?:request|prompt)|prompt tokens? limit exceeded/i,
];

/** Is this server message a context overflow (the request is too long for the model's window)? */
export function isContextOverflow(text: string): boolean {
  return CONTEXT_OVERFLOW.some((pattern) => pattern.test(text));
}

function parseRetryAfter(headers: Record<string, string>): number | undefined {
  const ms = headers["retry-after-ms"];
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers["retry-after"];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The error message inside a JSON error body, or a short excerpt of a non-JSON one. */
function serverMessage(bodyText: string): string {
  if (!bodyText.trim()) return "";
  try {
    const json = JSON.parse(bodyText) as Record<string, unknown>;
    const err = json.error;
    if (typeof err === "string") return oneLine(err);
    if (err && typeof err === "object" && typeof (err as { message?: unknown }).message === "string") {
      return oneLine((err as { message: string }).message);
    }
    if (typeof json.message === "string") return oneLine(json.message);
  } catch {
    // not JSON
  }
  return oneLine(bodyText);
}

export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
