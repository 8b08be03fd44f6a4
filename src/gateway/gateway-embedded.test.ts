/**
 * The gateway backed by the embedded engine with the test GGUF (random weights: plumbing, not answers): the
 * official SDKs get well-formed answers streamed and not, a request with tools gets a text answer or a call of a
 * tool it offered (the engine's grammar allows nothing else), and the engine's bounded queue answers one request
 * at a time and 429 with retry-after once full. Needs the engine (hearth engine install, or HEARTH_ENGINE_DIR).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { GATEWAY_KEY, postJson, startGateway, type TestGateway } from "../../test/support/gateway.ts";
import { loadEmbeddedModel, unloadEmbeddedModel } from "../providers/embedded.ts";
import { engineDir, installedEngineVersion } from "../providers/embedded-engine.ts";
import type { ResolvedModel } from "../providers/provider.ts";
import { loadStreamFunction } from "../providers/registry.ts";
import { createBackend } from "./model-call.ts";
import { createRequestQueue } from "./request-queue.ts";

const GGUF = join(import.meta.dirname ?? ".", "../../test/fixtures/llama-2-tiny-random.gguf");
const ENGINE_DIR = engineDir(process.env);
const skip = installedEngineVersion(ENGINE_DIR)
  ? false
  : `the embedded engine is not installed in ${ENGINE_DIR}: run hearth engine install (or set HEARTH_ENGINE_DIR)`;

const model: ResolvedModel = {
  provider: "local",
  id: "tiny",
  api: "embedded",
  baseUrl: "",
  local: true,
  contextWindow: 2048,
  embedded: { path: GGUF, engineDir: ENGINE_DIR, threads: 1, contextSize: 2048 },
};

let gateway: TestGateway;
const queue = createRequestQueue({ concurrency: 1, waiting: 1 });

describe("gateway on the embedded engine", { skip }, () => {
  before(async () => {
    await loadEmbeddedModel(model);
    gateway = await startGateway({
      default: createBackend(model, await loadStreamFunction("embedded"), queue),
    });
  });
  after(async () => {
    await gateway?.close();
    await unloadEmbeddedModel();
  });

  it("answers @anthropic-ai/sdk, streamed and not", async () => {
    const client = new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.url, maxRetries: 0 });
    const request = {
      model: "claude-x",
      max_tokens: 12,
      messages: [{ role: "user" as const, content: "hi" }],
    };
    const whole = await client.messages.create(request);
    assert.equal(whole.role, "assistant");
    assert.ok(whole.usage.input_tokens > 0 && whole.usage.output_tokens > 0, JSON.stringify(whole.usage));
    assert.ok(whole.usage.output_tokens <= 12);
    const streamed = await client.messages.stream(request).finalMessage();
    assert.ok(["end_turn", "max_tokens"].includes(String(streamed.stop_reason)));
    assert.ok(streamed.usage.output_tokens > 0);
  });

  it("answers the openai SDK with tools: text, or a call of the tool it offered", async () => {
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "read",
          description: "Read a file",
          parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
        },
      },
    ];
    const completion = await client.chat.completions.create({
      model: "gpt-x",
      max_tokens: 48,
      messages: [{ role: "user", content: "read a.txt" }],
      tools,
    });
    const message = completion.choices[0].message;
    for (const call of message.tool_calls ?? []) {
      assert.ok(call.type === "function");
      assert.equal(call.function.name, "read");
      assert.equal(typeof JSON.parse(call.function.arguments), "object");
    }
    const stream = await client.responses.create({
      model: "gpt-x",
      input: "hi",
      max_output_tokens: 12,
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    assert.equal(types[0], "response.created");
    assert.ok(["response.completed", "response.incomplete"].includes(String(types.at(-1))), types.join(","));
  });

  it("queues requests one at a time and answers 429 with retry-after when the queue is full", async () => {
    const body = { model: "gpt-x", max_tokens: 24, messages: [{ role: "user", content: "count" }] };
    const url = `${gateway.url}/v1/chat/completions`;
    const first = postJson(url, body);
    const second = postJson(url, body);
    // Both are in: one running, one waiting (polled: the machine may be slow to deliver them).
    while (queue.size().running + queue.size().waiting < 2)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const third = await postJson(url, body);
    assert.equal(third.status, 429);
    assert.equal(third.headers.get("retry-after"), "2");
    const answered = await Promise.all([first, second]);
    assert.deepEqual(
      answered.map((r) => r.status),
      [200, 200],
    );
    assert.deepEqual(queue.size(), { running: 0, waiting: 0 });
  });
});
