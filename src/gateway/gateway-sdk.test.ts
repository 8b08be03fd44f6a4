/**
 * Protocol conformance: the official SDKs (@anthropic-ai/sdk, openai) as clients of the gateway, streaming and
 * not, with tools, against a hearth model on the fake model server (its Ollama and OpenAI Chat endpoints). What
 * the SDKs read back, and what the backend was sent, are both checked: tool calls translated both ways, the
 * small-model repair applied (`Read`/`filePath` become `read`/`file_path`), usage carried through.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { FakeTurn } from "../../test/fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../../test/fake-server/server.ts";
import { fakeBackend, GATEWAY_KEY, startGateway, type TestGateway } from "../../test/support/gateway.ts";

const READ_TOOL = {
  name: "read",
  description: "Read a file",
  input_schema: {
    type: "object" as const,
    properties: { file_path: { type: "string" } },
    required: ["file_path"],
  },
};
const OPENAI_READ = {
  type: "function" as const,
  function: { name: READ_TOOL.name, description: READ_TOOL.description, parameters: READ_TOOL.input_schema },
};
/** A small model's sloppy call: the tool's name and argument in the wrong case and separator. */
const SLOPPY_CALL = { name: "Read", arguments: { filePath: "notes.txt" } };

let fake: FakeServer;
let gateway: TestGateway;

before(async () => {
  fake = await startFakeServer();
  gateway = await startGateway({});
});
after(async () => {
  await gateway.close();
  await fake.close();
});

/** A fake server scripted for one test, and the gateway pointed at it. */
async function scripted(script: FakeTurn[]): Promise<FakeServer> {
  await fake.close();
  fake = await startFakeServer({ script });
  await gateway.close();
  gateway = await startGateway({
    byName: {
      "claude-sonnet-4-5": await fakeBackend(fake.url, "ollama", { numCtx: 8192 }),
      "gpt-5": await fakeBackend(fake.url, "openai-chat"),
    },
  });
  return fake;
}

const anthropic = () => new Anthropic({ apiKey: GATEWAY_KEY, baseURL: gateway.url, maxRetries: 0 });
const openai = () => new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

describe("@anthropic-ai/sdk against the gateway (Ollama backend)", () => {
  it("answers a message without streaming, with the backend's usage", async () => {
    await scripted([{ text: "hello from qwen", usage: { input: 12, output: 4 } }]);
    const message = await anthropic().messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      system: "be brief",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(message.type, "message");
    assert.equal(message.model, "claude-sonnet-4-5");
    assert.deepEqual(message.content, [{ type: "text", text: "hello from qwen" }]);
    assert.equal(message.stop_reason, "end_turn");
    assert.equal(message.usage.input_tokens, 12);
    assert.equal(message.usage.output_tokens, 4);
    const sent = fake.modelRequests[0].body as Record<string, unknown>;
    assert.equal(sent.model, "qwen2.5-coder:7b");
    assert.deepEqual(sent.messages, [
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
    ]);
    // The real window goes to Ollama (num_ctx), so it never truncates at its own default.
    assert.equal((sent.options as Record<string, unknown>).num_ctx, 8192);
  });

  it("returns a repaired tool call, and sends the tool result back as Ollama's tool message", async () => {
    await scripted([{ toolCalls: [SLOPPY_CALL] }, { text: "the file says hello" }]);
    const client = anthropic();
    const first = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      tools: [READ_TOOL],
      messages: [{ role: "user", content: "read notes.txt" }],
    });
    assert.equal(first.stop_reason, "tool_use");
    const call = first.content.find((b) => b.type === "tool_use");
    assert.ok(call && call.type === "tool_use");
    assert.equal(call.name, "read");
    assert.deepEqual(call.input, { file_path: "notes.txt" });
    const second = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      tools: [READ_TOOL],
      messages: [
        { role: "user", content: "read notes.txt" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "hello" }] },
      ],
    });
    assert.deepEqual(second.content, [{ type: "text", text: "the file says hello" }]);
    const sent = fake.modelRequests[1].body as { messages: Array<Record<string, unknown>>; tools: unknown[] };
    assert.equal(sent.tools.length, 1);
    assert.deepEqual(sent.messages.at(-1), { role: "tool", content: "hello", tool_name: "read" });
    const assistant = sent.messages.at(-2) as { tool_calls: Array<{ function: unknown }> };
    assert.deepEqual(assistant.tool_calls[0].function, {
      name: "read",
      arguments: { file_path: "notes.txt" },
    });
  });

  it("streams text deltas and a tool call that the SDK assembles", async () => {
    await scripted([{ text: "Let me look.", toolCalls: [SLOPPY_CALL], usage: { input: 30, output: 9 } }]);
    const stream = anthropic().messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      tools: [READ_TOOL],
      messages: [{ role: "user", content: "read notes.txt" }],
    });
    const deltas: string[] = [];
    stream.on("text", (text) => deltas.push(text));
    const message = await stream.finalMessage();
    assert.ok(deltas.length >= 2, `text came in pieces: ${JSON.stringify(deltas)}`);
    assert.equal(deltas.join(""), "Let me look.");
    assert.equal(message.stop_reason, "tool_use");
    assert.equal(message.content[0].type, "text");
    const call = message.content[1];
    assert.ok(call.type === "tool_use");
    assert.equal(call.name, "read");
    assert.deepEqual(call.input, { file_path: "notes.txt" });
    assert.equal(message.usage.output_tokens, 9);
  });

  it("counts tokens without calling the backend", async () => {
    await scripted([]);
    const counted = await anthropic().messages.countTokens({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "x".repeat(3000) }],
    });
    assert.ok(counted.input_tokens >= 900 && counted.input_tokens <= 1100, String(counted.input_tokens));
    assert.equal(fake.modelRequests.length, 0);
  });
});

