/**
 * The model gateway's HTTP handler (hearth serve): Anthropic Messages (`/v1/messages`, `/v1/messages/count_tokens`),
 * OpenAI Chat Completions (`/v1/chat/completions`), OpenAI Responses (`/v1/responses`) and `/v1/models`. Each
 * request passes the guard (host, origin, key) before its body is read, is read under a size cap, is run by the
 * backend its model name maps to (model-call.ts), and is answered in the caller's own format, streamed as it comes
 * or whole. Errors are answered in the caller's format too. Requests run concurrently; a backend with a queue
 * (the embedded engine) takes them in turn and answers 429 with retry-after when its queue is full.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ProviderError } from "../protocol/errors.ts";
import { shortRandom } from "../protocol/ids.ts";
import type { HttpClient } from "../providers/provider.ts";
import { anthropicWire, parseAnthropicRequest } from "./anthropic-wire.ts";
import { type Backend, callModel, estimateTokens } from "./model-call.ts";
import { openaiChatWire } from "./openai-chat-wire.ts";
import { openaiResponsesWire } from "./openai-responses-wire.ts";
import { createRequestGuard } from "./request-guard.ts";
import type { Release } from "./request-queue.ts";
import type { ResponseMeta, WireCodec, WireFormat, WireRequest } from "./wire.ts";

/** A backend for a requested model name, or why there is none (an HTTP status and one line). */
export type BackendChoice = { ok: true; backend: Backend } | { ok: false; status: number; message: string };

export type GatewayOptions = {
  key: string;
  /** The backend for a requested model name. Must not throw. */
  backendFor(model: string, signal: AbortSignal): Promise<BackendChoice>;
  /** Model names to list on /v1/models. */
  modelNames(): string[];
  /** The HTTP client every upstream request goes through (egress ledger, offline guard). */
  http: HttpClient;
  /** Listening on more than loopback: requests may name the gateway by any IP address (see request-guard.ts). */
  ipHosts?: boolean;
  /** Largest request body taken, in bytes (default 32 MB). */
  maxBodyBytes?: number;
  /** One line per request (method, path, model, backend, status, time); never the key or the body. */
  log?: (line: string) => void;
  now?: () => number;
  /** How often a stream whose model has not answered yet sends a ping (default 5 s). */
  pingMs?: number;
};

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;
/** How often a stream that has nothing to say yet sends a ping. */
const DEFAULT_PING_MS = 5000;
/** Seconds a 429 from a full queue asks the caller to wait. */
const QUEUE_RETRY_AFTER_S = 2;

type Route = { format: WireFormat; codec: WireCodec; kind: "generate" | "count" | "models" };

const ROUTES: Record<string, Route> = {
  "/v1/messages": { format: "anthropic", codec: anthropicWire, kind: "generate" },
  "/v1/messages/count_tokens": { format: "anthropic", codec: anthropicWire, kind: "count" },
  "/v1/chat/completions": { format: "openai-chat", codec: openaiChatWire, kind: "generate" },
  "/v1/responses": { format: "openai-responses", codec: openaiResponsesWire, kind: "generate" },
  "/v1/models": { format: "openai-chat", codec: openaiChatWire, kind: "models" },
};

const ID_PREFIX: Record<WireFormat, string> = {
  anthropic: "msg_",
  "openai-chat": "chatcmpl-",
  "openai-responses": "resp_",
};

export function createGatewayHandler(
  options: GatewayOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const guard = createRequestGuard({ key: options.key, ipHosts: options.ipHosts });
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  return (req, res) => {
    const started = now();
    const path = (req.url ?? "/").split("?")[0].replace(/\/+$/, "") || "/";
    const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
    const codec = route?.codec ?? (path.startsWith("/v1/messages") ? anthropicWire : openaiChatWire);
    let model = "";
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (!res.headersSent) res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, message: string, headers?: Record<string, string>) =>
      reply(status, codec.error(status, message), headers);
    let note = "";
    res.on("close", () => {
      const what = model ? ` ${model}` : "";
      const end = res.writableFinished ? `${res.statusCode}${note}` : "closed by the caller";
      log(`${req.method} ${path}${what} ${end} ${now() - started} ms`);
    });

    const refused = guard(req.headers);
    if (refused) {
      req.resume();
      return fail(refused.status, refused.message);
    }
    if (!route) {
      req.resume();
      return fail(404, `no such endpoint: ${req.method} ${path}`);
    }
    if (route.kind === "models") {
      req.resume();
      if (req.method !== "GET") return fail(405, `${path} takes GET`);
      return reply(200, modelList(options.modelNames(), req.headers["anthropic-version"] !== undefined));
    }
    if (req.method !== "POST") {
      req.resume();
      return fail(405, `${path} takes POST`);
    }
    const controller = new AbortController();
    // The caller went away before the answer ended: stop the backend's work.
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    void readJson(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY).then(async (body) => {
      if (!body.ok) return fail(body.status, body.message);
      const parsed =
        route.kind === "count"
          ? parseAnthropicRequest(body.value, { countOnly: true })
          : codec.parse(body.value);
      if (!parsed.ok) return fail(400, parsed.message);
      model = parsed.value.model;
      const choice = await options.backendFor(parsed.value.model, controller.signal);
      if (!choice.ok) return fail(choice.status, choice.message);
      model = `${parsed.value.model} -> ${choice.backend.name}`;
      if (route.kind === "count")
        return reply(200, { input_tokens: estimateTokens(choice.backend, parsed.value.request) });
      let release: Release | undefined;
      if (choice.backend.queue) {
        const turn = choice.backend.queue.enter(controller.signal);
        if (!turn)
          return fail(429, `${choice.backend.name} is busy and its queue is full; retry shortly`, {
            "retry-after": String(QUEUE_RETRY_AFTER_S),
          });
        try {
          release = await turn;
        } catch {
          return; // the caller went away while waiting
        }
      }
      try {
        note = await answer(res, route, parsed.value, choice.backend, {
          http: options.http,
          signal: controller.signal,
          now,
          pingMs: options.pingMs ?? DEFAULT_PING_MS,
        });
      } finally {
        release?.();
      }
    });
  };
}

