import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../protocol/events.ts";
import { userText } from "../protocol/images.ts";
import type { Message } from "../protocol/messages.ts";
import { createFakeProvider, type FakeProviderTurn } from "../providers/fake-provider.ts";
import type { HttpClient, ResolvedModel } from "../providers/provider.ts";
import { runAgent } from "./agent-loop.ts";
import { fitToWindow } from "./compaction.ts";
import {
  createTokenEstimator,
  fixedBytes,
  historyBytes,
  historyTokens,
  IMAGE_TOKENS,
  messageTokens,
  needsCompaction,
} from "./context-budget.ts";

const estimator = createTokenEstimator(); // 3 bytes per token until calibrated
const limits = { window: 4000, reserveOutput: 500 };
const never = async () => {
  throw new Error("summarise must not be called");
};

function turnWithRead(i: number, outputChars: number, text = ""): Message[] {
  return [
    {
      role: "assistant",
      stopReason: "tool_use",
      content: [
        ...(text ? [{ type: "text" as const, text }] : []),
        { type: "tool_call" as const, id: `c${i}`, name: "read", arguments: { path: `f${i}.ts` } },
      ],
    },
    {
      role: "tool",
      toolCallId: `c${i}`,
      toolName: "read",
      content: `${i}`.repeat(outputChars),
      isError: false,
    },
  ];
}

/** Every tool result right after the assistant message holding its call. */
function assertPairs(messages: Message[]) {
  const open = new Set<string>();
  for (const m of messages) {
    if (m.role === "assistant") {
      open.clear();
      for (const p of m.content) if (p.type === "tool_call") open.add(p.id);
    } else if (m.role === "tool") assert.ok(open.delete(m.toolCallId), `result ${m.toolCallId} has no call`);
    else open.clear();
  }
}

test("below the trigger nothing changes", async () => {
  const history: Message[] = [{ role: "user", content: "task" }, ...turnWithRead(1, 1000)];
  const result = await fitToWindow(history, {
    limits,
    fixedTokens: 500,
    estimator,
    summarise: never,
    signal: new AbortController().signal,
  });
  assert.equal(result, null);
});

test("old tool outputs are elided first; the recent turn stays whole", async () => {
  const history: Message[] = [{ role: "user", content: "task" }];
  for (let i = 1; i <= 4; i++) history.push(...turnWithRead(i, 2500));
  const result = await fitToWindow(history, {
    limits,
    fixedTokens: 500,
    estimator,
    summarise: never,
    signal: new AbortController().signal,
  });
  assert.ok(result);
  assert.equal(result.method, "elided");
  assert.ok(result.afterTokens < result.beforeTokens);
  const tools = result.messages.filter((m) => m.role === "tool");
  assert.match(tools[0].content, /output elided/);
  assert.equal(tools.at(-1)?.content, "4".repeat(2500));
  assert.equal(result.messages.length, history.length);
  assertPairs(result.messages);
});

test("when eliding is not enough the middle is summarised, keeping the task, the recent turns and changed files", async () => {
  const history: Message[] = [{ role: "user", content: "the task: fix parser" }];
  for (let i = 1; i <= 6; i++) history.push(...turnWithRead(i, 100, "thinking out loud ".repeat(80)));
  history.splice(3, 0, {
    role: "assistant",
    stopReason: "tool_use",
    content: [
      { type: "tool_call", id: "w", name: "write", arguments: { path: "src/parser.ts", content: "x" } },
    ],
  });
  history.splice(4, 0, { role: "tool", toolCallId: "w", toolName: "write", content: "ok", isError: false });
  let transcript = "";
  const result = await fitToWindow(history, {
    limits,
    fixedTokens: 500,
    estimator,
    summarise: async (text) => {
      transcript = text;
      return "Read f1 to f5; the bug is in parse().";
    },
    signal: new AbortController().signal,
  });
  assert.ok(result);
  assert.equal(result.method, "summarised");
  // The transcript keeps the newest part when it is too long; the changed files are listed whatever was cut.
  assert.match(transcript, /^\[earlier part cut\]\n/);
  assert.match(transcript, /Assistant called read \{"path":"f5.ts"\}/);
  const first = result.messages[0];
  assert.equal(first.role, "user");
  assert.match(first.role === "user" ? userText(first.content) : "", /The task: the task: fix parser/);
  assert.match(first.role === "user" ? userText(first.content) : "", /the bug is in parse\(\)/);
  assert.match(first.role === "user" ? userText(first.content) : "", /Files changed so far: src\/parser.ts/);
  assert.equal(result.replacement?.keepLast, result.messages.length - 1);
  assert.deepEqual(result.messages.slice(1), history.slice(history.length - (result.messages.length - 1)));
  assert.ok(result.afterTokens <= limits.window - limits.reserveOutput - 500);
  assertPairs(result.messages);
});