describe("openai SDK against the gateway (OpenAI Chat backend)", () => {
  it("chat.completions without streaming: a repaired tool call", async () => {
    await scripted([{ toolCalls: [SLOPPY_CALL], usage: { input: 20, output: 5 } }]);
    const completion = await openai().chat.completions.create({
      model: "gpt-5",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "read notes.txt" },
      ],
      tools: [OPENAI_READ],
    });
    const choice = completion.choices[0];
    assert.equal(choice.finish_reason, "tool_calls");
    const call = choice.message.tool_calls?.[0];
    assert.ok(call && call.type === "function");
    assert.equal(call.function.name, "read");
    assert.deepEqual(JSON.parse(call.function.arguments), { file_path: "notes.txt" });
    assert.equal(completion.usage?.prompt_tokens, 20);
    assert.equal(completion.model, "gpt-5");
  });

  it("chat.completions streamed: text in pieces, then the tool call and the usage chunk", async () => {
    await scripted([{ text: "Looking now", toolCalls: [SLOPPY_CALL], usage: { input: 20, output: 5 } }]);
    const stream = await openai().chat.completions.create({
      model: "gpt-5",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "read notes.txt" }],
      tools: [OPENAI_READ],
    });
    let text = "";
    let pieces = 0;
    const calls: Array<{ name?: string; arguments?: string }> = [];
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta.content) {
        text += choice.delta.content;
        pieces += 1;
      }
      for (const call of choice.delta.tool_calls ?? []) calls[call.index] = { ...call.function };
      finish = choice.finish_reason ?? finish;
    }
    assert.equal(text, "Looking now");
    assert.ok(pieces >= 2);
    assert.equal(finish, "tool_calls");
    assert.equal(calls[0].name, "read");
    assert.deepEqual(JSON.parse(calls[0].arguments ?? ""), { file_path: "notes.txt" });
    assert.deepEqual(usage, {
      prompt_tokens: 20,
      completion_tokens: 5,
      total_tokens: 25,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  it("responses without streaming: a function call, and its output sent back as a tool message", async () => {
    await scripted([{ toolCalls: [SLOPPY_CALL] }, { text: "done" }]);
    const client = openai();
    const tools = [{ type: "function" as const, strict: false, ...OPENAI_READ.function }];
    const first = await client.responses.create({ model: "gpt-5", input: "read notes.txt", tools });
    const call = first.output.find((item) => item.type === "function_call");
    assert.ok(call && call.type === "function_call");
    assert.equal(call.name, "read");
    assert.deepEqual(JSON.parse(call.arguments), { file_path: "notes.txt" });
    const second = await client.responses.create({
      model: "gpt-5",
      instructions: "be brief",
      tools,
      input: [
        { role: "user", content: "read notes.txt" },
        { type: "function_call", call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: "function_call_output", call_id: call.call_id, output: "hello" },
      ],
    });
    assert.equal(second.output_text, "done");
    assert.equal(second.status, "completed");
    const sent = fake.modelRequests[1].body as { messages: Array<Record<string, unknown>> };
    assert.deepEqual(sent.messages[0], { role: "system", content: "be brief" });
    assert.deepEqual(sent.messages.at(-1), { role: "tool", tool_call_id: call.call_id, content: "hello" });
  });

  it("responses streamed: output_text deltas and a completed response with the call", async () => {
    await scripted([{ text: "Reading", toolCalls: [SLOPPY_CALL], usage: { input: 7, output: 3 } }]);
    const stream = await openai().responses.create({
      model: "gpt-5",
      stream: true,
      input: "read notes.txt",
      tools: [{ type: "function", strict: false, ...OPENAI_READ.function }],
    });
    const deltas: string[] = [];
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") deltas.push(event.delta);
      if (event.type === "response.completed") completed = event.response;
    }
    assert.equal(deltas.join(""), "Reading");
    assert.ok(completed);
    assert.equal(completed.output_text ?? deltas.join(""), "Reading");
    const call = completed.output.find((item) => item.type === "function_call");
    assert.ok(call && call.type === "function_call");
    assert.equal(call.name, "read");
    assert.equal(completed.usage?.input_tokens, 7);
  });
});
