import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../../test/fake-server/script.ts";
import { testHttp, withFake } from "../../test/support/adapter-kit.ts";
import { createWorkspace } from "../policy/workspace.ts";
import type { AgentEvent } from "../protocol/events.ts";
import type { Message } from "../protocol/messages.ts";
import { streamOllama } from "../providers/ollama.ts";
import { streamOpenAIChat } from "../providers/openai-chat.ts";
import type { ResolvedModel, StreamFunction } from "../providers/provider.ts";
import { createBuiltinTools } from "../tools/builtin-tools.ts";
import { createFileState } from "../tools/file-state.ts";
import { createToolRuntime } from "../tools/tool-runtime.ts";
import { runAgent } from "./agent-loop.ts";
import { isToolSupportError, toTextToolRequest } from "./text-tool-protocol.ts";

const root = mkdtempSync(join(tmpdir(), "hearth-text-tools-"));
after(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(join(root, "a.ts"), "export const a = 1;\n");

const runtime = createToolRuntime({
  tools: createBuiltinTools({
    workspace: createWorkspace({ root }),
    fileState: createFileState(),
    env: {},
    spillDir: join(root, "spill"),
    rgPath: null,
  }),
  policy: async () => ({ decision: "allow" }),
  spillDir: join(root, "spill"),
});

async function runOn(stream: StreamFunction, model: ResolvedModel) {
  const agent = runAgent(
    { sessionId: "s1", system: "You are hearth.", messages: [{ role: "user", content: "what is in a.ts?" }] },
    {
      model,
      stream,
      http: testHttp,
      tools: {
        specs: runtime.specs,
        run: (call, signal) => runtime.run(call, signal),
        isConcurrencySafe: () => true,
      },
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 60_000 },
    },
    new AbortController().signal,
  );
  const events: AgentEvent[] = [];
  for await (const event of agent.events) events.push(event);
  return { events, result: await agent.result };
}

const CALL_TEXT = 'Let me look.\n<tool_call>\n{"name": "read", "arguments": {"Path": "a.ts"}}\n</tool_call>';

const shown = (events: AgentEvent[]) => events.map((e) => (e.type === "text_delta" ? e.text : "")).join("");

type ChatBody = { messages: Array<{ role: string; content: string | null }>; tools?: unknown };

