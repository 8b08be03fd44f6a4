import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ENGINE_MISSING } from "./embedded-engine.ts";
import { embeddedPreflight } from "./local-model.ts";
import { resolveModel } from "./model-resolution.ts";

const GGUF = join(import.meta.dirname ?? ".", "../../test/fixtures/llama-2-tiny-random.gguf");

function sandbox() {
  const root = mkdtempSync(join(tmpdir(), "hearth-local-model-"));
  const env = { XDG_DATA_HOME: join(root, "data"), HEARTH_ENGINE_DIR: join(root, "engine") };
  mkdirSync(join(root, "data", "hearth", "models"), { recursive: true });
  return { root, env, models: join(root, "data", "hearth", "models") };
}

test("local/<name> finds a GGUF in the models directory, with or without .gguf; local/<path> takes a file", () => {
  const { root, env, models } = sandbox();
  copyFileSync(GGUF, join(models, "tiny.gguf"));
  for (const spec of ["local/tiny", "local/tiny.gguf"]) {
    const r = resolveModel(spec, { maxOutputTokens: 99 }, env);
    assert.ok(r.ok, spec);
    assert.equal(r.model.api, "embedded");
    assert.equal(r.model.provider, "local");
    assert.equal(r.model.id, "tiny");
    assert.equal(r.model.local, true);
    assert.equal(r.model.maxOutputTokens, 99);
    assert.equal(r.model.embedded?.path, join(models, "tiny.gguf"));
    assert.equal(r.model.embedded?.engineDir, join(root, "engine"));
  }
  const byPath = resolveModel(`local/${GGUF}`, {}, env);
  assert.ok(byPath.ok && byPath.model.embedded?.path === GGUF && byPath.model.id === "llama-2-tiny-random");
});

test("the local settings block reaches the engine options", () => {
  const { env } = sandbox();
  const settings = {
    maxOutputTokens: 64,
    local: { threads: 3, contextSize: 1024, gpu: false as const, temperature: 0.5, seed: 7 },
  };
  const r = resolveModel(`local/${GGUF}`, settings, env);
  assert.ok(r.ok);
  assert.deepEqual(r.model.embedded, {
    path: GGUF,
    engineDir: env.HEARTH_ENGINE_DIR,
    threads: 3,
    contextSize: 1024,
    gpu: false,
    temperature: 0.5,
    seed: 7,
  });
  assert.equal(r.model.contextWindow, 1024);
});

test("a missing model or name is a one-line error that says what to do", () => {
  const { env } = sandbox();
  const missing = resolveModel("local/nope", {}, env);
  assert.ok(
    !missing.ok && /no model "nope" in .*; download one with hearth models pull/.test(missing.message),
  );
  const unnamed = resolveModel("local", {}, env);
  assert.ok(!unnamed.ok && /--model local\/<name>/.test(unnamed.message));
  const unknown = resolveModel("nope/x", {}, env);
  assert.ok(!unknown.ok && /known providers: .*local/.test(unknown.message));
});

test("preflight: engine missing, not a GGUF, or the context window from the file's metadata", async () => {
  const { root, env } = sandbox();
  const resolved = resolveModel(`local/${GGUF}`, {}, env);
  assert.ok(resolved.ok);
  assert.equal(await embeddedPreflight(resolved.model), ENGINE_MISSING);

  // A directory that looks like an install is enough for the preflight (loading is the adapter's job).
  const manifest = join(root, "engine", "node_modules", "node-llama-cpp");
  mkdirSync(manifest, { recursive: true });
  writeFileSync(join(manifest, "package.json"), '{"version":"3.22.1"}');
  assert.equal(await embeddedPreflight(resolved.model), null);
  // Trained for 4096 tokens; the default cap is 8192.
  assert.equal(resolved.model.contextWindow, 4096);
  assert.equal(resolved.model.embedded?.contextSize, 4096);

  const cappedSettings = { maxOutputTokens: 64, local: { contextSize: 1024 } };
  const capped = resolveModel(`local/${GGUF}`, cappedSettings, env);
  assert.ok(capped.ok);
  assert.equal(await embeddedPreflight(capped.model), null);
  assert.equal(capped.model.contextWindow, 1024);

  const fake = join(root, "fake.gguf");
  writeFileSync(fake, "not a model at all, just text");
  const bad = resolveModel(`local/${fake}`, {}, env);
  assert.ok(bad.ok);
  assert.match((await embeddedPreflight(bad.model)) ?? "", /^cannot use .*fake\.gguf: not a GGUF file/);
});
