import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../protocol/events.ts";
import type { Message, ToolCallPart } from "../protocol/messages.ts";
import { createFakeProvider, type FakeProviderTurn } from "../providers/fake-provider.ts";
import type { HttpClient, ResolvedModel } from "../providers/provider.ts";
import { type AgentDeps, type LoopTools, runAgent } from "./agent-loop.ts";

const model: ResolvedModel = {
  provider: "fake",
  id: "m",
  api: "openai-chat",
  baseUrl: "http://127.0.0.1:1",
  local: true,
};
const noHttp: HttpClient = async () => {
  throw new Error("no http in loop tests");
};

function tools(run: LoopTools["run"], safe: (name: string) => boolean = () => false): LoopTools {
  return {
    specs: [{ name: "echo", description: "echo", parameters: { type: "object" } }],
    run,
    isConcurrencySafe: safe,
  };
}

const echoTools = tools(async (call) => ({
  content: `echo:${JSON.stringify(call.arguments)}`,
  isError: false,
}));

function call(id: string, name: string, args: object): FakeProviderTurn {
  return [
    { type: "tool_call", id, name, argumentsJson: JSON.stringify(args) },
    { type: "usage", usage: { inputTokens: 10, outputTokens: 5 } },
    { type: "done", stopReason: "tool_use" },
  ];
}
const answer = (text: string): FakeProviderTurn => [
  { type: "text_delta", text: text.slice(0, 2) },
  { type: "text_delta", text: text.slice(2) },
  { type: "usage", usage: { inputTokens: 20, outputTokens: 3 } },
  { type: "done", stopReason: "stop" },
];

async function run(
  turns: FakeProviderTurn[],
  extra: Partial<AgentDeps> = {},
  signal = new AbortController().signal,
) {
  const fake = createFakeProvider(turns);
  const deps: AgentDeps = { model, stream: fake.stream, http: noHttp, tools: echoTools, ...extra };
  const agent = runAgent(
    { sessionId: "s1", system: "sys", messages: [{ role: "user", content: "hi" }] },
    deps,
    signal,
  );
  const events: AgentEvent[] = [];
  for await (const e of agent.events) events.push(e);
  return { events, result: await agent.result, fake };
}

test("a tool round trip then an answer: exact event sequence, history and usage", async () => {
  const cached: FakeProviderTurn = [
    { type: "text_delta", text: "done!" },
    { type: "usage", usage: { inputTokens: 20, outputTokens: 3, cacheReadTokens: 500, cacheWriteTokens: 7 } },
    { type: "done", stopReason: "stop" },
  ];
  const { events, result, fake } = await run([call("c1", "echo", { x: 1 }), cached]);
  assert.deepEqual(
    events.map((e) => e.type),
    [
      "agent_started",
      "turn_started",
      "request_sent",
      "message_ended",
      "tool_call_started",
      "tool_call_ended",
      "turn_ended",
      "turn_started",
      "request_sent",
      "text_delta",
      "message_ended",
      "turn_ended",
      "agent_ended",
    ],
  );
  assert.equal(result.reason, "done");
  assert.equal(result.turns, 2);
  assert.deepEqual(result.usage, {
    inputTokens: 30,
    outputTokens: 8,
    cacheReadTokens: 500,
    cacheWriteTokens: 7,
  });
  assert.deepEqual(
    result.messages.map((m) => m.role),
    ["assistant", "tool", "assistant"],
  );
  const toolMsg = result.messages[1];
  assert.equal(toolMsg.role === "tool" && toolMsg.content, 'echo:{"x":1}');
  // The second request carries the tool result after the call.
  assert.deepEqual(
    fake.requests[1].messages.map((m) => m.role),
    ["user", "assistant", "tool"],
  );
  assert.ok(events.every((e) => e.sessionId === "s1" && typeof e.ts === "number"));
});

test("parallel calls: safe calls run concurrently, results appended in call order", async () => {
  const order: string[] = [];
  const slowFirst = tools(
    async (c: ToolCallPart) => {
      await new Promise((r) => setTimeout(r, c.id === "a" ? 60 : 5));
      order.push(c.id);
      return { content: c.id, isError: false };
    },
    () => true,
  );
  const turn: FakeProviderTurn = [
    { type: "tool_call", id: "a", name: "echo", argumentsJson: "{}" },
    { type: "tool_call", id: "b", name: "echo", argumentsJson: "{}" },
    { type: "done", stopReason: "tool_use" },
  ];
  const { result } = await run([turn, answer("ok")], { tools: slowFirst });
  assert.deepEqual(order, ["b", "a"], "ran concurrently");
  const results = result.messages.filter((m) => m.role === "tool");
  assert.deepEqual(
    results.map((m) => m.role === "tool" && m.toolCallId),
    ["a", "b"],
  );
});

