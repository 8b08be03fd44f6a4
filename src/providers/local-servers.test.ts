import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { test } from "node:test";
import { startFakeServer } from "../../test/fake-server/server.ts";
import { createHttpClient } from "../egress/http-client.ts";
import { LOCAL_DEFAULTS, ollamaModelInfo, probeLocalServers, resolveOllamaBaseUrl } from "./local-servers.ts";
import type { HttpRequest } from "./provider.ts";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never says a word. */
async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test("finds a server on the LM Studio address, with its models and probe requests", async () => {
  const fake = await startFakeServer({ models: ["qwen2.5-coder-7b", "text-embedding-nomic"] });
  const requests: HttpRequest[] = [];
  const http = createHttpClient({ beforeRequest: (request) => void requests.push(request) });
  try {
    const found = await probeLocalServers(http, {
      ollamaBaseUrl: `http://127.0.0.1:${await freePort()}`,
      lmstudioBaseUrl: `${fake.url}/v1`,
      llamacppBaseUrl: `http://127.0.0.1:${await freePort()}/v1`,
    });
    assert.deepEqual(found, [
      {
        provider: "lmstudio",
        baseUrl: `${fake.url}/v1`,
        models: ["qwen2.5-coder-7b", "text-embedding-nomic"],
      },
    ]);
    assert.equal(requests.length, 3);
    assert.ok(requests.every((r) => r.purpose === "probe" && r.method === "GET"));
    assert.ok(requests.every((r) => r.connectTimeoutMs !== undefined && r.connectTimeoutMs <= 300));
    assert.ok(requests.some((r) => r.url.endsWith("/api/tags")));
  } finally {
    await fake.close();
  }
});

test("reports every server that answers, in the order ollama, lmstudio, llamacpp", async () => {
  const fake = await startFakeServer({ models: ["m1"] });
  try {
    const found = await probeLocalServers(createHttpClient(), {
      llamacppBaseUrl: `${fake.url}/v1`,
      lmstudioBaseUrl: `${fake.url}/v1/`,
      ollamaBaseUrl: fake.url,
    });
    assert.deepEqual(
      found.map((s) => [s.provider, s.baseUrl, s.models]),
      [
        ["ollama", fake.url, ["m1"]],
        ["lmstudio", `${fake.url}/v1`, ["m1"]],
        ["llamacpp", `${fake.url}/v1`, ["m1"]],
      ],
    );
  } finally {
    await fake.close();
  }
});

