/**
 * End to end: which model a run uses and how it is treated. Local is the provider's kind, not its host; a model
 * given by a bare name finds its provider; a GGUF file given by path is recorded so that -c finds it again.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { engineDir, installedEngineVersion } from "../../src/providers/embedded-engine.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function fakeServer(turns: number, models?: string[]): Promise<FakeServer> {
  const fake = await startFakeServer({
    script: Array.from({ length: turns }, () => ({ text: "ok" })),
    models,
  });
  servers.push(fake);
  return fake;
}

const systemOf = (fake: FakeServer, i: number) => JSON.stringify(fake.modelRequests[i].body?.system);

test("a cloud provider behind a loopback URL is still a cloud model: default prompt, no latency lines", async () => {
  const fake = await fakeServer(2);
  const setup = providerSetup("anthropic-messages", fake.url);
  const sandbox = makeSandbox();
  const run = await runHearth(sandbox, ["-p", "--model", setup.model, "hi"], { env: setup.env });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /latency:/);
  const forced = await runHearth(sandbox, ["-p", "--model", setup.model, "--profile", "default", "hi"], {
    env: setup.env,
  });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(systemOf(fake, 0), systemOf(fake, 1), "the default profile's system prompt");
});

test("a custom provider marked local gets the lean prompt and latency lines; unmarked, it does not", async () => {
  const fake = await fakeServer(3);
  const sandbox = makeSandbox();
  const provider = { api: "openai-chat", baseUrl: `${fake.url}/v1` };
  writeSettings(sandbox, "user", { providers: { box: { ...provider, local: true }, proxy: provider } });
  const local = await runHearth(sandbox, ["-p", "--model", "box/m", "hi"]);
  assert.equal(local.code, 0, local.stderr);
  assert.match(local.stderr, /^hearth: latency: first token /m);
  const lean = await runHearth(sandbox, ["-p", "--model", "box/m", "--profile", "lean", "hi"]);
  assert.equal(lean.code, 0, lean.stderr);
  const cloud = await runHearth(sandbox, ["-p", "--model", "proxy/m", "hi"]);
  assert.equal(cloud.code, 0, cloud.stderr);
  assert.doesNotMatch(cloud.stderr, /latency:/);
  const messages = (i: number) =>
    JSON.stringify((fake.modelRequests[i].body as { messages: unknown[] }).messages[0]);
  assert.equal(messages(0), messages(1), "lean, as --profile lean");
  assert.notEqual(messages(2), messages(0), "the unmarked one gets the default prompt");
});

/** The installed engine, or one whose files are missing: either way the model is resolved before the engine runs. */
function someEngine(): string {
  const installed = engineDir(process.env);
  if (installedEngineVersion(installed)) return installed;
  const dir = mkdtempSync(join(tmpdir(), "hearth-engine-"));
  mkdirSync(join(dir, "node_modules", "node-llama-cpp"), { recursive: true });
  writeFileSync(join(dir, "node_modules", "node-llama-cpp", "package.json"), '{"version":"3.22.1"}');
  return dir;
}

test("a GGUF file given by a relative path is recorded by its absolute path: -r finds it from anywhere", async () => {
  const sandbox = makeSandbox();
  copyFileSync(
    join(import.meta.dirname ?? ".", "../fixtures/llama-2-tiny-random.gguf"),
    join(sandbox.project, "tiny.gguf"),
  );
  const env = { HEARTH_ENGINE_DIR: someEngine() };
  writeSettings(sandbox, "user", { maxOutputTokens: 8 });
  const first = await runHearth(sandbox, ["-p", "--model", "local/./tiny.gguf", "hi"], {
    env,
    timeoutMs: 60_000,
  });
  assert.doesNotMatch(first.stderr, /no model/, first.stderr);
  const sessions = join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions");
  const [file] = readdirSync(sessions).filter((f) => f.endsWith(".jsonl"));
  const header = JSON.parse(readFileSync(join(sessions, file), "utf8").split("\n")[0]);
  assert.equal(header.model, `local/${join(sandbox.project, "tiny.gguf")}`);

  // Resumed from another directory: the recorded model resolves (the run then starts, or the engine says why not).
  const elsewhere = { ...sandbox, project: join(sandbox.home, "..", "elsewhere") };
  mkdirSync(elsewhere.project);
  const again = await runHearth(elsewhere, ["-p", "-r", header.id.slice(-8), "again"], {
    env,
    timeoutMs: 60_000,
  });
  assert.doesNotMatch(again.stderr, /no model|does not exist/, again.stderr);
  assert.equal(again.code, first.code, again.stderr);
  const list = await runHearth(sandbox, ["sessions"]);
  assert.match(list.stdout, /\slocal\/tiny\s/, "listed by its short name");
});

test("bare model names find their provider: catalog ids, a word of one, an Ollama tag; else the close matches", async () => {
  const fake = await fakeServer(6, ["qwen2.5-coder:7b"]);
  const env = Object.assign(
    {},
    ...["anthropic-messages", "openai-responses", "gemini", "ollama"].map(
      (p) => providerSetup(p, fake.url).env,
    ),
  );
  const sandbox = makeSandbox();
  const cases: Array<[string, RegExp]> = [
    ["claude-sonnet-4-5", /\/messages$/],
    ["sonnet", /\/messages$/],
    ["gpt-5", /\/responses$/],
    ["gemini-2.5-pro", /\/models\/gemini-2\.5-pro:/],
    ["qwen2.5-coder:7b", /^\/api\/chat$/],
  ];
  for (const [i, [name, path]] of cases.entries()) {
    const run = await runHearth(sandbox, ["-p", "--model", name, "hi"], { env });
    assert.equal(run.code, 0, `${name}: ${run.stderr}`);
    assert.match(fake.modelRequests[i].path, path, name);
  }
  assert.equal((fake.modelRequests[1].body as { model: string }).model, "claude-sonnet-4-5");
  const sonnet = await runHearth(sandbox, ["-p", "--model", "sonnet", "hi"], { env });
  assert.equal(sonnet.code, 0, sonnet.stderr);
  assert.match(sonnet.stderr, /using anthropic\/claude-sonnet-4-5 for "sonnet"/);

  const ambiguous = await runHearth(sandbox, ["-p", "--model", "gemini", "hi"], { env });
  assert.equal(ambiguous.code, 2);
  assert.equal(
    ambiguous.stderr,
    'hearth: "gemini" could be google/gemini-2.5-pro, google/gemini-2.5-flash; pass one of them to --model\n',
  );
  const typo = await runHearth(sandbox, ["-p", "--model", "qwen2.5-codr:7b", "hi"], { env });
  assert.equal(typo.code, 2);
  assert.match(
    typo.stderr,
    /no model or provider is called "qwen2\.5-codr:7b"; did you mean ollama\/qwen2\.5-coder:7b\?/,
  );
  assert.equal(fake.remaining(), 0, "no request for a name that did not resolve");
});
