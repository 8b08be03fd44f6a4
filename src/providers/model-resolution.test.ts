import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  isLocalProvider,
  isLoopbackUrl,
  modelDisplayName,
  modelReference,
  resolveModel,
} from "./model-resolution.ts";

const GGUF = join(import.meta.dirname ?? ".", "../../test/fixtures/llama-2-tiny-random.gguf");

test("built-in cloud provider: base URL and key from env, catalog limits", () => {
  const r = resolveModel(
    "anthropic/claude-sonnet-4-5",
    {},
    { ANTHROPIC_API_KEY: "k1", ANTHROPIC_BASE_URL: "http://127.0.0.1:9/" },
  );
  assert.ok(r.ok);
  assert.equal(r.model.api, "anthropic-messages");
  assert.equal(r.model.baseUrl, "http://127.0.0.1:9");
  assert.equal(r.model.apiKey, "k1");
  assert.equal(r.model.apiKeyEnv, "ANTHROPIC_API_KEY");
  assert.equal(r.model.contextWindow, 200000);
  // A cloud API behind a loopback URL (a proxy, a test server) is still a cloud model.
  assert.equal(r.model.local, false);
});

test("a missing cloud key is a clear error naming the variable", () => {
  const r = resolveModel("openai/gpt-5", {}, {});
  assert.ok(!r.ok);
  assert.equal(r.message, "no API key for openai: set OPENAI_API_KEY, or run `hearth keys set openai`");
  const g = resolveModel("google/gemini-2.5-pro", {}, { GOOGLE_API_KEY: "g" });
  assert.ok(g.ok && g.model.apiKeyEnv === "GOOGLE_API_KEY" && g.model.api === "gemini");
});

test("provider without a model uses the catalog default; local providers need a model name", () => {
  const r = resolveModel("anthropic", {}, { ANTHROPIC_API_KEY: "k" });
  assert.ok(r.ok && r.model.id === "claude-sonnet-4-5");
  const o = resolveModel("ollama", {}, {});
  assert.ok(!o.ok && /--model ollama\/<model>/.test(o.message));
});

test("custom providers from settings, model ids with slashes", () => {
  const settings = {
    providers: {
      groq: { api: "openai-chat", baseUrl: "https://api.groq.example/openai/v1", apiKeyEnv: "GROQ_API_KEY" },
    },
  };
  const r = resolveModel("groq/meta-llama/llama-4", settings, { GROQ_API_KEY: "gk" });
  assert.ok(r.ok);
  assert.equal(r.model.id, "meta-llama/llama-4");
  assert.equal(r.model.api, "openai-chat");
  assert.equal(r.model.local, false);
  assert.equal(r.model.apiKey, "gk");
  const missing = resolveModel("groq/x", settings, {});
  assert.ok(!missing.ok && /GROQ_API_KEY/.test(missing.message));
});

test("unknown provider lists the known ones", () => {
  const r = resolveModel("nope/x", {}, {});
  assert.ok(!r.ok && /unknown provider "nope"/.test(r.message) && /ollama/.test(r.message));
});

test("loopback detection; OLLAMA_HOST reaches the ollama provider", () => {
  const r = resolveModel("ollama/qwen", {}, { OLLAMA_HOST: "gpu-box:9999" });
  assert.ok(
    r.ok && r.model.baseUrl === "http://gpu-box:9999" && r.model.local,
    "Ollama on another box is local",
  );
  assert.ok(isLoopbackUrl("http://localhost:1234/v1"));
  assert.ok(isLoopbackUrl("http://[::1]:8080"));
  assert.ok(!isLoopbackUrl("https://api.openai.com/v1"));
  // One definition with the offline guard: a name that merely starts with "127." is not this machine.
  assert.ok(!isLoopbackUrl("http://127.attacker.example/v1"));
  assert.ok(isLoopbackUrl("http://127.0.0.2:8080"));
});