test("a server that accepts and never answers is skipped within the 300 ms budget", async () => {
  const silent = await startSilentServer();
  const fake = await startFakeServer();
  try {
    const started = Date.now();
    const found = await probeLocalServers(createHttpClient(), {
      ollamaBaseUrl: silent.url,
      lmstudioBaseUrl: `${silent.url}/v1`,
      llamacppBaseUrl: `${fake.url}/v1`,
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 450, `took ${elapsed} ms`);
    assert.deepEqual(
      found.map((s) => s.provider),
      ["llamacpp"],
    );
  } finally {
    await silent.close();
    await fake.close();
  }
});

test("the budget holds even for an HTTP client that ignores the abort signal", async () => {
  const started = Date.now();
  const found = await probeLocalServers(() => new Promise(() => {}), { timeoutMs: 100 });
  assert.deepEqual(found, []);
  assert.ok(Date.now() - started < 250);
});

test("returns [] when nothing listens, and never throws", async () => {
  const http = createHttpClient();
  const found = await probeLocalServers(http, {
    ollamaBaseUrl: `http://127.0.0.1:${await freePort()}`,
    lmstudioBaseUrl: `http://127.0.0.1:${await freePort()}/v1`,
    llamacppBaseUrl: `http://127.0.0.1:${await freePort()}/v1`,
  });
  assert.deepEqual(found, []);
  const throwing = await probeLocalServers(() => Promise.reject(new Error("boom")), {});
  assert.deepEqual(throwing, []);
});

test("an aborted signal ends probing at once", async () => {
  const controller = new AbortController();
  controller.abort();
  assert.deepEqual(await probeLocalServers(() => new Promise(() => {}), { signal: controller.signal }), []);
});

test("ollamaModelInfo reads the architecture's context_length from /api/show", async () => {
  const fake = await startFakeServer();
  try {
    const info = await ollamaModelInfo(
      createHttpClient(),
      fake.url,
      "qwen3:8b",
      new AbortController().signal,
    );
    assert.deepEqual(
      info,
      { contextLength: 8192 },
      "no capabilities listed: whether it takes images is unknown",
    );
    const show = fake.requests.find((r) => r.path === "/api/show");
    assert.deepEqual(show?.body, { model: "qwen3:8b" });
  } finally {
    await fake.close();
  }
});

test("ollamaModelInfo: num_ctx in parameters wins; a 'vision' capability means images; failures give {}", async () => {
  const body = JSON.stringify({
    parameters: 'stop "<|im_end|>"\nnum_ctx                        16384\ntemperature 0.7',
    model_info: { "general.architecture": "qwen3", "qwen3.context_length": 40960 },
    capabilities: ["completion", "tools"],
  });
  const http = async () => ({
    status: 200,
    headers: {},
    body: (async function* () {
      yield Buffer.from(body);
    })(),
  });
  assert.deepEqual(await ollamaModelInfo(http, "http://x", "m", new AbortController().signal), {
    contextLength: 16384,
    vision: false,
  });
  const other = JSON.stringify({
    model_info: { "general.architecture": "x", "gemma3.context_length": 131072 },
    capabilities: ["completion", "vision"],
  });
  const http2 = async () => ({
    status: 200,
    headers: {},
    body: (async function* () {
      yield Buffer.from(other);
    })(),
  });
  assert.deepEqual(await ollamaModelInfo(http2, "http://x", "m", new AbortController().signal), {
    contextLength: 131072,
    vision: true,
  });
  const port = await freePort();
  const signal = new AbortController().signal;
  assert.deepEqual(await ollamaModelInfo(createHttpClient(), `http://127.0.0.1:${port}`, "m", signal), {});
});

test("resolveOllamaBaseUrl reads OLLAMA_HOST the way Ollama does", () => {
  assert.equal(resolveOllamaBaseUrl(undefined), LOCAL_DEFAULTS.ollama.baseUrl);
  assert.equal(resolveOllamaBaseUrl(""), "http://127.0.0.1:11434");
  assert.equal(resolveOllamaBaseUrl("0.0.0.0"), "http://127.0.0.1:11434");
  assert.equal(resolveOllamaBaseUrl("0.0.0.0:11434"), "http://127.0.0.1:11434");
  assert.equal(resolveOllamaBaseUrl("gpu-box:9000"), "http://gpu-box:9000");
  assert.equal(resolveOllamaBaseUrl("gpu-box"), "http://gpu-box:11434");
  assert.equal(resolveOllamaBaseUrl("http://10.0.0.5:11434/"), "http://10.0.0.5:11434");
  assert.equal(resolveOllamaBaseUrl("https://ollama.example.com"), "https://ollama.example.com:443");
  assert.equal(resolveOllamaBaseUrl("http://0.0.0.0:8000"), "http://127.0.0.1:8000");
  assert.equal(resolveOllamaBaseUrl('"[::1]:11500"'), "http://[::1]:11500");
  assert.equal(resolveOllamaBaseUrl("::"), "http://127.0.0.1:11434");
});

test("LOCAL_DEFAULTS point at each server's default port and protocol", () => {
  assert.deepEqual(LOCAL_DEFAULTS, {
    ollama: { baseUrl: "http://127.0.0.1:11434", api: "ollama" },
    lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-chat" },
    llamacpp: { baseUrl: "http://127.0.0.1:8080/v1", api: "openai-chat" },
  });
});
