/**
 * Test-only: the gateway's handler on a real loopback server, with backends the test builds (a hearth model on
 * the fake model server, or the embedded engine), so SDK clients and raw requests exercise the real HTTP code.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpClient } from "../../src/egress/http-client.ts";
import { createGatewayHandler, type GatewayOptions } from "../../src/gateway/gateway-server.ts";
import { type Backend, createBackend } from "../../src/gateway/model-call.ts";
import type { RequestQueue } from "../../src/gateway/request-queue.ts";
import type { ResolvedModel } from "../../src/providers/provider.ts";
import { loadStreamFunction } from "../../src/providers/registry.ts";

export const GATEWAY_KEY = "test-gateway-key-0123456789";

export type TestGateway = { url: string; port: number; logs: string[]; close(): Promise<void> };

/** A gateway whose every model name is served by `backend` (or by name from `byName`). */
export async function startGateway(
  backends: { default?: Backend; byName?: Record<string, Backend> },
  options: Partial<GatewayOptions> = {},
): Promise<TestGateway> {
  const logs: string[] = [];
  const handler = createGatewayHandler({
    key: GATEWAY_KEY,
    http: createHttpClient({ maxSockets: 256 }),
    backendFor: async (name) => {
      const backend = backends.byName?.[name] ?? backends.default;
      return backend ? { ok: true, backend } : { ok: false, status: 404, message: `no model ${name}` };
    },
    modelNames: () => Object.keys(backends.byName ?? {}),
    log: (line) => logs.push(line),
    ...options,
  });
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    logs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A backend on a fake model server: `api` "openai-chat" at <url>/v1, or "ollama" at <url>. */
export async function fakeBackend(
  url: string,
  api: "openai-chat" | "ollama",
  extra: Partial<ResolvedModel> = {},
  queue?: RequestQueue,
): Promise<Backend> {
  const model: ResolvedModel = {
    provider: api === "ollama" ? "ollama" : "fake",
    id: api === "ollama" ? "qwen2.5-coder:7b" : "m",
    api,
    baseUrl: api === "ollama" ? url : `${url}/v1`,
    local: true,
    ...extra,
  };
  return createBackend(model, await loadStreamFunction(model.api), queue);
}

/** POST JSON to the gateway with the key (or the headers given). */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = { "x-api-key": GATEWAY_KEY },
): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}