test("unparseable arguments become a tool error the model sees; the tool is not run", async () => {
  let ran = 0;
  const counting = tools(async () => {
    ran++;
    return { content: "x", isError: false };
  });
  const bad: FakeProviderTurn = [
    { type: "tool_call", id: "c1", name: "echo", argumentsJson: '{"path": ' },
    { type: "done", stopReason: "tool_use" },
  ];
  const { result } = await run([bad, answer("ok")], { tools: counting });
  assert.equal(ran, 0);
  const tool = result.messages[1];
  assert.ok(tool.role === "tool" && tool.isError && /not valid JSON/.test(tool.content));
});

test("trailing commas and a code fence around arguments are repaired", async () => {
  const fenced: FakeProviderTurn = [
    { type: "tool_call", id: "c1", name: "echo", argumentsJson: '```json\n{"a": [1, 2,],}\n```' },
    { type: "done", stopReason: "tool_use" },
  ];
  const { result } = await run([fenced, answer("ok")]);
  const tool = result.messages[1];
  assert.ok(tool.role === "tool" && !tool.isError);
  assert.equal(tool.content, 'echo:{"a":[1,2]}');
});

test("max turns ends the run with reason max_turns", async () => {
  const { result } = await run([call("c1", "echo", {}), call("c2", "echo", {})], { maxTurns: 1 });
  assert.equal(result.reason, "max_turns");
  assert.equal(result.turns, 1);
});

test("retryable errors are retried with backoff, others are not", async () => {
  const overloaded: FakeProviderTurn = [
    { type: "error", error: { kind: "overloaded", retryable: true, retryAfterMs: 10, message: "busy" } },
  ];
  const { events, result } = await run([overloaded, overloaded, answer("ok")]);
  assert.equal(result.reason, "done");
  const retries = events.filter((e) => e.type === "retry_scheduled");
  assert.equal(retries.length, 2);
  assert.ok(retries.every((e) => e.type === "retry_scheduled" && e.delayMs === 10));

  const auth: FakeProviderTurn = [
    { type: "error", error: { kind: "auth", retryable: false, message: "bad key" } },
  ];
  const second = await run([auth, answer("never")]);
  assert.equal(second.result.reason, "error");
  assert.equal(second.result.error?.message, "bad key");
  assert.equal(second.fake.remaining(), 1, "no retry on a non-retryable error");
});

test("abort during a hanging request ends promptly with reason aborted", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const started = Date.now();
  const { events, result } = await run(["hang"], {}, controller.signal);
  assert.equal(result.reason, "aborted");
  assert.ok(Date.now() - started < 500);
  assert.equal(events.at(-1)?.type, "agent_ended");
});

test("abort during a tool call: every call still gets exactly one result", async () => {
  const controller = new AbortController();
  const slow = tools(async (_c, signal) => {
    await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
    return { content: "interrupted", isError: true };
  });
  const two: FakeProviderTurn = [
    { type: "tool_call", id: "a", name: "echo", argumentsJson: "{}" },
    { type: "tool_call", id: "b", name: "echo", argumentsJson: "{}" },
    { type: "done", stopReason: "tool_use" },
  ];
  setTimeout(() => controller.abort(), 30);
  const { result } = await run([two], { tools: slow }, controller.signal);
  assert.equal(result.reason, "aborted");
  const toolResults = result.messages.filter((m) => m.role === "tool");
  assert.deepEqual(
    toolResults.map((m) => m.role === "tool" && m.toolCallId),
    ["a", "b"],
  );
  assert.ok(toolResults.every((m) => m.role === "tool" && m.isError));
});

test("idle timeout aborts a silent request and retries it", async () => {
  const { result, events } = await run(["hang", answer("ok")], { idleTimeoutMs: 30 });
  assert.equal(result.reason, "done");
  const retry = events.find((e) => e.type === "retry_scheduled");
  assert.ok(retry && retry.type === "retry_scheduled" && retry.error.kind === "timeout");
});

test("timing: time to first token and tokens per second are recorded", async () => {
  let t = 1000;
  const clock = () => (t += 10);
  const { events } = await run([answer("hello")], { now: clock });
  const ended = events.find((e) => e.type === "message_ended");
  assert.ok(ended && ended.type === "message_ended");
  assert.ok(ended.timing.ttftMs !== null && ended.timing.ttftMs > 0);
  assert.equal(ended.timing.outputTokens, 3);
  assert.ok(ended.timing.tokensPerSecond !== null && ended.timing.tokensPerSecond > 0);
});

test("the script running out is an error, not a hang", async () => {
  const { result } = await run([call("c1", "echo", {})]);
  assert.equal(result.reason, "error");
  assert.match(result.error?.message ?? "", /script exhausted/);
});

