/**
 * The gateway as an attacker meets it: no key or a wrong one (401, in the caller's error format, key never echoed),
 * a web page (Origin: 403, and no CORS headers anywhere), DNS rebinding (a Host that is not loopback: 403), an
 * oversized or malformed body (413, 400), unknown endpoints and methods. The backend is never called for any of
 * them. Raw node:http requests, so Host and Origin are exactly what the test says.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { type FakeServer, startFakeServer } from "../../test/fake-server/server.ts";
import { fakeBackend, GATEWAY_KEY, startGateway, type TestGateway } from "../../test/support/gateway.ts";

let fake: FakeServer;
let gateway: TestGateway;

before(async () => {
  fake = await startFakeServer({ script: [{ text: "only for the one good request" }] });
  gateway = await startGateway(
    { default: await fakeBackend(fake.url, "openai-chat") },
    { maxBodyBytes: 64 * 1024 },
  );
});
after(async () => {
  await gateway.close();
  await fake.close();
});

type Raw = { status: number; headers: http.IncomingHttpHeaders; body: string };

function raw(options: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: gateway.port,
        method: options.method ?? "POST",
        path: options.path,
        headers: { "content-type": "application/json", ...options.headers },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const MESSAGE = JSON.stringify({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
const CHAT = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });

describe("gateway guard", () => {
  it("refuses a request without a key, in the caller's error format", async () => {
    const anthropic = await raw({ path: "/v1/messages", body: MESSAGE });
    assert.equal(anthropic.status, 401);
    assert.deepEqual(JSON.parse(anthropic.body), {
      type: "error",
      error: { type: "authentication_error", message: "no key: send x-api-key or Authorization: Bearer" },
    });
    const chat = await raw({ path: "/v1/chat/completions", body: CHAT });
    assert.equal(chat.status, 401);
    assert.equal(JSON.parse(chat.body).error.type, "authentication_error");
  });

  it("refuses a wrong key in either header, and never echoes it", async () => {
    const wrong = `${GATEWAY_KEY.slice(0, -1)}X`;
    const attempts: Array<Record<string, string>> = [
      { "x-api-key": wrong },
      { authorization: `Bearer ${wrong}` },
    ];
    for (const headers of attempts) {
      const response = await raw({ path: "/v1/messages", body: MESSAGE, headers });
      assert.equal(response.status, 401);
      assert.ok(!response.body.includes(wrong), response.body);
    }
    // A prefix of the key, or the key with more after it, is no key.
    for (const key of [GATEWAY_KEY.slice(0, 8), `${GATEWAY_KEY}x`, ""]) {
      const response = await raw({ path: "/v1/models", method: "GET", headers: { "x-api-key": key } });
      assert.equal(response.status, 401, key);
    }
  });

  it("refuses browsers: an Origin header gets 403 even with the key, and no response has CORS headers", async () => {
    const response = await raw({
      path: "/v1/messages",
      body: MESSAGE,
      headers: { "x-api-key": GATEWAY_KEY, origin: "https://evil.example" },
    });
    assert.equal(response.status, 403);
    assert.match(JSON.parse(response.body).error.message, /web pages/);
    const preflight = await raw({
      method: "OPTIONS",
      path: "/v1/messages",
      headers: { origin: "https://evil.example" },
    });
    assert.equal(preflight.status, 403);
    for (const r of [response, preflight])
      assert.deepEqual(
        Object.keys(r.headers).filter((name) => name.startsWith("access-control-")),
        [],
      );
  });

  it("refuses a Host that is not loopback (DNS rebinding), and takes localhost and 127.0.0.1", async () => {
    const rebound = await raw({
      path: "/v1/models",
      method: "GET",
      headers: { "x-api-key": GATEWAY_KEY, host: `attacker.example:${gateway.port}` },
    });
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /not this gateway's address/);
    for (const host of [`localhost:${gateway.port}`, `127.0.0.1:${gateway.port}`, `[::1]:${gateway.port}`]) {
      const ok = await raw({
        path: "/v1/models",
        method: "GET",
        headers: { "x-api-key": GATEWAY_KEY, host },
      });
      assert.equal(ok.status, 200, host);
    }
  });

  it("answers 413 for a body over the cap and 400 for one that is not JSON, in the caller's format", async () => {
    const big = JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(70 * 1024) }] });
    const tooBig = await raw({
      path: "/v1/chat/completions",
      body: big,
      headers: { "x-api-key": GATEWAY_KEY },
    });
    assert.equal(tooBig.status, 413);
    assert.match(JSON.parse(tooBig.body).error.message, /over the 65536 byte limit/);
    const broken = await raw({
      path: "/v1/messages",
      body: "{not json",
      headers: { "x-api-key": GATEWAY_KEY },
    });
    assert.equal(broken.status, 400);
    const error = JSON.parse(broken.body);
    assert.equal(error.type, "error");
    assert.equal(error.error.type, "invalid_request_error");
    assert.match(error.error.message, /not JSON/);
    const responses = await raw({
      path: "/v1/responses",
      body: "[1,",
      headers: { "x-api-key": GATEWAY_KEY },
    });
    assert.equal(responses.status, 400);
    assert.equal(JSON.parse(responses.body).error.type, "invalid_request_error");
  });

  it("answers 400 with the field for a request of the wrong shape", async () => {
    const noMax = await raw({
      path: "/v1/messages",
      body: JSON.stringify({ model: "m", messages: [] }),
      headers: { "x-api-key": GATEWAY_KEY },
    });
    assert.equal(noMax.status, 400);
    assert.match(noMax.body, /max_tokens/);
    const badRole = await raw({
      path: "/v1/chat/completions",
      body: JSON.stringify({ model: "m", messages: [{ role: "wizard", content: "x" }] }),
      headers: { authorization: `Bearer ${GATEWAY_KEY}` },
    });
    assert.equal(badRole.status, 400);
    assert.match(JSON.parse(badRole.body).error.message, /messages\[0\]: role "wizard"/);
  });

  it("answers 404 for an unknown endpoint and 405 for the wrong method", async () => {
    const missing = await raw({ path: "/v1/embeddings", body: "{}", headers: { "x-api-key": GATEWAY_KEY } });
    assert.equal(missing.status, 404);
    const get = await raw({ method: "GET", path: "/v1/messages", headers: { "x-api-key": GATEWAY_KEY } });
    assert.equal(get.status, 405);
  });

  it("called the backend only for the one good request", async () => {
    assert.equal(fake.modelRequests.length, 0);
    const good = await raw({
      path: "/v1/chat/completions",
      body: CHAT,
      headers: { "x-api-key": GATEWAY_KEY },
    });
    assert.equal(good.status, 200);
    assert.equal(JSON.parse(good.body).choices[0].message.content, "only for the one good request");
    assert.equal(fake.modelRequests.length, 1);
    // The log has the request and never the key.
    assert.ok(gateway.logs.some((line) => /POST \/v1\/chat\/completions m -> fake\/m 200/.test(line)));
    assert.ok(gateway.logs.every((line) => !line.includes(GATEWAY_KEY)));
  });
});
