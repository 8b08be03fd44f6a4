/**
 * The one place hearth makes outbound HTTP requests (the egress seam). Built on node:http/https rather than
 * fetch so that a connect timeout, abort and byte accounting are exact. Offline enforcement and the egress
 * ledger attach here through `onExchange` / `beforeRequest`.
 */
import http from "node:http";
import type { HttpClient, HttpRequest, HttpResponse } from "../protocol/http.ts";

export type HttpErrorCode = "network" | "timeout" | "aborted" | "refused_offline";

/** A request that did not get a response: no connection, timeout, abort. */
export class HttpError extends Error {
  readonly code: HttpErrorCode;
  /** The system error code (ECONNREFUSED, ENOTFOUND, ...) when there is one. */
  readonly sysCode?: string;
  constructor(code: HttpErrorCode, message: string, sysCode?: string) {
    super(message);
    this.name = "HttpError";
    this.code = code;
    this.sysCode = sysCode;
  }
}

export type Exchange = {
  method: string;
  host: string;
  purpose: string;
  status: number | null;
  bytesSent: number;
  bytesReceived: number;
  startedAt: number;
  durationMs: number;
};

export type HttpClientOptions = {
  /** Called once per request when it finishes (or fails). Must not throw. */
  onExchange?: (exchange: Exchange) => void;
  /** Called before a request is made; throw an HttpError to refuse it (offline mode). */
  beforeRequest?: (request: HttpRequest, url: URL) => void;
  /** Connections held open per protocol (default 8); the model gateway serves many streams at once. */
  maxSockets?: number;
};

const DEFAULT_CONNECT_TIMEOUT_MS = 3000;

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const agents = new Map<string, http.Agent>();
  const agentFor = async (protocol: string): Promise<http.Agent> => {
    let agent = agents.get(protocol);
    if (!agent) {
      // https (and tls) load only when a request needs them.
      const mod = protocol === "https:" ? await import("node:https") : http;
      agent = new mod.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 8 });
      agents.set(protocol, agent);
    }
    return agent;
  };

  return async (request) => {
    const url = new URL(request.url);
    options.beforeRequest?.(request, url);
    if (request.signal.aborted) throw new HttpError("aborted", "request aborted");
    const agent = await agentFor(url.protocol);
    const mod = url.protocol === "https:" ? await import("node:https") : http;
    const startedAt = Date.now();
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    let bytesReceived = 0;
    let status: number | null = null;
    let reported = false;
    const report = () => {
      if (reported) return;
      reported = true;
      options.onExchange?.({
        method: request.method,
        host: url.host,
        purpose: request.purpose,
        status,
        bytesSent: (body?.length ?? 0) + headerBytes(request),
        bytesReceived,
        startedAt,
        durationMs: Date.now() - startedAt,
      });
    };

    return new Promise<HttpResponse>((resolve, reject) => {
      const headers: Record<string, string | number> = { ...request.headers };
      if (body) headers["content-length"] = body.length;
      const req = mod.request(url, { method: request.method, headers, agent });
      let connectTimer: NodeJS.Timeout | undefined;
      const fail = (error: HttpError) => {
        clearTimeout(connectTimer);
        request.signal.removeEventListener("abort", onAbort);
        req.destroy(error);
        report();
        reject(error);
      };
      let response: http.IncomingMessage | undefined;
      const onAbort = () => {
        // A response that has fully arrived has nothing left to abort, and its socket may already be back in
        // the agent's pool serving another request: destroying it would break that one.
        if (response?.complete) {
          request.signal.removeEventListener("abort", onAbort);
          report();
          return;
        }
        fail(new HttpError("aborted", "request aborted"));
      };
      request.signal.addEventListener("abort", onAbort, { once: true });

      req.on("socket", (socket) => {
        if (!socket.connecting) return;
        const ms = request.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
        connectTimer = setTimeout(
          () => fail(new HttpError("timeout", `no connection to ${url.host} within ${ms} ms`)),
          ms,
        );
        socket.once("connect", () => clearTimeout(connectTimer));
      });
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (error instanceof HttpError) return; // already handled by fail()
        fail(new HttpError("network", error.message, error.code));
      });
      req.on("response", (res) => {
        clearTimeout(connectTimer);
        response = res;
        status = res.statusCode ?? 0;
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
        }
        const stream = (async function* () {
          try {
            for await (const chunk of res) {
              bytesReceived += (chunk as Buffer).length;
              yield chunk as Uint8Array;
            }
            if (!res.complete) throw new HttpError("network", "connection closed before the response ended");
          } catch (error) {
            if (error instanceof HttpError) throw error;
            if (request.signal.aborted) throw new HttpError("aborted", "request aborted");
            const err = error as NodeJS.ErrnoException;
            throw new HttpError("network", err.message || "connection lost", err.code);
          } finally {
            request.signal.removeEventListener("abort", onAbort);
            if (!res.complete) res.destroy();
            report();
          }
        })();
        resolve({ status, headers: flat, body: stream });
      });
      req.end(body);
    });
  };
}

function headerBytes(request: HttpRequest): number {
  let n = request.method.length + request.url.length + 12;
  for (const [k, v] of Object.entries(request.headers)) n += k.length + v.length + 4;
  return n;
}

/** Read a whole body as text (for error responses and non-streamed replies). */
export async function readText(body: AsyncIterable<Uint8Array>, limit = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < limit) chunks.push(Buffer.from(chunk));
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}