test("an unreadable call gets one line naming the tool, where the JSON broke and what to send", async () => {
  const bad: FakeProviderTurn = [
    { type: "tool_call", id: "c1", name: "echo", argumentsJson: '{"path": "a.ts", "text": }' },
    { type: "done", stopReason: "tool_use" },
  ];
  const { result } = await run([bad, answer("ok")]);
  const tool = result.messages[1];
  assert.ok(tool.role === "tool");
  assert.equal(
    tool.content,
    'echo: arguments are not valid JSON at char 26 (unexpected "}"); send one JSON object',
  );
});

test("repaired calls run and say what was repaired on tool_call_ended", async () => {
  const specced = {
    ...echoTools,
    specs: [
      {
        name: "echo",
        description: "echo",
        parameters: { type: "object", properties: { file_path: { type: "string" } } },
      },
    ],
  };
  const sloppy: FakeProviderTurn = [
    { type: "tool_call", id: "c1", name: "Echo", argumentsJson: "{'filePath': 'a.ts',}" },
    { type: "tool_call", id: "c2", name: "echo", argumentsJson: '{"file_path": "b.ts"}' },
    { type: "done", stopReason: "tool_use" },
  ];
  const { events, result } = await run([sloppy, answer("ok")], { tools: specced });
  const ended = events.filter((e) => e.type === "tool_call_ended");
  assert.deepEqual(
    ended.map((e) => e.type === "tool_call_ended" && [e.call.name, e.content, e.repaired]),
    [
      [
        "echo",
        'echo:{"file_path":"a.ts"}',
        [
          "single quotes",
          "trailing comma",
          'tool name "Echo" -> "echo"',
          'argument "filePath" -> "file_path"',
        ],
      ],
      ["echo", 'echo:{"file_path":"b.ts"}', undefined],
    ],
  );
  // The history keeps the repaired call, so the model sees the right form next turn.
  const assistant = result.messages[0];
  assert.ok(assistant.role === "assistant");
  assert.deepEqual(assistant.content[0], {
    type: "tool_call",
    id: "c1",
    name: "echo",
    arguments: { file_path: "a.ts" },
  });
});

test("loop: the third identical call in a row is not run; the model is told and an event says so", async () => {
  let ran = 0;
  const counting = tools(async (c) => {
    ran++;
    return { content: `ran ${JSON.stringify(c.arguments)}`, isError: false };
  });
  const same = (id: string, args: object) => call(id, "echo", args);
  const { events, result, fake } = await run(
    [same("c1", { a: 1, b: 2 }), same("c2", { b: 2, a: 1 }), same("c3", { a: 1, b: 2 }), answer("ok")],
    { tools: counting },
  );
  assert.equal(result.reason, "done");
  assert.equal(ran, 2, "the third repeat did not run");
  const third = result.messages.filter((m) => m.role === "tool")[2];
  assert.ok(third.role === "tool" && third.isError);
  assert.equal(
    third.content,
    "echo was not run: this is the 3rd identical echo call in a row (same arguments) and its earlier results are " +
      "above. Do not repeat it: use those results, or change approach (other arguments or another tool).",
  );
  const detected = events.filter((e) => e.type === "tool_loop_detected");
  assert.equal(detected.length, 1);
  assert.ok(detected[0].type === "tool_loop_detected");
  assert.equal(detected[0].repeats, 3);
  assert.equal(detected[0].call.id, "c3");
  // The model saw the note before its next request.
  const lastRequest = fake.requests.at(-1);
  assert.equal(lastRequest?.messages.at(-1)?.role === "tool" && lastRequest.messages.at(-1), third);
});

test("loop: a different call in between breaks the row, and repeats inside one response count", async () => {
  let ran = 0;
  const counting = tools(async () => {
    ran++;
    return { content: "ok", isError: false };
  });
  const turns = [call("c1", "echo", { x: 1 }), call("c2", "echo", { x: 1 }), call("c3", "echo", { x: 2 })];
  const broken = await run([...turns, call("c4", "echo", { x: 1 }), answer("ok")], { tools: counting });
  assert.equal(ran, 4);
  assert.equal(broken.events.filter((e) => e.type === "tool_loop_detected").length, 0);

  ran = 0;
  const triple: FakeProviderTurn = [
    { type: "tool_call", id: "a", name: "echo", argumentsJson: "{}" },
    { type: "tool_call", id: "b", name: "echo", argumentsJson: "{}" },
    { type: "tool_call", id: "c", name: "echo", argumentsJson: " { } " },
    { type: "tool_call", id: "d", name: "echo", argumentsJson: "{}" },
    { type: "done", stopReason: "tool_use" },
  ];
  const { events } = await run([triple, answer("ok")], { tools: counting });
  assert.equal(ran, 2);
  assert.deepEqual(
    events.flatMap((e) => (e.type === "tool_loop_detected" ? [[e.call.id, e.repeats]] : [])),
    [
      ["c", 3],
      ["d", 4],
    ],
  );
});