test("openai-chat with toolCalls: text: no tools field, tools in the system prompt, calls and results as text", async () => {
  const script: FakeTurn[] = [{ text: CALL_TEXT }, { text: "It exports a = 1." }];
  await withFake(script, async (fake) => {
    const model: ResolvedModel = {
      provider: "llamacpp",
      id: "fake-model",
      api: "openai-chat",
      baseUrl: `${fake.url}/v1`,
      local: true,
      toolCalls: "text",
    };
    const { events, result } = await runOn(streamOpenAIChat, model);
    assert.equal(result.reason, "done");
    const [first, second] = fake.modelRequests.map((r) => r.body as unknown as ChatBody);
    assert.equal(first.tools, undefined);
    const system = first.messages[0];
    assert.equal(system.role, "system");
    assert.match(system.content ?? "", /^You are hearth\.\n\n# Tools\n/);
    assert.match(
      system.content ?? "",
      /<tool_call>\n\{"name":"read","arguments":\{"path":"\.\.\."\}\}\n<\/tool_call>/,
    );
    assert.ok(runtime.specs.every((spec) => system.content?.includes(JSON.stringify(spec.name))));

    // The call ran (its name repaired), its markup never reached the screen, and the stored message is canonical.
    const ended = events.find((e) => e.type === "tool_call_ended");
    assert.ok(ended?.type === "tool_call_ended");
    assert.equal(ended.isError, false);
    assert.match(ended.content, /export const a = 1;/);
    assert.deepEqual(ended.repaired, ['argument "Path" -> "path"']);
    assert.equal(shown(events), "Let me look.\nIt exports a = 1.");
    const assistant = result.messages[0];
    assert.ok(assistant.role === "assistant");
    assert.deepEqual(
      assistant.content.map((p) => (p.type === "tool_call" ? [p.name, p.arguments] : p)),
      [{ type: "text", text: "Let me look." }, ["read", { path: "a.ts" }]],
    );
    assert.equal(assistant.stopReason, "tool_use");

    // Second request: the call goes back as text, the result as a user message; no tool role anywhere.
    assert.equal(second.tools, undefined);
    assert.deepEqual(
      second.messages.map((m) => m.role),
      ["system", "user", "assistant", "user"],
    );
    assert.equal(
      second.messages[2].content,
      'Let me look.\n<tool_call>\n{"name":"read","arguments":{"path":"a.ts"}}\n</tool_call>',
    );
    assert.match(
      second.messages[3].content ?? "",
      /^<tool_response name="read">\n[\s\S]*export const a = 1;[\s\S]*\n<\/tool_response>$/,
    );
  });
});

test("ollama: a 'does not support tools' 400 switches to the text protocol once, for the rest of the run", async () => {
  const refusal = JSON.stringify({ error: "registry.ollama.ai/library/gemma3:1b does not support tools" });
  const script: FakeTurn[] = [
    { status: 400, errorBody: refusal },
    { text: CALL_TEXT },
    { text: '<tool_call>{"name": "ls", "arguments": {}}</tool_call>' },
    { text: "Two files." },
  ];
  await withFake(script, async (fake) => {
    const model: ResolvedModel = {
      provider: "ollama",
      id: "gemma3:1b",
      api: "ollama",
      baseUrl: fake.url,
      local: true,
      numCtx: 8192,
    };
    const { events, result } = await runOn(streamOllama, model);
    assert.equal(result.reason, "done", result.error?.message);
    const switched = events.filter((e) => e.type === "tool_protocol_switched");
    assert.equal(switched.length, 1);
    assert.ok(switched[0].type === "tool_protocol_switched");
    assert.equal(switched[0].to, "text");
    assert.match(switched[0].reason, /does not support tools/);
    assert.equal(events.filter((e) => e.type === "retry_scheduled").length, 0);

    const bodies = fake.modelRequests.map((r) => r.body as unknown as ChatBody);
    assert.equal(bodies.length, 4);
    assert.ok(Array.isArray(bodies[0].tools), "the first request offered native tools");
    for (const body of bodies.slice(1)) {
      assert.equal(body.tools, undefined);
      assert.match(body.messages[0].content ?? "", /# Tools/);
      assert.ok(body.messages.every((m) => m.role !== "tool"));
    }
    const calls = events.filter((e) => e.type === "tool_call_ended");
    assert.deepEqual(
      calls.map((e) => e.type === "tool_call_ended" && [e.call.name, e.isError]),
      [
        ["read", false],
        ["ls", false],
      ],
    );
    assert.equal(result.turns, 3);
  });
});

test("an error that is not about tools does not switch the protocol", async () => {
  await withFake([{ status: 400, errorBody: JSON.stringify({ error: "invalid options" }) }], async (fake) => {
    const model: ResolvedModel = {
      provider: "ollama",
      id: "m",
      api: "ollama",
      baseUrl: fake.url,
      local: true,
    };
    const { events, result } = await runOn(streamOllama, model);
    assert.equal(result.reason, "error");
    assert.equal(events.filter((e) => e.type === "tool_protocol_switched").length, 0);
    assert.equal(fake.modelRequests.length, 1);
  });
});

test("tool-support errors are recognised from each server's wording", () => {
  const error = (kind: "bad_request" | "not_found" | "server" | "auth", message: string) => ({
    kind,
    message,
    retryable: false,
  });
  assert.ok(
    isToolSupportError(
      error("bad_request", "ollama (x): registry.ollama.ai/library/phi does not support tools"),
    ),
  );
  assert.ok(
    isToolSupportError(
      error("bad_request", "llamacpp (x) refused the request (HTTP 400): tools param requires --jinja flag"),
    ),
  );
  assert.ok(
    isToolSupportError(
      error("bad_request", '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser'),
    ),
  );
  assert.ok(isToolSupportError(error("not_found", "No endpoints found that support tool use")));
  assert.ok(isToolSupportError(error("bad_request", "Tool calling is not supported for this model")));
  assert.ok(!isToolSupportError(error("bad_request", "the prompt is too long")));
  assert.ok(!isToolSupportError(error("auth", "key does not support tools")));
});

test("history in text form: calls become tags, consecutive results one user message, errors flagged", () => {
  const messages: Message[] = [
    { role: "user", content: "go" },
    {
      role: "assistant",
      content: [
        { type: "reasoning", text: "plan" },
        { type: "text", text: "Two calls." },
        { type: "tool_call", id: "c1", name: "ls", arguments: {} },
        { type: "tool_call", id: "c2", name: "read", arguments: { path: "x" } },
      ],
      stopReason: "tool_use",
    },
    { role: "tool", toolCallId: "c1", toolName: "ls", content: "a.ts", isError: false },
    { role: "tool", toolCallId: "c2", toolName: "read", content: "no such file", isError: true },
    { role: "assistant", content: [{ type: "text", text: "Done." }], stopReason: "stop" },
  ];
  const request = toTextToolRequest({ system: "", messages, tools: [] });
  assert.equal(request.system, "", "no tools: no instructions");
  assert.deepEqual(request.messages, [
    { role: "user", content: "go" },
    {
      role: "assistant",
      content: [
        { type: "reasoning", text: "plan" },
        {
          type: "text",
          text: 'Two calls.\n<tool_call>\n{"name":"ls","arguments":{}}\n</tool_call>\n<tool_call>\n{"name":"read","arguments":{"path":"x"}}\n</tool_call>',
        },
      ],
      stopReason: "tool_use",
    },
    {
      role: "user",
      content:
        '<tool_response name="ls">\na.ts\n</tool_response>\n<tool_response name="read" error="true">\nno such file\n</tool_response>',
    },
    messages[4],
  ]);
});