/** Run the request and write the answer, streamed or whole. Headers wait for the first piece of the answer, so a
 * failure before it (no connection, a full context) still gets its own HTTP status. */
async function answer(
  res: ServerResponse,
  route: Route,
  wire: WireRequest,
  backend: Backend,
  { http, signal, now, pingMs }: { http: HttpClient; signal: AbortSignal; now: () => number; pingMs: number },
): Promise<string> {
  const meta: ResponseMeta = {
    id: `${ID_PREFIX[route.format]}${shortRandom(24)}`,
    model: wire.model,
    created: Math.floor(now() / 1000),
    customTools: wire.customTools,
    inputTokens: estimateTokens(backend, wire.request),
  };
  const codec = route.codec;
  const stream = wire.stream ? codec.stream(meta, { usage: wire.streamUsage === true }) : undefined;
  const open = () => {
    if (!stream || res.headersSent) return;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.write(stream.start());
  };
  // Deltas that arrive in one turn of the event loop (one read from the backend) leave in one write.
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    res.uncork();
  };
  const write = (frames: string) => {
    if (!frames) return;
    open();
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(uncork);
    }
    res.write(frames);
  };
  // Node 24 drops what is written while corked if the response ends before it is uncorked: uncork first.
  const end = (frames: string) => {
    uncork();
    res.end(frames);
  };
  let spoke = false;
  const sink = {
    text: (delta: string) => {
      spoke = true;
      if (stream) write(stream.text(delta));
    },
    reasoning: (delta: string) => {
      spoke = true;
      if (stream) write(stream.reasoning(delta));
    },
  };
  // A local model may think for minutes before its first token: the stream opens and pings meanwhile, so the
  // caller's idle timeouts do not fire (a failure after that arrives as the format's error event).
  const pings = stream
    ? setInterval(() => {
        if (!spoke) write(stream.ping());
      }, pingMs)
    : undefined;
  const outcome = await callModel(backend, http, wire.request, sink, { signal, stream: wire.stream }).finally(
    () => clearInterval(pings),
  );
  if (signal.aborted) {
    res.destroy();
    return "";
  }
  if (!outcome.ok) {
    if (stream && res.headersSent) {
      end(stream.fail(outcome.error));
      return ` (the stream failed: ${outcome.error.message})`;
    }
    const status = statusOf(outcome.error);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (outcome.error.retryAfterMs !== undefined)
      headers["retry-after"] = String(Math.ceil(outcome.error.retryAfterMs / 1000));
    res.writeHead(status, headers);
    res.end(JSON.stringify(codec.error(status, outcome.error.message)));
    return ` (${outcome.error.message})`;
  }
  if (stream) {
    open();
    end(stream.finish(outcome.message));
    return "";
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(codec.body(outcome.message, meta)));
  return "";
}

/** The HTTP status a backend's failure is answered with. */
export function statusOf(error: ProviderError): number {
  switch (error.kind) {
    case "context_length":
    case "bad_request":
      return 400;
    case "not_found":
      return 404;
    case "rate_limit":
      return 429;
    case "overloaded":
      return 529;
    case "timeout":
      return 504;
    case "aborted":
      return 499;
    default:
      // auth (the backend's key, not the caller's), server, network, malformed: the backend failed.
      return 502;
  }
}

function modelList(names: string[], anthropic: boolean): unknown {
  if (anthropic)
    return {
      data: names.map((id) => ({ type: "model", id, display_name: id, created_at: "1970-01-01T00:00:00Z" })),
      has_more: false,
      first_id: names[0] ?? null,
      last_id: names.at(-1) ?? null,
    };
  return {
    object: "list",
    data: names.map((id) => ({ id, object: "model", created: 0, owned_by: "hearth" })),
  };
}

type Body = { ok: true; value: unknown } | { ok: false; status: number; message: string };

function readJson(req: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      req.resume();
      resolve({ ok: false, status: 413, message: `the body is over the ${limit} byte limit` });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on("error", () => resolve({ ok: false, status: 400, message: "the request body could not be read" }));
    req.on("end", () => {
      if (over)
        return resolve({ ok: false, status: 413, message: `the body is over the ${limit} byte limit` });
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown });
      } catch (error) {
        resolve({ ok: false, status: 400, message: `the body is not JSON: ${(error as Error).message}` });
      }
    });
  });
}
