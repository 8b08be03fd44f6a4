/**
 * A model server on 127.0.0.1 that speaks all five wire protocols from a script. Each model request takes the
 * next FakeTurn; a request past the end of the script gets HTTP 500 "script exhausted" and is recorded, so a
 * test that makes one request too many fails loudly.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { renderers } from "./renderers.ts";
import type { FakeTurn, Framing, Rendered, Renderer } from "./script.ts";

export type RecordedRequest = {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown> | null;
  /** Wall-clock time the request arrived (ms since epoch). */
  receivedAt: number;
  /** Wall-clock time the response was fully written, for model requests. */
  respondedAt?: number;
};

export type FakeServerOptions = {
  script?: FakeTurn[];
  /** Models reported by GET /v1/models and /api/tags. */
  models?: string[];
  /** Also answer LM Studio's /api/v0/models and llama.cpp's /props and /v1/models `meta`, as those servers do. */
  serverInfo?: boolean;
  /** Context length reported by Ollama /api/show (and, with serverInfo, the loaded context of the others). */
  contextLength?: number;
};

export type FakeServer = {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Model requests only (the ones that consumed a turn). */
  modelRequests: RecordedRequest[];
  /** Turns not yet consumed. */
  remaining(): number;
  close(): Promise<void>;
};

type Route = { protocol: keyof typeof renderers; stream: boolean; model: string };

function routeOf(method: string, path: string, body: Record<string, unknown> | null): Route | null {
  if (method !== "POST" || !body) return null;
  const stream = body.stream === true;
  const model = typeof body.model === "string" ? body.model : "";
  if (/\/messages$/.test(path)) return { protocol: "anthropic-messages", stream, model };
  if (/\/chat\/completions$/.test(path)) return { protocol: "openai-chat", stream, model };
  if (/\/responses$/.test(path)) return { protocol: "openai-responses", stream, model };
  const gemini = /\/models\/([^/:]+):(streamGenerateContent|generateContent)/.exec(path);
  if (gemini) return { protocol: "gemini", stream: gemini[2] === "streamGenerateContent", model: gemini[1] };
  // Ollama streams unless told not to.
  if (path === "/api/chat") return { protocol: "ollama", stream: body.stream !== false, model };
  return null;
}

export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const script = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  const modelRequests: RecordedRequest[] = [];
  const models = options.models ?? ["fake-model"];
  const sockets = new Set<import("node:net").Socket>();

  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    let body: Record<string, unknown> | null = null;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
    } catch {
      body = null;
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const record: RecordedRequest = {
      method: req.method ?? "",
      path: url.pathname + url.search,
      headers: req.headers,
      body,
      receivedAt: Date.now(),
    };
    requests.push(record);

    if (req.method === "GET" && options.serverInfo && url.pathname.startsWith("/api/v0/models/")) {
      const id = decodeURIComponent(url.pathname.slice("/api/v0/models/".length));
      if (!models.includes(id)) return json(res, 404, { error: `model ${id} not found` });
      return json(res, 200, {
        id,
        quantization: "Q8_0",
        max_context_length: 131072,
        loaded_context_length: options.contextLength ?? 4096,
        state: "loaded",
      });
    }
    if (req.method === "GET" && options.serverInfo && url.pathname === "/api/v0/models") {
      return json(res, 200, {
        object: "list",
        data: models.map((id) => ({
          id,
          quantization: "Q8_0",
          max_context_length: 131072,
          loaded_context_length: options.contextLength ?? 4096,
          state: "loaded",
        })),
      });
    }
    if (req.method === "POST" && url.pathname === "/api/show") {
      return json(res, 200, {
        model_info: {
          "general.architecture": "llama",
          "llama.context_length": options.contextLength ?? 8192,
        },
      });
    }
    if (req.method === "GET" && /\/models$/.test(url.pathname)) {
      // llama.cpp's server adds `meta` (trained context, size); others send id and object only.
      return json(res, 200, {
        object: "list",
        data: models.map((id) => ({
          id,
          object: "model",
          ...(options.serverInfo ? { meta: { n_ctx_train: 32768, size: 4_683_000_000 } } : {}),
        })),
      });
    }
    if (req.method === "GET" && url.pathname === "/api/tags") {
      return json(res, 200, {
        models: models.map((name) => ({
          name,
          model: name,
          size: 4_683_087_332,
          details: { quantization_level: "Q4_K_M", parameter_size: "7.6B" },
        })),
      });
    }
    if (req.method === "GET" && options.serverInfo && url.pathname === "/props") {
      return json(res, 200, { default_generation_settings: { n_ctx: options.contextLength ?? 8192 } });
    }
    const route = routeOf(req.method ?? "", url.pathname, body);
    if (!route)
      return json(res, 404, {
        error: { message: `fake server: no route for ${req.method} ${url.pathname}` },
      });
    modelRequests.push(record);
    const turn = script.shift();
    if (!turn) return json(res, 500, { error: { message: "fake server: script exhausted" } });
    if (turn.hang) return; // never answer; the client must abort
    if (turn.status) {
      res.writeHead(turn.status, { "content-type": "application/json", ...turn.headers });
      res.end(turn.errorBody ?? JSON.stringify({ error: { message: `fake error ${turn.status}` } }));
      return;
    }
    const renderer: Renderer = renderers[route.protocol];
    const rendered = renderer(turn, { stream: route.stream, model: route.model, requestBody: body ?? {} });
    await writeRendered(res, rendered, turn);
    record.respondedAt = Date.now();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    modelRequests,
    remaining: () => script.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const CONTENT_TYPE: Record<Framing, string> = {
  sse: "text/event-stream",
  ndjson: "application/x-ndjson",
  json: "application/json",
};

function frameText(framing: Framing, frame: { event?: string; data: string }): string {
  if (framing === "sse") return `${frame.event ? `event: ${frame.event}\n` : ""}data: ${frame.data}\n\n`;
  if (framing === "ndjson") return `${frame.data}\n`;
  return frame.data;
}

async function writeRendered(res: http.ServerResponse, rendered: Rendered, turn: FakeTurn): Promise<void> {
  res.writeHead(200, { "content-type": CONTENT_TYPE[rendered.framing], ...turn.headers });
  const frames = [...rendered.frames];
  if (turn.malformed) frames.splice(1, 0, { event: frames[0]?.event, data: '{"broken": ' });
  for (let i = 0; i < frames.length; i++) {
    if (turn.cutAfterFrames !== undefined && i >= turn.cutAfterFrames) {
      res.socket?.destroy();
      return;
    }
    if (turn.frameDelayMs) await new Promise((r) => setTimeout(r, turn.frameDelayMs));
    res.write(frameText(rendered.framing, frames[i]));
  }
  res.end();
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(""));
  });
}
