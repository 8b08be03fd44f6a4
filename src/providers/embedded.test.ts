/**
 * The embedded adapter on the real engine with the tiny random-weight GGUF (test/fixtures): loading, tokenizing,
 * streaming, grammar-constrained tool calls run through the real tool runtime, prompt-prefix reuse read from the
 * engine's own token counters, and abort. The weights are random, so these check plumbing, not answers.
 * They need the engine (hearth engine install, or HEARTH_ENGINE_DIR pointing at an install) and skip without it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { drain } from "../../test/support/adapter-kit.ts";
import { createWorkspace } from "../policy/workspace.ts";
import { createBuiltinTools } from "../tools/builtin-tools.ts";
import { createFileState } from "../tools/file-state.ts";
import { createToolRuntime } from "../tools/tool-runtime.ts";
import {
  type LoadProgress,
  loadEmbeddedModel,
  setLoadListener,
  streamEmbedded,
  tokenizeEmbedded,
  unloadEmbeddedModel,
} from "./embedded.ts";
import { ENGINE_MISSING, engineDir, installedEngineVersion } from "./embedded-engine.ts";
import type { ModelRequest, ProviderEvent, ResolvedModel } from "./provider.ts";

const GGUF = join(import.meta.dirname ?? ".", "../../test/fixtures/llama-2-tiny-random.gguf");
const ENGINE_DIR = engineDir(process.env);
const skip = installedEngineVersion(ENGINE_DIR)
  ? false
  : `the embedded engine is not installed in ${ENGINE_DIR}: run hearth engine install (or set HEARTH_ENGINE_DIR)`;
const noHttp = {} as never;

function tinyModel(extra: Partial<NonNullable<ResolvedModel["embedded"]>> = {}): ResolvedModel {
  return {
    provider: "local",
    id: "llama-2-tiny-random",
    api: "embedded",
    baseUrl: "",
    local: true,
    // One thread: with two, thread sync dominates on a model this small.
    embedded: { path: GGUF, engineDir: ENGINE_DIR, threads: 1, contextSize: 2048, ...extra },
  };
}

function run(request: ModelRequest, model = tinyModel(), signal = new AbortController().signal) {
  return drain(streamEmbedded(model, request, { signal, http: noHttp }));
}

const usageOf = (events: ProviderEvent[]) => {
  const usage = events.find((e) => e.type === "usage");
  assert.ok(usage?.type === "usage", `no usage in ${JSON.stringify(events)}`);
  return usage.usage;
};
const textOf = (events: ProviderEvent[]) =>
  events.map((e) => (e.type === "text_delta" ? e.text : "")).join("");

after(async () => {
  setLoadListener(undefined);
  await unloadEmbeddedModel();
});

test("a missing engine is one error event that says how to install it", async () => {
  const events = await run(
    { system: "", messages: [{ role: "user", content: "hi" }], tools: [] },
    tinyModel({ engineDir: mkdtempSync(join(tmpdir(), "hearth-no-engine-")) }),
  );
  assert.equal(events.length, 1);
  const [event] = events;
  assert.ok(event.type === "error");
  assert.equal(event.error.message, ENGINE_MISSING);
  assert.equal(event.error.retryable, false);
});

test("loads the model once with progress, and tokenizes", { skip }, async () => {
  const progress: LoadProgress[] = [];
  setLoadListener((p) => progress.push(p));
  const first = await loadEmbeddedModel(tinyModel());
  // The file's trained context is 4096; the configured cap wins.
  assert.equal(first.contextSize, 2048);
  assert.equal(first.threads, 1);
  assert.ok(first.loadMs > 0);
  assert.equal(progress[0]?.stage, "engine");
  assert.ok(progress.some((p) => p.stage === "model" && p.fraction > 0));
  const ready = progress.at(-1);
  assert.ok(ready?.stage === "ready" && ready.contextSize === 2048 && ready.gpu === false);
  const again = await loadEmbeddedModel(tinyModel());
  assert.equal(again.loadMs, 0, "the loaded model is reused");

  const tokens = await tokenizeEmbedded(tinyModel(), "Hello world, hello world");
  assert.ok(tokens.length >= 4 && tokens.length <= 12, `tokens: ${tokens}`);
  assert.ok(tokens.every((t) => Number.isInteger(t) && t >= 0 && t < 32000));
  assert.deepEqual(await tokenizeEmbedded(tinyModel(), "Hello world, hello world"), tokens);
});

test("streams text deltas, then usage and done", { skip }, async () => {
  const events = await run({
    system: "You are a test.",
    messages: [{ role: "user", content: "Say something." }],
    tools: [],
    maxOutputTokens: 16,
  });
  const deltas = events.filter((e) => e.type === "text_delta");
  assert.ok(deltas.length >= 2, "text arrives in pieces");
  assert.ok(textOf(events).length > 0);
  assert.equal(usageOf(events).outputTokens, 16);
  assert.deepEqual(events.at(-1), { type: "done", stopReason: "length" });
});

test("a second turn evaluates only the new tokens: the engine's counters show the reused prefix", {
  skip,
}, async () => {
  const system = `Prefix test ${Date.now()}. ${"This long system prompt is the same on both turns. ".repeat(12)}`;
  const turn1: ModelRequest = {
    system,
    messages: [{ role: "user", content: "First question." }],
    tools: [],
    maxOutputTokens: 8,
  };
  const first = usageOf(await run(turn1));
  const reply = "A short reply.";
  const turn2: ModelRequest = {
    ...turn1,
    messages: [
      ...turn1.messages,
      { role: "assistant", content: [{ type: "text", text: reply }], stopReason: "stop" },
      { role: "user", content: "Second question." },
    ],
  };
  const second = usageOf(await run(turn2));
  assert.ok(first.inputTokens > 100, `first turn evaluated ${first.inputTokens}`);
  assert.ok(
    second.inputTokens < first.inputTokens / 3,
    `second turn evaluated ${second.inputTokens} prompt tokens, first ${first.inputTokens}`,
  );
  assert.ok((second.cacheReadTokens ?? 0) >= first.inputTokens - 2, `reused ${second.cacheReadTokens}`);
});

test("with tools, the grammar makes the reply a call of a real tool, which the tool runtime runs", {
  skip,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-embedded-"));
  writeFileSync(join(root, "alpha.txt"), "a\n");
  writeFileSync(join(root, "beta.txt"), "b\n");
  const workspace = createWorkspace({ root });
  const tools = createBuiltinTools({
    workspace,
    fileState: createFileState(),
    env: {},
    spillDir: join(root, ".spill"),
    rgPath: null,
  });
  const runtime = createToolRuntime({
    tools,
    spillDir: join(root, ".spill"),
    policy: async () => ({ decision: "allow" }),
  });

  // Every real tool schema compiles into the grammar, and whatever the model writes ends cleanly.
  const all = await run({
    system: "You are a coding agent.",
    messages: [{ role: "user", content: "List the files." }],
    tools: runtime.specs,
    maxOutputTokens: 24,
  });
  assert.equal(all.at(-1)?.type, "done");

  // Random weights rarely close a free-text string, so offer `ls`, whose one argument may be left out, and
  // sample with a few fixed seeds until the model finishes a call.
  const ls = runtime.specs.filter((spec) => spec.name === "ls");
  let call: Extract<ProviderEvent, { type: "tool_call" }> | undefined;
  for (let seed = 1; seed <= 30 && !call; seed++) {
    const events = await run(
      {
        system: "You are a coding agent.",
        messages: [{ role: "user", content: "List the files." }],
        tools: ls,
        maxOutputTokens: 32,
        temperature: 0.8,
      },
      tinyModel({ seed }),
    );
    const done = events.at(-1);
    assert.ok(done?.type === "done", JSON.stringify(done));
    call = events.find((e) => e.type === "tool_call");
    if (call) assert.equal(done.stopReason, "tool_use");
  }
  assert.ok(call, "no seed in 1..30 produced a finished tool call");
  assert.equal(call.name, "ls");
  const args = JSON.parse(call.argumentsJson) as Record<string, unknown>;
  const result = await runtime.run(
    { id: call.id, name: call.name, arguments: args },
    new AbortController().signal,
  );
  assert.equal(result.isError, false, result.content);
  assert.match(result.content, /alpha\.txt/);
  assert.match(result.content, /beta\.txt/);
});

test("abort mid-generation ends promptly with an aborted error, and the next turn still works", {
  skip,
}, async () => {
  const controller = new AbortController();
  const events: ProviderEvent[] = [];
  let abortedAt = 0;
  for await (const event of streamEmbedded(
    tinyModel(),
    { system: "", messages: [{ role: "user", content: "Go on forever." }], tools: [], maxOutputTokens: 4000 },
    { signal: controller.signal, http: noHttp },
  )) {
    events.push(event);
    if (event.type === "text_delta" && events.length === 3) {
      abortedAt = performance.now();
      controller.abort();
    }
  }
  const endedAfter = performance.now() - abortedAt;
  assert.ok(abortedAt > 0, "text streamed before the abort");
  const last = events.at(-1);
  assert.ok(last?.type === "error" && last.error.kind === "aborted", JSON.stringify(last));
  assert.ok(endedAfter < 1000, `the stream ended ${Math.round(endedAfter)} ms after the abort`);
  assert.ok(events.filter((e) => e.type === "text_delta").length < 200, "generation stopped early");

  const next = await run({
    system: "",
    messages: [{ role: "user", content: "Again." }],
    tools: [],
    maxOutputTokens: 4,
  });
  assert.deepEqual(next.at(-1), { type: "done", stopReason: "length" });
});