test("local is the provider's kind, not its host: local servers, the engine, custom ones that say so", () => {
  const loopback = "http://127.0.0.1:8000/v1";
  const settings = {
    providers: {
      vllm: { api: "openai-chat", baseUrl: loopback },
      mine: { api: "openai-chat", baseUrl: "http://gpu-box:8000/v1", local: true },
      box: { api: "ollama", baseUrl: "http://gpu-box:11434" },
      ollama: { local: false },
    },
  } as const;
  for (const provider of ["lmstudio", "llamacpp", "local", "mine", "box"])
    assert.equal(isLocalProvider(provider, settings), true, provider);
  for (const provider of ["anthropic", "openai", "google", "vllm", "ollama", "unknown"])
    assert.equal(isLocalProvider(provider, settings), false, provider);
  assert.equal(isLocalProvider("ollama", {}), true);
  const viaProxy = resolveModel("openai/gpt-5", {}, { OPENAI_BASE_URL: loopback });
  assert.ok(viaProxy.ok && !viaProxy.model.local, "no key needed on loopback, and still not local");
  const vllm = resolveModel("vllm/m", settings as never, {});
  assert.ok(vllm.ok && !vllm.model.local);
});

test("a GGUF file given by a relative path is recorded by its absolute path, which resolves from anywhere", () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-model-ref-"));
  const env = { XDG_DATA_HOME: join(root, "data") };
  const models = join(root, "data", "hearth", "models");
  mkdirSync(models, { recursive: true });
  copyFileSync(GGUF, join(root, "tiny.gguf"));
  copyFileSync(GGUF, join(models, "pulled.gguf"));
  const here = process.cwd();
  process.chdir(root);
  let byPath: ReturnType<typeof resolveModel>;
  try {
    byPath = resolveModel("local/./tiny.gguf", {}, env);
  } finally {
    process.chdir(here);
  }
  assert.ok(byPath.ok);
  assert.equal(`${byPath.model.provider}/${byPath.model.id}`, "local/tiny", "shown by its short name");
  const reference = modelReference(byPath.model, env);
  assert.equal(reference, `local/${join(root, "tiny.gguf")}`);
  const again = resolveModel(reference, {}, env); // from this test's own directory, not root
  assert.ok(again.ok && again.model.embedded?.path === join(root, "tiny.gguf") && again.model.id === "tiny");
  assert.equal(modelDisplayName(reference), "local/tiny");

  // A model of the models directory is recorded by its name; other models by provider and id.
  const pulled = resolveModel("local/pulled", {}, env);
  assert.ok(pulled.ok && modelReference(pulled.model, env) === "local/pulled");
  const cloud = resolveModel("anthropic/claude-sonnet-4-5", {}, { ANTHROPIC_API_KEY: "k" });
  assert.ok(cloud.ok && modelReference(cloud.model, env) === "anthropic/claude-sonnet-4-5");
  assert.equal(modelDisplayName("groq/meta-llama/llama-4"), "groq/meta-llama/llama-4");
  assert.equal(modelDisplayName("local/C:\\models\\x.gguf"), "local/x");
});

test("whether a model takes images: settings first (true, false or a list), then the catalog; else unknown", () => {
  const env = { ANTHROPIC_API_KEY: "k", OPENAI_API_KEY: "k", GEMINI_API_KEY: "k" };
  const images = (spec: string, settings = {}) => {
    const r = resolveModel(spec, settings, env);
    assert.ok(r.ok, spec);
    return r.model.images;
  };
  // The catalog: every Claude and Gemini model (a provider-wide entry), OpenAI's models one by one.
  assert.equal(images("anthropic/claude-sonnet-4-5"), true);
  assert.equal(images("anthropic/claude-3-5-haiku-latest"), true);
  assert.equal(images("google/gemini-2.5-flash"), true);
  for (const model of ["gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4o"])
    assert.equal(images(`openai/${model}`), true);
  assert.equal(images("openai/o1-mini"), undefined);
  assert.equal(images("ollama/llama3.2"), undefined);
  assert.equal(images("lmstudio/qwen2.5-vl"), undefined);
  // Settings say it for local and custom models, or overrule the catalog.
  const settings = {
    providers: {
      lmstudio: { images: true },
      ollama: { images: ["llava:13b", "gemma3:27b"] },
      anthropic: { images: false },
    },
  };
  assert.equal(images("lmstudio/qwen2.5-vl", settings), true);
  assert.equal(images("ollama/llava:13b", settings), true);
  assert.equal(images("ollama/llama3.2", settings), undefined, "not listed: as if unset");
  assert.equal(images("anthropic/claude-sonnet-4-5", settings), false);
  // The embedded engine reads text only.
  const local = resolveModel(`local/${GGUF}`, {}, {});
  assert.ok(local.ok && local.model.images === false);
});
