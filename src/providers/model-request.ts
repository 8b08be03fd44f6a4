/**
 * The request step HTTP adapters share: build JSON headers, POST a JSON body through the egress seam and turn an
 * error status or a thrown exception into a ProviderError (never throws), and parse JSON frames.
 */
import { readText } from "../egress/http-client.ts";
import type { ProviderError } from "../protocol/errors.ts";
import type { HttpResponse, ResolvedModel, StreamOptions } from "./provider.ts";
import { errorFromException, errorFromStatus } from "./provider-errors.ts";

export type OpenedResponse = { ok: true; response: HttpResponse } | { ok: false; error: ProviderError };

export type ModelPost = {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** Adjust the error for a status >= 400 with what only this protocol knows how to read in the body. */
  refineError?: (error: ProviderError, bodyText: string) => ProviderError;
};

/**
 * JSON request headers: the content type, the protocol's fixed headers, the API key when there is one (a bearer
 * token, or the raw key under `keyHeader`), then the model's configured headers, which override all of these.
 */
export function jsonHeaders(
  model: ResolvedModel,
  options: { keyHeader?: string; fixed?: Record<string, string> } = {},
): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.fixed };
  if (model.apiKey) {
    if (options.keyHeader) headers[options.keyHeader] = model.apiKey;
    else headers.authorization = `Bearer ${model.apiKey}`;
  }
  return { ...headers, ...model.headers };
}

/** POST a model request. A status >= 400 is read and classified; a connection failure becomes an error value. */
export async function postModelRequest(
  model: ResolvedModel,
  post: ModelPost,
  options: StreamOptions,
): Promise<OpenedResponse> {
  try {
    const response = await options.http({
      method: "POST",
      url: post.url,
      headers: post.headers,
      body: JSON.stringify(post.body),
      signal: options.signal,
      purpose: "model",
    });
    if (response.status >= 400) {
      const text = await readText(response.body);
      const error = errorFromStatus(model, response.status, text, response.headers);
      return {
        ok: false,
        error: withoutKey(model, post.refineError ? post.refineError(error, text) : error),
      };
    }
    return { ok: true, response };
  } catch (error) {
    return { ok: false, error: errorFromFailure(model, error, options.signal) };
  }
}

/** An exception while requesting or reading: "aborted" whenever the caller's signal fired, else classified. */
export function errorFromFailure(model: ResolvedModel, error: unknown, signal: AbortSignal): ProviderError {
  if (signal.aborted) return { kind: "aborted", retryable: false, message: "request aborted" };
  return withoutKey(model, errorFromException(model, error));
}

/** Parse one JSON frame or body; `undefined` when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Parse one JSON frame or body that must be an object; `undefined` when it is not JSON or not an object. */
export function parseObject(text: string): Record<string, unknown> | undefined {
  const value = parseJson(text);
  return isRecord(value) ? value : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Servers sometimes echo the key back in an error body; make sure it never reaches a message. */
export function withoutKey(model: ResolvedModel, error: ProviderError): ProviderError {
  const key = model.apiKey;
  if (!key || !error.message.includes(key)) return error;
  return { ...error, message: error.message.split(key).join("<redacted>") };
}
