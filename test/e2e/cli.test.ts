/** End to end: flags, usage errors, stdin, output formats, model selection. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const pkg = JSON.parse(readFileSync(join(import.meta.dirname ?? ".", "../../package.json"), "utf8")) as {
  version: string;
};

test("--version and --help exit 0", async () => {
  const sandbox = makeSandbox();
  const version = await runHearth(sandbox, ["--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `${pkg.version}\n`);
  const help = await runHearth(sandbox, ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--permission-mode/);
  assert.match(help.stdout, /Exit codes/);
});

test("an unknown flag, a bad value and an unknown command are usage errors (exit 2)", async () => {
  const sandbox = makeSandbox();
  const flag = await runHearth(sandbox, ["-p", "--bogus", "hi"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^hearth: unknown option '--bogus'\nRun hearth --help for usage\.\n$/);
  const format = await runHearth(sandbox, ["-p", "--output-format", "xml", "hi"]);
  assert.equal(format.code, 2);
  assert.match(format.stderr, /--output-format must be one of text, json, stream-json/);
  const turns = await runHearth(sandbox, ["-p", "--max-turns", "0", "hi"]);
  assert.equal(turns.code, 2);
  const command = await runHearth(sandbox, ["frobnicate"]);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /unknown command "frobnicate"/);
  const empty = await runHearth(sandbox, ["-p"], { stdin: "" });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /no prompt/);
});

async function chatFake(script: FakeTurn[]) {
  const fake = await startFakeServer({ script });
  servers.push(fake);
  return fake;
}

test("piped stdin is appended to the prompt; stdin alone is the prompt", async () => {
  const fake = await chatFake([{ text: "reviewed" }, { text: "answered" }]);
  const sandbox = makeSandbox();
  const setup = providerSetup("openai-chat", fake.url);
  writeSettings(sandbox, "user", setup.settings);
  const both = await runHearth(sandbox, ["-p", "--model", setup.model, "review this"], {
    env: setup.env,
    stdin: "diff --git a/x b/x\n+added line\n",
  });
  assert.equal(both.code, 0, both.stderr);
  assert.equal(both.stdout, "reviewed\n");
  const firstMessages = fake.modelRequests[0].body?.messages as Array<{ role: string; content: string }>;
  const user = firstMessages.find((m) => m.role === "user");
  assert.equal(user?.content, "review this\n\ndiff --git a/x b/x\n+added line");

  const alone = await runHearth(sandbox, ["-p", "--model", setup.model], {
    env: setup.env,
    stdin: "what is 2+2?",
  });
  assert.equal(alone.code, 0, alone.stderr);
  const second = fake.modelRequests[1].body?.messages as Array<{ role: string; content: string }>;
  assert.equal(second.find((m) => m.role === "user")?.content, "what is 2+2?");
});

test("json output: one object with result, usage, cost, turns, duration and session id", async () => {
  const fake = await startFakeServer({
    script: [{ text: "the answer", usage: { input: 1000, output: 100 } }],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  const setup = providerSetup("anthropic-messages", fake.url);
  const run = await runHearth(sandbox, ["-p", "--model", setup.model, "--output-format", "json", "q"], {
    env: setup.env,
  });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const result = JSON.parse(lines[0]);
  assert.equal(result.type, "result");
  assert.equal(result.subtype, "success");
  assert.equal(result.result, "the answer");
  assert.equal(result.num_turns, 1);
  assert.deepEqual(result.usage, {
    input_tokens: 1000,
    output_tokens: 100,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
  });
  // claude-sonnet-4-5 list price: $3 / M input, $15 / M output.
  assert.equal(result.total_cost_usd, 0.0045);
  assert.match(result.session_id, /^[0-9a-f-]{36}$/);
  assert.equal(typeof result.duration_ms, "number");
});

test("HEARTH_MODEL and settings pick the model; --model wins", async () => {
  const fake = await chatFake([{ text: "one" }, { text: "two" }]);
  const sandbox = makeSandbox();
  const setup = providerSetup("openai-chat", fake.url);
  writeSettings(sandbox, "user", { ...(setup.settings as object), model: "fakechat/from-settings" });
  const fromSettings = await runHearth(sandbox, ["-p", "hi"], { env: setup.env });
  assert.equal(fromSettings.code, 0, fromSettings.stderr);
  assert.equal(fake.modelRequests[0].body?.model, "from-settings");
  const fromEnv = await runHearth(sandbox, ["-p", "hi"], {
    env: { ...setup.env, HEARTH_MODEL: "fakechat/from-env" },
  });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.equal(fake.modelRequests[1].body?.model, "from-env");
  assert.equal(fake.requests.length, 2, "no probes or other requests when a model is configured");
});

test("no model configured: a local server on loopback is found and named", async () => {
  const fake = await startFakeServer({ script: [{ text: "local answer" }], models: ["qwen-local"] });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", { providers: { lmstudio: { baseUrl: `${fake.url}/v1` } } });
  const run = await runHearth(sandbox, ["-p", "hi"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "local answer\n");
  assert.match(
    run.stderr,
    /no model configured; using lmstudio\/qwen-local found at http:\/\/127\.0\.0\.1:\d+\/v1/,
  );
});

test("no model configured and nothing local: says how to configure one", async () => {
  const sandbox = makeSandbox();
  const run = await runHearth(sandbox, ["-p", "hi"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /no model configured and no local model server found/);
  assert.match(run.stderr, /ANTHROPIC_API_KEY/);
  assert.match(run.stderr, /ollama serve/);
});

test("--max-turns stops the run with exit 1", async () => {
  const fake = await chatFake([{ toolCalls: [{ name: "ls", arguments: {} }] }, { text: "never" }]);
  const sandbox = makeSandbox();
  const setup = providerSetup("openai-chat", fake.url);
  writeSettings(sandbox, "user", setup.settings);
  const run = await runHearth(
    sandbox,
    ["-p", "--model", setup.model, "--max-turns", "1", "--output-format", "json", "hi"],
    {
      env: setup.env,
    },
  );
  assert.equal(run.code, 1);
  assert.match(run.stderr, /stopped after 1 turns/);
  assert.equal(JSON.parse(run.stdout).subtype, "error_max_turns");
});

test("hearth models lists cloud models whose key is set and the models of local servers", async () => {
  const fake = await startFakeServer({ models: ["qwen-local", "llama-local"] });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", { providers: { lmstudio: { baseUrl: `${fake.url}/v1` } } });
  const run = await runHearth(sandbox, ["models"], { env: { ANTHROPIC_API_KEY: "k" } });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.match(lines[0], /^MODEL\s+CONTEXT\s+SIZE\s+QUANT\s+WHERE$/);
  assert.match(run.stdout, /^anthropic\/claude-sonnet-4-5\s+200k\s+-\s+-\s+cloud \(ANTHROPIC_API_KEY\)$/m);
  assert.match(run.stdout, /^lmstudio\/qwen-local\s+-\s+-\s+-\s+local \(http:\/\/127\.0\.0\.1:\d+\/v1\)$/m);
  assert.match(run.stdout, /^lmstudio\/llama-local /m);
  assert.ok(!run.stdout.includes("openai/"), "no key, no openai models");
  assert.match(run.stderr, /no API key for openai: set OPENAI_API_KEY/);
  const extra = await runHearth(sandbox, ["models", "extra"]);
  assert.equal(extra.code, 2);
});

test("hearth models shows what each local server says of its models: context it runs with, size, quantization", async () => {
  const ollama = await startFakeServer({ models: ["qwen2.5-coder:7b"], contextLength: 32768 });
  const lmstudio = await startFakeServer({ models: ["qwen-lm"], serverInfo: true, contextLength: 4096 });
  const llamacpp = await startFakeServer({ models: ["model.gguf"], serverInfo: true, contextLength: 16384 });
  servers.push(ollama, lmstudio, llamacpp);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: {
      ollama: { baseUrl: ollama.url },
      lmstudio: { baseUrl: `${lmstudio.url}/v1` },
      llamacpp: { baseUrl: `${llamacpp.url}/v1` },
    },
  });
  const run = await runHearth(sandbox, ["models"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^ollama\/qwen2\.5-coder:7b\s+33k\s+4\.7 GB\s+Q4_K_M\s+local /m);
  // LM Studio: the context it loaded the model with, not the model's maximum.
  assert.match(run.stdout, /^lmstudio\/qwen-lm\s+4k\s+-\s+Q8_0\s+local /m);
  // llama.cpp: the context from /props, the size from /v1/models meta.
  assert.match(run.stdout, /^llamacpp\/model\.gguf\s+16k\s+4\.7 GB\s+-\s+local /m);
});
