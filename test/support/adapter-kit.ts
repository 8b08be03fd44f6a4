/**
 * Test-only helpers the adapter tests share: run an adapter against the fake model server (or a raw server for wire
 * shapes a FakeTurn cannot express), drain its stream while checking the StreamFunction contract, and pick events
 * apart.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { createHttpClient } from "../../src/egress/http-client.ts";
import type { ProviderError } from "../../src/protocol/errors.ts";
import type {
  ModelRequest,
  ProviderEvent,
  ResolvedModel,
  StreamFunction,
} from "../../src/providers/provider.ts";
import { withStreamContract } from "../../src/providers/stream-contract.ts";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makePng } from "./images.ts";

export const testHttp = createHttpClient();

export const simpleRequest: ModelRequest = {
  system: "be brief",
  messages: [{ role: "user", content: "hi" }],
  tools: [],
};

/** The base64 of a small PNG made by the test (test/support/images.ts). */
export const PNG_BASE64 = makePng(3, 3).toString("base64");

/** A prompt with an image before its text, an answer, and a follow-up in plain text: each adapter maps all three. */
export const imageRequest: ModelRequest = {
  system: "",
  messages: [
    {
      role: "user",
      content: [
        { type: "image", mediaType: "image/png", data: PNG_BASE64, name: "shot.png" },
        { type: "text", text: "what is this?" },
      ],
    },
    { role: "assistant", content: [{ type: "text", text: "a square" }], stopReason: "stop" },
    { role: "user", content: "what colour?" },
  ],
  tools: [],
};

export type ModelAt = (baseUrl: string, extra?: Partial<ResolvedModel>) => ResolvedModel;

/** A factory for the model under test at a server's URL; `extra` overrides any field. */
export function modelFactory(defaults: Omit<ResolvedModel, "baseUrl">): ModelAt {
  return (baseUrl, extra = {}) => ({ ...defaults, baseUrl, ...extra });
}

/** Drains a stream. Fails the test if it throws or does not end with exactly one `done` or `error`. */
export async function drain(stream: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    assert.fail(`the stream function threw: ${String(error)}`);
  }
  const terminals = events.filter((event) => event.type === "done" || event.type === "error");
  assert.equal(terminals.length, 1, `expected one terminal event, got ${JSON.stringify(events)}`);
  assert.equal(events.at(-1), terminals[0], "done or error comes last");
  return events;
}

/**
 * The per-adapter runners: `collect` calls a model directly, `run` calls one on a fresh fake server. The adapter
 * runs under the StreamFunction contract, as the registry hands it out (src/providers/registry.ts).
 */
export function adapterRunner(raw: StreamFunction, model: ModelAt) {
  const adapter = withStreamContract(raw);
  const collect = (
    resolved: ResolvedModel,
    request: ModelRequest = simpleRequest,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<ProviderEvent[]> => drain(adapter(resolved, request, { signal, http: testHttp }));
  /** Starts a fake server with `script`, runs the adapter on it, closes it; returns the events and the server. */
  const run = async (
    script: FakeTurn[],
    request: ModelRequest = simpleRequest,
    extra: Partial<ResolvedModel> = {},
    signal?: AbortSignal,
  ): Promise<{ events: ProviderEvent[]; server: FakeServer }> =>
    withFake(script, async (server) => ({
      events: await collect(model(server.url, extra), request, signal),
      server,
    }));
  return { collect, run };
}

/** The error the events end with; fails the test when they end otherwise. */
export function errorOf(events: ProviderEvent[]): ProviderError {
  const last = events.at(-1);
  assert.equal(last?.type, "error", `expected an error, got ${JSON.stringify(events)}`);
  return (last as Extract<ProviderEvent, { type: "error" }>).error;
}

export function textOf(
  events: ProviderEvent[],
  type: "text_delta" | "reasoning_delta" = "text_delta",
): string {
  return events.map((event) => (event.type === type ? event.text : "")).join("");
}

export function toolCallsOf(events: ProviderEvent[]): Array<Extract<ProviderEvent, { type: "tool_call" }>> {
  return events.filter(
    (event): event is Extract<ProviderEvent, { type: "tool_call" }> => event.type === "tool_call",
  );
}

/** Runs `body` with a fake model server playing `script`, and closes the server afterwards. */
export async function withFake<T>(script: FakeTurn[], body: (server: FakeServer) => Promise<T>): Promise<T> {
  const server = await startFakeServer({ script });
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

export type RawServer = { url: string; close(): Promise<void> };

/** A server on 127.0.0.1 that answers every request with one fixed 200 body. */
export async function startRawServer(contentType: string, body: string): Promise<RawServer> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": contentType });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `body` with a raw server (see startRawServer) and closes it afterwards. */
export async function withRawServer<T>(
  contentType: string,
  text: string,
  body: (url: string) => Promise<T>,
): Promise<T> {
  const server = await startRawServer(contentType, text);
  try {
    return await body(server.url);
  } finally {
    await server.close();
  }
}

/** One SSE frame: an optional event name, then the data (a string as is, anything else as JSON). */
export function sseFrame(data: unknown, event?: string): string {
  const text = typeof data === "string" ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ""}data: ${text}\n\n`;
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago), for connection-refused tests. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
