/**
 * The loop recovering from what servers do: silence (first-byte and idle clocks, the retry budget), a Retry-After
 * past the budget, an answer cut off by the output limit, a request refused as too long, and repeated call ids.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../protocol/events.ts";
import type { Message } from "../protocol/messages.ts";
import { createFakeProvider, type FakeProviderTurn } from "../providers/fake-provider.ts";
import type { HttpClient, ProviderEvent, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import { type AgentDeps, CONTINUE_PROMPT, runAgent } from "./agent-loop.ts";
import { responseLimits } from "./response-limits.ts";

const cloud: ResolvedModel = {
  provider: "cloudy",
  id: "m",
  api: "openai-chat",
  baseUrl: "https://api.example.invalid",
  local: false,
};
const local: ResolvedModel = { ...cloud, provider: "ollama", api: "ollama", local: true };
const noHttp: HttpClient = async () => {
  throw new Error("no http in loop tests");
};
const echo: AgentDeps["tools"] = {
  specs: [{ name: "echo", description: "echo", parameters: { type: "object" } }],
  run: async (call) => ({ content: `ran ${call.id}`, isError: false }),
  isConcurrencySafe: () => false,
};
const answer = (text: string, stopReason: "stop" | "length" = "stop"): FakeProviderTurn => [
  { type: "text_delta", text },
  { type: "usage", usage: { inputTokens: 10, outputTokens: 3 } },
  { type: "done", stopReason },
];

async function drive(stream: StreamFunction, extra: Partial<AgentDeps> = {}, messages?: Message[]) {
  const agent = runAgent(
    { sessionId: "s", system: "sys", messages: messages ?? [{ role: "user", content: "hi" }] },
    { model: cloud, stream, http: noHttp, tools: echo, ...extra },
    new AbortController().signal,
  );
  const events: AgentEvent[] = [];
  for await (const event of agent.events) events.push(event);
  return { events, result: await agent.result };
}

const ofType = <K extends AgentEvent["type"]>(events: AgentEvent[], type: K) =>
  events.filter((e): e is Extract<AgentEvent, { type: K }> => e.type === type);

test("defaults per provider kind: cloud 60 s to the first byte and a 60 s budget; local 300 s and 10 min; the setting overrides both timeouts", () => {
  const c = responseLimits(cloud);
  assert.deepEqual([c.firstByteTimeoutMs, c.idleTimeoutMs, c.retry.budgetMs], [60_000, 300_000, 60_000]);
  const l = responseLimits(local);
  assert.deepEqual([l.firstByteTimeoutMs, l.idleTimeoutMs, l.retry.budgetMs], [300_000, 300_000, 600_000]);
  const set = responseLimits(cloud, { idleTimeoutMs: 5000, retryBudgetMs: 9000 });
  assert.deepEqual([set.firstByteTimeoutMs, set.idleTimeoutMs, set.retry.budgetMs], [5000, 5000, 9000]);
});

test("a silent server: hearth gives up when the retry budget is spent, and says after how many attempts", async () => {
  const fake = createFakeProvider(["hang", "hang", "hang", "hang", "hang"]);
  const started = Date.now();
  const { result, events } = await drive(fake.stream, { idleTimeoutMs: 60, retryBudgetMs: 1000 });
  const took = Date.now() - started;
  assert.equal(result.reason, "error");
  assert.equal(result.error?.kind, "timeout");
  const attempts = 5 - fake.remaining();
  assert.ok(attempts >= 2 && attempts < 5, `${attempts} attempts`);
  assert.ok(took < 1500, `took ${took} ms with a 1 s budget`);
  assert.match(
    result.error?.message ?? "",
    new RegExp(`sent nothing for 0\\.1 s; gave up after ${attempts} attempts`),
  );
  assert.doesNotMatch(result.error?.message ?? "", /retrying/);
  assert.equal(ofType(events, "retry_scheduled").length, attempts - 1);
});

test("the last allowed attempt ends with 'gave up after 5 attempts', not 'retrying'", async () => {
  const busy: FakeProviderTurn = [
    {
      type: "error",
      error: { kind: "server", retryable: true, retryAfterMs: 1, message: "cloudy had a server error" },
    },
  ];
  const { result } = await drive(createFakeProvider([busy, busy, busy, busy, busy, answer("never")]).stream);
  assert.equal(result.error?.message, "cloudy had a server error; gave up after 5 attempts");
});

test("a Retry-After longer than the retry budget is not waited for: the message gives the wait", async () => {
  const limited: FakeProviderTurn = [
    {
      type: "error",
      error: {
        kind: "rate_limit",
        retryable: true,
        retryAfterMs: 120_000,
        message: "cloudy is rate limiting",
      },
    },
  ];
  const fake = createFakeProvider([limited, answer("never")]);
  const started = Date.now();
  const { result } = await drive(fake.stream);
  assert.ok(Date.now() - started < 1000);
  assert.equal(fake.remaining(), 1, "not retried");
  assert.match(
    result.error?.message ?? "",
    /^cloudy is rate limiting; gave up after 1 attempt \(the server asked to wait 2 min before retrying, longer than the 60 s retry budget: try again after \d\d:\d\d:\d\d, or use another model\)$/,
  );
});

test("bytes on the wire keep a slow response alive; silence after it started is reported as such", async () => {
  // The adapter reads a body that trickles in for 300 ms and yields its events only at the end.
  const trickle: HttpClient = async () => ({
    status: 200,
    headers: {},
    body: (async function* () {
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 30));
        yield new Uint8Array([46]);
      }
    })(),
  });
  const stream: StreamFunction = async function* (_model, _request, options) {
    try {
      const response = await options.http({
        method: "POST",
        url: "x",
        headers: {},
        signal: options.signal,
        purpose: "model",
      });
      for await (const _chunk of response.body) if (options.signal.aborted) break;
    } catch {}
    if (options.signal.aborted) {
      yield { type: "error", error: { kind: "aborted", retryable: false, message: "aborted" } };
      return;
    }
    yield* answer("slow but alive") as ProviderEvent[];
  };
  const alive = await drive(stream, { http: trickle, idleTimeoutMs: 100, retryBudgetMs: 100 });
  assert.equal(alive.result.reason, "done", alive.result.error?.message);

  // Text arrives, then nothing: the idle clock, not the first-byte one, and the message says so.
  const stalls: StreamFunction = async function* (_model, _request, options) {
    yield { type: "text_delta", text: "partial" };
    await new Promise((r) => options.signal.addEventListener("abort", r, { once: true }));
    yield { type: "error", error: { kind: "aborted", retryable: false, message: "aborted" } };
  };
  const stalled = await drive(stalls, { idleTimeoutMs: 50, retryBudgetMs: 40 });
  assert.match(
    stalled.result.error?.message ?? "",
    /^cloudy went silent for 0\.1 s in the middle of its response; gave up after 1 attempt/,
  );
});

test("an answer cut off by the output limit: the model is asked to continue once, and the run ends done", async () => {
  const fake = createFakeProvider([answer("The first half", "length"), answer(" and the rest.")]);
  const { result, events } = await drive(fake.stream);
  assert.equal(result.reason, "done");
  assert.deepEqual(
    ofType(events, "continuation_requested").map((e) => e.message.content),
    [CONTINUE_PROMPT],
  );
  const second = fake.requests[1].messages;
  assert.deepEqual(second.at(-1), { role: "user", content: CONTINUE_PROMPT });
  assert.equal(second.at(-2)?.role, "assistant");
  assert.deepEqual(
    result.messages.map((m) => m.role),
    ["assistant", "user", "assistant"],
  );
});

test("cut off again after the request to continue: the run ends with max_output_tokens", async () => {
  const fake = createFakeProvider([answer("", "length"), answer("still going", "length"), answer("never")]);
  const { result } = await drive(fake.stream);
  assert.equal(result.reason, "max_output_tokens");
  assert.equal(fake.remaining(), 1);
});

const tooLong: FakeProviderTurn = [
  {
    type: "error",
    error: {
      kind: "context_length",
      retryable: false,
      message: "cloudy: the request does not fit the model's context window",
    },
  },
];

test("a request the server refuses as too long is compacted and sent once more", async () => {
  const big = "x".repeat(30_000);
  const history: Message[] = [{ role: "user", content: "the task" }];
  for (let i = 0; i < 6; i++) {
    history.push({
      role: "assistant",
      content: [{ type: "tool_call", id: `old${i}`, name: "echo", arguments: { i } }],
      stopReason: "tool_use",
    });
    history.push({ role: "tool", toolCallId: `old${i}`, toolName: "echo", content: big, isError: false });
  }
  history.push({ role: "user", content: "and now this" });
  const fake = createFakeProvider([tooLong, answer("fits now")]);
  const { result, events } = await drive(fake.stream, {}, history);
  assert.equal(result.reason, "done", result.error?.message);
  const compacted = ofType(events, "context_compacted");
  assert.equal(compacted.length, 1);
  assert.equal(compacted[0].cause, "server");
  const size = (i: number) => JSON.stringify(fake.requests[i].messages).length;
  assert.ok(size(1) < size(0) * 0.7, `${size(1)} vs ${size(0)}`);

  // Refused again after compacting: no third request.
  const twice = createFakeProvider([tooLong, tooLong, answer("never")]);
  const again = await drive(twice.stream, {}, history);
  assert.equal(again.result.error?.kind, "context_length");
  assert.equal(twice.remaining(), 1);
});

test("refused as too long when there is nothing to compact: one request, and the message says why", async () => {
  const fake = createFakeProvider([tooLong, answer("never")]);
  const { result } = await drive(fake.stream);
  assert.equal(fake.remaining(), 1);
  assert.match(result.error?.message ?? "", /compacting the history could not make it fit/);
});

test("two calls with one id (or none) each get their own id, and so does an id used earlier", async () => {
  const dup: FakeProviderTurn = [
    { type: "tool_call", id: "same", name: "echo", argumentsJson: "{}" },
    { type: "tool_call", id: "same", name: "echo", argumentsJson: '{"b":1}' },
    { type: "tool_call", id: "", name: "echo", argumentsJson: '{"c":1}' },
    { type: "done", stopReason: "tool_use" },
  ];
  const reused: FakeProviderTurn = [
    { type: "tool_call", id: "same", name: "echo", argumentsJson: '{"d":1}' },
    { type: "done", stopReason: "tool_use" },
  ];
  const { result } = await drive(createFakeProvider([dup, reused, answer("ok")]).stream);
  const ids = result.messages.flatMap((m) =>
    m.role === "assistant" ? m.content.flatMap((p) => (p.type === "tool_call" ? [p.id] : [])) : [],
  );
  assert.equal(ids.length, 4);
  assert.equal(new Set(ids).size, 4, `ids: ${ids.join(", ")}`);
  assert.equal(ids[0], "same", "the first use keeps the provider's id");
  const results = result.messages.flatMap((m) => (m.role === "tool" ? [m.toolCallId] : []));
  assert.deepEqual(results, ids, "one result per call, under the call's own id");
});
