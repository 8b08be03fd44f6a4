import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../../test/fake-server/server.ts";
import { createHttpClient } from "../egress/http-client.ts";
import { createWorkspace } from "../policy/workspace.ts";
import type { ApiId } from "../protocol/model-apis.ts";
import { streamOllama } from "../providers/ollama.ts";
import { streamOpenAIChat } from "../providers/openai-chat.ts";
import type { ResolvedModel, StreamFunction } from "../providers/provider.ts";
import { createBuiltinTools } from "../tools/builtin-tools.ts";
import { createFileState } from "../tools/file-state.ts";
import { createToolRuntime } from "../tools/tool-runtime.ts";
import {
  buildRunPrompt,
  chooseProfile,
  countPromptTokens,
  formatTokens,
  isLocalModelSpec,
  type RunPromptInput,
} from "./run-prompt.ts";

const LEAN_BUDGET = 4096;
const SIX = ["read", "write", "edit", "bash", "grep", "glob"];

const servers: FakeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** A workspace with a deep path (longer than most real ones) and an empty config dir. */
function workspace(files: Record<string, string> = {}) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "hearth-run-prompt-")));
  const cwd = join(root, "home/someone/projects/a-fairly-long-project-name/packages/some-package");
  mkdirSync(cwd, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(cwd, name), content);
  const tools = createBuiltinTools({
    workspace: createWorkspace({ root: cwd }),
    fileState: createFileState(),
    env: {},
    spillDir: join(root, "spill"),
    rgPath: null,
  });
  const input = (extra: Partial<RunPromptInput> = {}): RunPromptInput => ({
    cwd,
    env: { XDG_CONFIG_HOME: join(root, "config") },
    profile: "lean",
    permissionMode: "ask",
    tools,
    platform: "linux x64",
    date: "2026-05-01",
    ...extra,
  });
  return { root, cwd, tools, input };
}

test("lean: system prompt plus tool definitions fit in 4 KiB and offer the six tools", () => {
  const { input } = workspace();
  const prompt = buildRunPrompt(input());
  const names = prompt.specs.map((s) => s.name);
  for (const name of SIX) assert.ok(names.includes(name), `lean offers ${name}`);
  assert.equal(
    prompt.bytes.total,
    Buffer.byteLength(prompt.system) + Buffer.byteLength(JSON.stringify(prompt.specs)),
  );
  assert.ok(prompt.bytes.total <= LEAN_BUDGET, `lean is ${prompt.bytes.total} bytes`);
  const full = buildRunPrompt(input({ profile: "default" }));
  assert.ok(full.bytes.total > prompt.bytes.total, "default says more than lean");
  assert.deepEqual(
    full.specs.map((s) => s.name),
    names,
    "both profiles offer the same tools",
  );
});

for (const [api, stream] of [
  ["openai-chat", streamOpenAIChat],
  ["ollama", streamOllama],
] as Array<[ApiId, StreamFunction]>) {
  test(`lean on the wire (${api}): the request's system prompt plus tools stay within 4 KiB`, async () => {
    const { input } = workspace();
    const prompt = buildRunPrompt(input());
    const fake = await startFakeServer({ script: [{ text: "ok" }] });
    servers.push(fake);
    const baseUrl = api === "ollama" ? fake.url : `${fake.url}/v1`;
    const model: ResolvedModel = { provider: "fake", id: "small", api, baseUrl, local: true };
    const request = {
      system: prompt.system,
      messages: [{ role: "user" as const, content: "hi" }],
      tools: prompt.specs,
    };
    const events = [];
    for await (const event of stream(model, request, {
      signal: new AbortController().signal,
      http: createHttpClient(),
    }))
      events.push(event.type);
    assert.equal(events.at(-1), "done");
    const body = fake.modelRequests[0].body as {
      messages: Array<{ role: string; content: string }>;
      tools: unknown;
    };
    const system = body.messages.find((m) => m.role === "system")?.content ?? "";
    assert.equal(system, prompt.system, "the system prompt is sent as built");
    const onWire = Buffer.byteLength(system) + Buffer.byteLength(JSON.stringify(body.tools));
    assert.ok(onWire <= LEAN_BUDGET, `${api}: ${onWire} bytes`);
  });
}

test("default profile specs are what the tool runtime advertises", () => {
  const { tools, input } = workspace();
  const runtime = createToolRuntime({
    tools,
    spillDir: tmpdir(),
    policy: async () => ({ decision: "allow" }),
  });
  assert.deepEqual(buildRunPrompt(input({ profile: "default" })).specs, runtime.specs);
});