test("a failed summary drops the middle with a note; one huge recent output is cut", async () => {
  const history: Message[] = [{ role: "user", content: "task" }];
  for (let i = 1; i <= 6; i++) history.push(...turnWithRead(i, 100, "words ".repeat(300)));
  const dropped = await fitToWindow(history, {
    limits,
    fixedTokens: 500,
    estimator,
    summarise: async () => null,
    signal: new AbortController().signal,
  });
  assert.equal(dropped?.method, "dropped");
  const first = dropped?.messages[0];
  assert.match(first?.role === "user" ? userText(first.content) : "", /earlier messages were removed/);

  const huge: Message[] = [{ role: "user", content: "task" }, ...turnWithRead(1, 40_000)];
  const cut = await fitToWindow(huge, {
    limits,
    fixedTokens: 500,
    estimator,
    summarise: never,
    signal: new AbortController().signal,
  });
  assert.equal(cut?.method, "truncated");
  const tool = cut?.messages.find((m) => m.role === "tool");
  assert.match(tool?.role === "tool" ? tool.content : "", /\[cut by hearth: \d+ more characters/);
  assert.ok(
    estimator.tokens(historyBytes(cut?.messages ?? [])) <= limits.window - limits.reserveOutput - 500,
  );
});

const model: ResolvedModel = {
  provider: "fake",
  id: "m",
  api: "openai-chat",
  baseUrl: "http://x",
  local: true,
};
const noHttp: HttpClient = async () => {
  throw new Error("no http");
};
const readCall = (i: number): FakeProviderTurn => [
  { type: "tool_call", id: `r${i}`, name: "read", argumentsJson: JSON.stringify({ path: `f${i}` }) },
  { type: "done", stopReason: "tool_use" },
];

test("the loop keeps every request inside the window and reports compaction", async () => {
  const fake = createFakeProvider([
    readCall(1),
    readCall(2),
    readCall(3),
    readCall(4),
    readCall(5),
    [
      { type: "text_delta", text: "done" },
      { type: "done", stopReason: "stop" },
    ],
  ]);
  const specs = [{ name: "read", description: "read a file", parameters: { type: "object" } }];
  const context = { window: 3000, reserveOutput: 500 };
  const agent = runAgent(
    { sessionId: "s", system: "sys", messages: [{ role: "user", content: "read them all" }] },
    {
      model,
      stream: fake.stream,
      http: noHttp,
      context,
      tools: {
        specs,
        run: async (call) => ({ content: `${call.id} `.repeat(700), isError: false }),
        isConcurrencySafe: () => true,
      },
    },
    new AbortController().signal,
  );
  const events: AgentEvent[] = [];
  for await (const e of agent.events) events.push(e);
  assert.equal((await agent.result).reason, "done");
  const fixed = fixedBytes("sys", specs);
  for (const request of fake.requests) {
    const tokens = Math.ceil((fixed + historyBytes(request.messages)) / 3);
    assert.ok(tokens <= context.window - context.reserveOutput, `request of ${tokens} tokens`);
  }
  const compacted = events.filter((e) => e.type === "context_compacted");
  assert.ok(compacted.length >= 1);
  assert.equal(compacted[0].type === "context_compacted" && compacted[0].window, 3000);
});

test("a window too small for the fixed prompt ends the run before any request, with numbers and a fix", async () => {
  const fake = createFakeProvider([]);
  const agent = runAgent(
    { sessionId: "s", system: "s".repeat(6000), messages: [{ role: "user", content: "hi" }] },
    {
      model,
      stream: fake.stream,
      http: noHttp,
      context: { window: 1024, reserveOutput: 256, source: "as loaded by LM Studio" },
      tools: { specs: [], run: async () => ({ content: "", isError: false }), isConcurrencySafe: () => true },
    },
    new AbortController().signal,
  );
  for await (const _ of agent.events);
  const result = await agent.result;
  assert.equal(result.reason, "error");
  assert.equal(result.error?.kind, "context_length");
  assert.match(
    result.error?.message ?? "",
    /^fake\/m runs with a 1,024-token context window \(as loaded by LM Studio\); hearth needs about 2,\d{3} .*use --profile lean$/,
  );
  assert.equal(fake.requests.length, 0);
});

/** A user message with an image of 3 MB (4 million base64 characters) before its text. */
function withImage(name: string, text: string): Message {
  const image = {
    type: "image" as const,
    mediaType: "image/png" as const,
    data: "A".repeat(4_000_000),
    name,
  };
  return { role: "user", content: [image, { type: "text", text }] };
}

test("an image counts as IMAGE_TOKENS whatever its size, never its base64's length", () => {
  const fresh = createTokenEstimator();
  const task = withImage("shot.png", "fix the parser");
  assert.equal(messageTokens(task, fresh), fresh.tokens(16 + "fix the parser".length) + IMAGE_TOKENS);
  assert.equal(historyTokens([task, task], fresh), 2 * messageTokens(task, fresh));
  assert.equal(historyBytes([task]), 16 + "fix the parser".length, "the base64 is not text to count");
  assert.equal(needsCompaction([task], limits, 500, fresh), false);
  // Calibration leaves the images' share out of the provider's count: 3,000 bytes of text, 1,000 tokens of it.
  fresh.calibrate(3000, { inputTokens: 1000 + 2 * IMAGE_TOKENS, outputTokens: 1 }, 2);
  assert.equal(fresh.tokens(3000), Math.ceil(3000 / (3 * 0.95)));
});

test("compaction elides old images to their placeholder, and a summary names the task's image", async () => {
  const history: Message[] = [withImage("shot.png", "fix the parser")];
  for (let i = 1; i <= 2; i++) history.push(...turnWithRead(i, 2500));
  const elided = await fitToWindow(history, {
    limits,
    fixedTokens: 500,
    estimator,
    summarise: never,
    signal: new AbortController().signal,
  });
  assert.equal(elided?.method, "elided");
  assert.equal(
    elided.messages[0].role === "user" && elided.messages[0].content,
    "[image: shot.png, 3.0 MB, elided to fit the model's context window]\nfix the parser",
  );
  assertPairs(elided.messages);

  const longer: Message[] = [withImage("shot.png", "fix the parser")];
  longer.push(...turnWithRead(1, 100), withImage("after.png", "and this one?"), ...turnWithRead(2, 100));
  let transcript = "";
  const summarised = await fitToWindow(longer, {
    limits,
    fixedTokens: 500,
    estimator,
    force: true,
    summarise: async (text) => {
      transcript = text;
      return "Looked at both screenshots.";
    },
    signal: new AbortController().signal,
  });
  assert.equal(summarised?.method, "summarised");
  assert.match(transcript, /User: \[image: after\.png, 3\.0 MB\]\nand this one\?/);
  assert.doesNotMatch(transcript, /AAAA/);
  const first = summarised.messages[0];
  assert.match(
    first.role === "user" ? userText(first.content) : "",
    /^The task: \[image: shot\.png, 3\.0 MB\]\nfix the parser/,
  );
});
