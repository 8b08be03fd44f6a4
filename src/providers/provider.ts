/**
 * The provider seam: one stream function per wire protocol.
 *
 * Contract: once called, a StreamFunction never throws. It yields normalized events and ends with exactly one
 * `done` or `error` event. Vendor types never cross this boundary. The registry (registry.ts) enforces the
 * contract around every adapter (stream-contract.ts), so an adapter itself may throw or just stop.
 */
import type { ProviderError } from "../protocol/errors.ts";
import type { HttpClient } from "../protocol/http.ts";
import type { Message, StopReason, ToolSpec, Usage } from "../protocol/messages.ts";
import type { ApiId } from "../protocol/model-apis.ts";

/** A model with everything needed to call it. Built by the CLI's model resolution. */
export type ResolvedModel = {
  /** Provider name as the user wrote it: "anthropic", "ollama", "groq". */
  provider: string;
  /** Model id as sent on the wire. */
  id: string;
  api: ApiId;
  /** Base URL without a trailing slash, e.g. "https://api.anthropic.com" or "http://127.0.0.1:1234/v1". */
  baseUrl: string;
  /** Secret. Never logged, never put in an error message. */
  apiKey?: string;
  /** Name of the env var the key comes from, for error messages ("check ANTHROPIC_API_KEY"). */
  apiKeyEnv?: string;
  headers?: Record<string, string>;
  /** Known context window in tokens, when the catalog or server told us. */
  contextWindow?: number;
  /** Where contextWindow comes from, for messages ("loaded by LM Studio"). */
  contextSource?: string;
  maxOutputTokens?: number;
  /** True for loopback servers and in-process engines. */
  local: boolean;
  /** Ollama only: the num_ctx to send on every request. */
  numCtx?: number;
  /** Ollama only: how long the server keeps the model loaded after a request (e.g. "30m"). */
  keepAlive?: string;
  /** Stream the response (default). `false` asks for one JSON body, for servers whose streaming is broken. */
  stream?: boolean;
  /** How tools reach the model: "native" API tool calling (default), or "text" (see agent/text-tool-protocol.ts). */
  toolCalls?: "native" | "text";
  /**
   * Whether the model takes images: true or false when settings, the catalog or the server say so, undefined
   * when nobody does. Only a model that does is sent image parts (the others get a placeholder in their place).
   */
  images?: boolean;
  /** Embedded engine only (api "embedded"): the GGUF file and how to run it in-process. */
  embedded?: EmbeddedModelOptions;
};

export type EmbeddedModelOptions = {
  /** Absolute path of the GGUF file. */
  path: string;
  /** Where `hearth engine install` put node-llama-cpp. */
  engineDir: string;
  /** CPU threads (default: one less than the cores, at least 1, at most 4). */
  threads?: number;
  /** Upper bound for the context size; the model's trained context is used up to it. */
  contextSize?: number;
  /** "auto" (default) offloads to a GPU when the engine has a build for one; false runs on the CPU only. */
  gpu?: "auto" | false;
  /** Sampling temperature when the request sets none (default 0: greedy, reproducible). */
  temperature?: number;
  /** Sampling seed, so that a run with temperature > 0 can be repeated exactly. */
  seed?: number;
};

export type ModelRequest = {
  system: string;
  messages: Message[];
  tools: ToolSpec[];
  maxOutputTokens?: number;
  temperature?: number;
};

export type ProviderEvent =
  | { type: "text_delta"; text: string }
  | { type: "reasoning_delta"; text: string; signature?: string }
  /** A complete tool call. `argumentsJson` is the raw JSON text of the arguments (the loop parses and repairs). */
  | { type: "tool_call"; id: string; name: string; argumentsJson: string; signature?: string }
  | { type: "usage"; usage: Usage }
  | { type: "done"; stopReason: Exclude<StopReason, "error" | "aborted"> }
  | { type: "error"; error: ProviderError };

export type { HttpClient, HttpRequest, HttpResponse } from "../protocol/http.ts";

export type StreamOptions = { signal: AbortSignal; http: HttpClient };

export type StreamFunction = (
  model: ResolvedModel,
  request: ModelRequest,
  options: StreamOptions,
) => AsyncIterable<ProviderEvent>;
