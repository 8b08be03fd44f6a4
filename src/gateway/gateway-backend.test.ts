/**
 * How the gateway runs requests on a backend: the real context window (a prompt that cannot fit is refused before
 * the backend is called; the answer limit is cut to the room left), the switch to the text tool protocol when a
 * server says the model takes no tools, a backend's failure as the caller's status (429 with retry-after, 502), a
 * failure in the middle of a stream as the format's error event, and the bounded queue (429 with retry-after when
 * full, the waiting requests answered in turn).
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, it } from "node:test";
import type { FakeTurn } from "../../test/fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../../test/fake-server/server.ts";
import {
  fakeBackend,
  GATEWAY_KEY,
  postJson,
  startGateway,
  type TestGateway,
} from "../../test/support/gateway.ts";
import { createRequestQueue } from "./request-queue.ts";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

async function setup(
  script: FakeTurn[],
  extra: Parameters<typeof fakeBackend>[2] = {},
  queue?: Parameters<typeof fakeBackend>[3],
): Promise<{ fake: FakeServer; gateway: TestGateway }> {
  const fake = await startFakeServer({ script });
  const gateway = await startGateway({ default: await fakeBackend(fake.url, "openai-chat", extra, queue) });
  open.push(gateway, fake);
  return { fake, gateway };
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "gpt-5",
  messages: [{ role: "user", content }],
  ...extra,
});

describe("context window", () => {
  it("refuses a prompt that cannot fit the window, as the format's 400, without calling the backend", async () => {
    const { fake, gateway } = await setup([], {
      contextWindow: 1000,
      contextSource: "as loaded by LM Studio",
    });
    const response = await postJson(`${gateway.url}/v1/messages`, {
      model: "claude-x",
      max_tokens: 100,
      messages: [{ role: "user", content: "word ".repeat(1000) }],
    });
    assert.equal(response.status, 400);
    const body = response.json() as { error: { type: string; message: string } };
    assert.equal(body.error.type, "invalid_request_error");
    // Claude Code recognises "prompt is too long" and compacts its conversation.
    assert.match(
      body.error.message,
      /^prompt is too long: about \d+ tokens > 1000 maximum of fake\/m \(as loaded by LM Studio\)/,
    );
    assert.equal(fake.modelRequests.length, 0);
  });

  it("cuts the answer limit to the room left in the window", async () => {
    const { fake, gateway } = await setup([{ text: "ok" }], { contextWindow: 4000 });
    const response = await postJson(`${gateway.url}/v1/chat/completions`, chat("hi", { max_tokens: 32000 }));
    assert.equal(response.status, 200);
    const sent = fake.modelRequests[0].body as { max_tokens: number };
    assert.ok(sent.max_tokens < 4000 && sent.max_tokens > 3900, String(sent.max_tokens));
  });
});

describe("tool calls for models without native tools", () => {
  it("switches to the text tool protocol when the server says so, and reads the call out of the text", async () => {
    const call = '<tool_call>\n{"name": "Read", "arguments": {"filePath": "a.txt"}}\n</tool_call>';
    const { fake, gateway } = await setup([
      { status: 400, errorBody: JSON.stringify({ error: { message: "model does not support tools" } }) },
      { text: `I will read it.\n${call}` },
      { text: `${call}` },
    ]);
    const tools = [
      {
        type: "function",
        function: {
          name: "read",
          parameters: { type: "object", properties: { file_path: { type: "string" } } },
        },
      },
    ];
    const first = await postJson(`${gateway.url}/v1/chat/completions`, chat("read a.txt", { tools }));
    assert.equal(first.status, 200, first.text);
    const message = (first.json() as { choices: Array<{ message: Record<string, unknown> }> }).choices[0]
      .message;
    assert.equal(message.content, "I will read it.");
    const calls = message.tool_calls as Array<{ function: { name: string; arguments: string } }>;
    assert.equal(calls[0].function.name, "read");
    assert.deepEqual(JSON.parse(calls[0].function.arguments), { file_path: "a.txt" });
    // The retry carried the tools in the system prompt, not as native tools; the next request starts that way.
    const retry = fake.modelRequests[1].body as { tools?: unknown; messages: Array<{ content: string }> };
    assert.equal(retry.tools, undefined);
    assert.match(retry.messages[0].content, /<tools>/);
    const second = await postJson(`${gateway.url}/v1/chat/completions`, chat("again", { tools }));
    assert.equal(second.status, 200);
    assert.equal(fake.modelRequests.length, 3);
    assert.equal((fake.modelRequests[2].body as { tools?: unknown }).tools, undefined);
  });
});

describe("backend failures", () => {
  it("passes a backend's 429 on with its retry-after, and a dead backend as 502", async () => {
    const { gateway } = await setup([{ status: 429, headers: { "retry-after": "7" } }]);
    const limited = await postJson(`${gateway.url}/v1/chat/completions`, chat("hi", { stream: true }));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "7");
    assert.equal((limited.json() as { error: { type: string } }).error.type, "rate_limit_exceeded");

    const dead = await startGateway({ default: await fakeBackend("http://127.0.0.1:9", "openai-chat") });
    open.push(dead);
    const refused = await postJson(`${dead.url}/v1/messages`, {
      model: "claude-x",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(refused.status, 502);
    assert.equal((refused.json() as { error: { type: string } }).error.type, "api_error");
  });

  it("ends a stream cut by the backend with the format's error event", async () => {
    const { gateway } = await setup([
      { text: "a long answer that breaks", cutAfterFrames: 3, frameDelayMs: 20 },
    ]);
    const response = await postJson(`${gateway.url}/v1/messages`, {
      model: "claude-x",
      max_tokens: 10,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(response.status, 200);
    assert.match(response.text, /event: content_block_delta/);
    assert.match(response.text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    assert.doesNotMatch(response.text, /message_stop/);
    // The log says so, though the status was 200.
    assert.ok(
      gateway.logs.some((line) => / claude-x -> fake\/m 200 \(the stream failed: .+\) \d+ ms$/.test(line)),
      gateway.logs.join("\n"),
    );
  });
});

describe("slow models", () => {
  it("opens the stream and pings while the model has not answered, then streams the answer", async () => {
    const fake = await startFakeServer({ script: [{ text: "late answer", frameDelayMs: 120 }] });
    const gateway = await startGateway(
      { default: await fakeBackend(fake.url, "openai-chat") },
      { pingMs: 40 },
    );
    open.push(gateway, fake);
    const response = await postJson(`${gateway.url}/v1/messages`, {
      model: "claude-x",
      max_tokens: 10,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(response.status, 200);
    const events = [...response.text.matchAll(/^event: (\w+)/gm)].map((m) => m[1]);
    assert.equal(events[0], "message_start");
    // The opening usage has the gateway's estimate of the prompt; the backend's own count comes at the end.
    const start = JSON.parse(/^data: (.*)$/m.exec(response.text)?.[1] ?? "{}");
    assert.ok(start.message.usage.input_tokens > 0, JSON.stringify(start));
    assert.equal(events[1], "ping");
    const firstDelta = events.indexOf("content_block_delta");
    assert.ok(firstDelta > 1);
    // No ping once the answer has started.
    assert.ok(!events.slice(firstDelta).includes("ping"), events.join(","));
    assert.equal(events.at(-1), "message_stop");
  });
});

describe("callers that go away", () => {
  it("stops the backend's request when the caller disconnects mid-stream", async () => {
    // A backend that streams until its caller hangs up, and says when that happened.
    let upstreamClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      upstreamClosed = resolve;
    });
    const backend = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = {
        id: "c",
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta: { content: "w " } }],
      };
      const timer = setInterval(() => res.write(`data: ${JSON.stringify(chunk)}\n\n`), 10);
      res.on("close", () => {
        clearInterval(timer);
        upstreamClosed();
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
    open.push({ close: () => new Promise<void>((resolve) => backend.close(() => resolve())) });
    const port = (backend.address() as AddressInfo).port;
    const gateway = await startGateway({
      default: await fakeBackend(`http://127.0.0.1:${port}`, "openai-chat"),
    });
    open.push(gateway);
    const caller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      signal: caller.signal,
      headers: { "content-type": "application/json", authorization: `Bearer ${GATEWAY_KEY}` },
      body: JSON.stringify(chat("talk forever", { stream: true })),
    });
    const reader = response.body?.getReader();
    await reader?.read();
    caller.abort();
    await closed;
    while (!gateway.logs.some((line) => line.includes("closed by the caller")))
      await new Promise((resolve) => setTimeout(resolve, 5));
  });
});

describe("bounded queue", () => {
  it("answers 429 with retry-after when the queue is full, and the waiting requests in turn", async () => {
    const slow: FakeTurn = { text: "slow answer", frameDelayMs: 150 };
    const queue = createRequestQueue({ concurrency: 1, waiting: 1 });
    const { fake, gateway } = await setup([slow, slow], {}, queue);
    const url = `${gateway.url}/v1/chat/completions`;
    const first = postJson(url, chat("one"));
    const second = postJson(url, chat("two"));
    // Both are in: one running, one waiting (polled: the machine may be slow to deliver them).
    while (queue.size().running + queue.size().waiting < 2)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const third = await postJson(url, chat("three"));
    assert.equal(third.status, 429);
    assert.equal(third.headers.get("retry-after"), "2");
    assert.match((third.json() as { error: { message: string } }).error.message, /queue is full/);
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    // One at a time: the second reached the backend only after the first was answered.
    const [r1, r2] = fake.modelRequests;
    assert.ok(r1.respondedAt !== undefined && r2.receivedAt >= r1.respondedAt);
    assert.deepEqual(queue.size(), { running: 0, waiting: 0 });
  });
});