test("lean keeps what validation needs the model to know: required names, types and enums", () => {
  const { input } = workspace();
  const grep = buildRunPrompt(input()).specs.find((s) => s.name === "grep");
  const params = grep?.parameters as {
    required: string[];
    properties: Record<string, Record<string, unknown>>;
  };
  assert.deepEqual(params.required, ["pattern"]);
  assert.deepEqual(params.properties.output_mode.enum, ["content", "files_with_matches", "count"]);
  assert.equal(params.properties.context.type, "integer");
  assert.equal(params.properties.context.maximum, undefined, "bounds are left to the runtime's errors");
});

test("the same inputs give byte-identical prompts; memory files go in with their paths", () => {
  const { cwd, input } = workspace({ "AGENTS.md": "Run `make check` before you finish.\n" });
  const first = buildRunPrompt(input());
  const second = buildRunPrompt(input());
  assert.equal(first.system, second.system);
  assert.equal(JSON.stringify(first.specs), JSON.stringify(second.specs));
  assert.ok(
    first.system.includes(
      `<memory path="${join(cwd, "AGENTS.md")}">\nRun \`make check\` before you finish.\n</memory>`,
    ),
  );
  assert.deepEqual(first.memory, [
    { path: join(cwd, "AGENTS.md"), scope: "project", bytes: 36, truncated: false },
  ]);
  assert.ok(first.bytes.memory > 36, "the memory section's bytes are counted apart");
  assert.equal(first.bytes.prompt + first.bytes.memory, Buffer.byteLength(first.system));
  assert.doesNotMatch(first.system, /\d\d:\d\d/, "no time of day in the prompt");
});

test("the user's AGENTS.md from the config dir is included before the project's", () => {
  const { root, input } = workspace({ "AGENTS.md": "project" });
  mkdirSync(join(root, "config/hearth"), { recursive: true });
  writeFileSync(join(root, "config/hearth/AGENTS.md"), "user");
  const prompt = buildRunPrompt(input());
  assert.deepEqual(
    prompt.memory.map((m) => m.scope),
    ["user", "project"],
  );
  assert.ok(prompt.system.indexOf(">\nuser\n<") < prompt.system.indexOf(">\nproject\n<"));
});

test("chooseProfile: the flag, then settings, then lean for local models and default for cloud ones", () => {
  const local = { local: true };
  const cloud = { local: false };
  assert.equal(chooseProfile("default", { profile: "lean" }, local).profile, "default");
  assert.equal(chooseProfile(undefined, { profile: "default" }, local).profile, "default");
  assert.equal(chooseProfile(undefined, { profile: "lean" }, cloud).profile, "lean");
  assert.equal(chooseProfile(undefined, {}, local).profile, "lean");
  assert.equal(chooseProfile(undefined, {}, cloud).profile, "default");
  assert.equal(chooseProfile(undefined, {}, undefined).profile, "lean");
});

test("isLocalModelSpec: local servers and the in-process engine are local; a loopback URL alone is not", () => {
  assert.equal(isLocalModelSpec("ollama/qwen2.5-coder:7b", {}), true);
  assert.equal(isLocalModelSpec("lmstudio/any", {}), true);
  assert.equal(isLocalModelSpec("local/model.gguf", {}), true);
  assert.equal(isLocalModelSpec("anthropic/claude-sonnet-4-5", {}), false);
  const settings = { providers: { vllm: { api: "openai-chat", baseUrl: "http://127.0.0.1:8000/v1" } } };
  assert.equal(isLocalModelSpec("vllm/m", settings as never), false);
  const marked = { providers: { vllm: { ...settings.providers.vllm, local: true } } };
  assert.equal(isLocalModelSpec("vllm/m", marked as never), true);
  assert.equal(isLocalModelSpec("unknown/m", {}), false);
});

test("tokens: exact with a tokenizer, else an estimate of bytes/4 that says so", async () => {
  const { input } = workspace();
  const prompt = buildRunPrompt(input());
  const estimate = await countPromptTokens(prompt);
  assert.deepEqual(estimate, { tokens: Math.ceil(prompt.bytes.total / 4), exact: false });
  assert.match(formatTokens(estimate), /^≈ [\d,]+ tokens \(estimate: bytes\/4\)$/);
  const seen: string[] = [];
  const exact = await countPromptTokens(prompt, async (text) => {
    seen.push(text);
    return text.length;
  });
  assert.deepEqual(seen, [prompt.system, JSON.stringify(prompt.specs)]);
  assert.deepEqual(exact, {
    tokens: prompt.system.length + JSON.stringify(prompt.specs).length,
    exact: true,
  });
  assert.equal(formatTokens({ tokens: 1234, exact: true }), "1,234 tokens");
});
