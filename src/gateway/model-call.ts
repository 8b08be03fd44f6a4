/**
 * One caller's request run against a backend, through the same response step as hearth's own loop
 * (agent/model-response.ts): the adapter of the backend's wire protocol, the small-model tool-call repair, the text
 * tool protocol for models without native tools (switched to, and remembered, when a server says so), and the
 * first-byte and idle clocks. The model's real context window is honoured: a prompt that cannot fit is refused as a
 * context_length error, and the answer's token limit is cut to the room that is left. Never throws.
 */
import {
  createTokenEstimator,
  fixedBytes,
  historyBytes,
  historyImages,
  IMAGE_TOKENS,
  type TokenEstimator,
} from "../agent/context-budget.ts";
import { type ResponseOutcome, requestResponse, responseDeps } from "../agent/model-response.ts";
import { isToolSupportError, type ToolCallMode } from "../agent/text-tool-protocol.ts";
import type { ProviderError } from "../protocol/errors.ts";
import type { HttpClient, ModelRequest, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import type { RequestQueue } from "./request-queue.ts";

/** A hearth model ready to answer requests; one per model, shared by all requests to it. */
export type Backend = {
  /** "<provider>/<model>", for logs. */
  name: string;
  model: ResolvedModel;
  stream: StreamFunction;
  /** "text" once the server said the model takes no native tools. */
  toolCalls: ToolCallMode;
  /** Learns the model's bytes per token from each response's usage. */
  estimator: TokenEstimator;
  /** The embedded engine answers one request at a time: the others wait here (or get 429). */
  queue?: RequestQueue;
};

export function createBackend(model: ResolvedModel, stream: StreamFunction, queue?: RequestQueue): Backend {
  return {
    name: `${model.provider}/${model.id}`,
    model,
    stream,
    toolCalls: model.toolCalls ?? "native",
    estimator: createTokenEstimator(),
    queue,
  };
}

export type CallSink = { text(delta: string): void; reasoning(delta: string): void };

/** The window a request must fit: the num_ctx sent to Ollama, else the window the server or catalog told. */
export function contextWindow(model: ResolvedModel): number | undefined {
  return model.numCtx ?? model.contextWindow;
}

/** The request's estimated input tokens, by the backend's calibrated estimator. */
export function estimateTokens(backend: Backend, request: ModelRequest): number {
  const bytes = fixedBytes(request.system, request.tools) + historyBytes(request.messages);
  return backend.estimator.tokens(bytes) + historyImages(request.messages) * IMAGE_TOKENS;
}

/** Fewest answer tokens worth asking for: a prompt leaving less room than this is refused as too long. */
const MIN_ANSWER_TOKENS = 256;

export async function callModel(
  backend: Backend,
  http: HttpClient,
  request: ModelRequest,
  sink: CallSink,
  options: { signal: AbortSignal; stream: boolean },
): Promise<ResponseOutcome> {
  const fitted = fitToWindow(backend, request);
  if ("error" in fitted) return { ok: false, error: fitted.error };
  const emit = {
    requestSent: () => {},
    textDelta: (text: string) => sink.text(text),
    reasoningDelta: (text: string) => sink.reasoning(text),
    retryScheduled: () => {},
  };
  const run = (mode: ToolCallMode) => {
    const deps = responseDeps({ model: backend.model, stream: backend.stream, http }, mode);
    // A streamed answer cannot be taken back: no second attempt once text may have gone out. The caller retries.
    if (options.stream) deps.retry = { ...deps.retry, maxAttempts: 1 };
    else deps.retry = { ...deps.retry, maxAttempts: Math.min(deps.retry.maxAttempts, 2) };
    return requestResponse(fitted.request, deps, emit, options.signal);
  };
  let outcome = await run(backend.toolCalls);
  if (
    !outcome.ok &&
    backend.toolCalls === "native" &&
    request.tools.length > 0 &&
    isToolSupportError(outcome.error)
  ) {
    backend.toolCalls = "text";
    outcome = await run("text");
  }
  if (outcome.ok) {
    const bytes = fixedBytes(request.system, request.tools) + historyBytes(request.messages);
    backend.estimator.calibrate(bytes, outcome.message.usage, historyImages(request.messages));
  }
  return outcome;
}

/** The request with its answer limit cut to the room left in the window, or the context_length error. */
function fitToWindow(
  backend: Backend,
  request: ModelRequest,
): { request: ModelRequest } | { error: ProviderError } {
  const window = contextWindow(backend.model);
  if (!window) return { request };
  const input = estimateTokens(backend, request);
  const room = window - input;
  if (room < Math.min(MIN_ANSWER_TOKENS, window / 4)) {
    const source = backend.model.contextSource ? ` (${backend.model.contextSource})` : "";
    return {
      error: {
        kind: "context_length",
        status: 400,
        retryable: false,
        message: `prompt is too long: about ${input} tokens > ${window} maximum of ${backend.name}${source}`,
      },
    };
  }
  const asked = request.maxOutputTokens ?? backend.model.maxOutputTokens;
  if (asked === undefined || asked <= room) return { request };
  return { request: { ...request, maxOutputTokens: room } };
}