/** Every tool call has exactly one result, right after the message that made it. */
function assertWholeTranscript(messages: Message[]): void {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role !== "assistant") continue;
    const ids = m.content.filter((p) => p.type === "tool_call").map((p) => p.type === "tool_call" && p.id);
    const results = messages.slice(i + 1, i + 1 + ids.length);
    assert.deepEqual(
      results.map((r) => r.role === "tool" && r.toolCallId),
      ids,
    );
  }
}

const waitForAbort = tools(async (_c, signal) => {
  await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
  return { content: "interrupted", isError: true };
});

test("max time during a tool call: the tool's signal aborts, the run ends with max_time, every call has a result", async () => {
  const two: FakeProviderTurn = [
    { type: "tool_call", id: "a", name: "echo", argumentsJson: "{}" },
    { type: "tool_call", id: "b", name: "echo", argumentsJson: "{}" },
    { type: "done", stopReason: "tool_use" },
  ];
  const outer = new AbortController();
  const started = Date.now();
  const { result, events, fake } = await run(
    [two, answer("never")],
    { tools: waitForAbort, limits: { maxTimeMs: 60 } },
    outer.signal,
  );
  assert.ok(Date.now() - started < 1000);
  assert.equal(result.reason, "max_time");
  assert.equal(result.error, undefined);
  assert.equal(outer.signal.aborted, false, "the caller's signal is not touched");
  assert.equal(fake.remaining(), 1, "no request after the limit");
  assertWholeTranscript(result.messages);
  const toolTexts = result.messages.filter((m) => m.role === "tool").map((m) => JSON.stringify(m));
  assert.equal(toolTexts.length, 2);
  assert.ok(!toolTexts.some((t) => t.includes("by the user")), `nobody interrupted: ${toolTexts.join("\n")}`);
  const ended = events.at(-1);
  assert.ok(ended?.type === "agent_ended" && ended.reason === "max_time");
});

test("max time during a hanging request ends with max_time, not an error", async () => {
  const started = Date.now();
  const { result } = await run(["hang"], { limits: { maxTimeMs: 50 } });
  assert.ok(Date.now() - started < 1000);
  assert.equal(result.reason, "max_time");
  assert.equal(result.error, undefined);
  assert.deepEqual(result.messages, []);
});

test("an interrupt before the time limit is an interrupt; a run done in time is done", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  const interrupted = await run(["hang"], { limits: { maxTimeMs: 5000 } }, controller.signal);
  assert.equal(interrupted.result.reason, "aborted");
  const quick = await run([answer("ok")], { limits: { maxTimeMs: 5000 } });
  assert.equal(quick.result.reason, "done");
});

test("max cost: checked after each response from its usage; the calls run, then the run stops before the next request", async () => {
  // claude-sonnet-4-5: $3 per million input tokens, $15 per million output: each response below costs $0.45.
  const priced: ResolvedModel = { ...model, provider: "anthropic", id: "claude-sonnet-4-5", local: false };
  const costly = (id: string): FakeProviderTurn => [
    { type: "tool_call", id, name: "echo", argumentsJson: "{}" },
    { type: "usage", usage: { inputTokens: 100_000, outputTokens: 10_000 } },
    { type: "done", stopReason: "tool_use" },
  ];
  const { result, fake, events } = await run([costly("c1"), costly("c2"), answer("never")], {
    model: priced,
    limits: { maxCostUsd: 0.5 },
  });
  assert.equal(result.reason, "max_cost");
  assert.equal(fake.remaining(), 1, "two requests: the third is never sent");
  assert.equal(events.filter((e) => e.type === "request_sent").length, 2);
  assertWholeTranscript(result.messages);
  assert.equal(result.messages.at(-1)?.role, "tool", "the last call ran and has its result");
  assert.deepEqual(result.usage, { inputTokens: 200_000, outputTokens: 20_000 });
});

test("max cost never stops a model without a price (a local one)", async () => {
  const { result } = await run(
    [
      [
        { type: "tool_call", id: "c1", name: "echo", argumentsJson: "{}" },
        { type: "usage", usage: { inputTokens: 10_000_000, outputTokens: 1_000_000 } },
        { type: "done", stopReason: "tool_use" },
      ],
      answer("ok"),
    ],
    { limits: { maxCostUsd: 0.01 } },
  );
  assert.equal(result.reason, "done");
});
