/**
 * End to end with the embedded engine: the built CLI runs the tiny random-weight GGUF in-process
 * (`--model local/<name>`), `hearth models bench` measures it, `hearth engine status` checks the install, and a
 * missing engine is one line and exit 1. Needs the engine (HEARTH_ENGINE_DIR or `hearth engine install`); the
 * tests that load it skip without it.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ENGINE_MISSING, engineDir, installedEngineVersion } from "../../src/providers/embedded-engine.ts";
import { makeSandbox, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const GGUF = join(import.meta.dirname ?? ".", "../fixtures/llama-2-tiny-random.gguf");
const ENGINE_DIR = engineDir(process.env);
const skip = installedEngineVersion(ENGINE_DIR)
  ? false
  : `the embedded engine is not installed in ${ENGINE_DIR}: run hearth engine install (or set HEARTH_ENGINE_DIR)`;

/** A sandbox whose models directory holds the tiny GGUF as `tiny.gguf`. */
function tinySandbox(engine = ENGINE_DIR): Sandbox {
  const sandbox = makeSandbox({ "notes.txt": "hello\n" });
  const models = join(sandbox.env.XDG_DATA_HOME, "hearth", "models");
  mkdirSync(models, { recursive: true });
  copyFileSync(GGUF, join(models, "tiny.gguf"));
  sandbox.env.HEARTH_ENGINE_DIR = engine;
  writeSettings(sandbox, "user", { maxOutputTokens: 32 });
  return sandbox;
}

test("hearth -p --model local/<name> runs the GGUF in-process and streams its events", { skip }, async () => {
  const sandbox = tinySandbox();
  const run = await runHearth(
    sandbox,
    ["-p", "--output-format", "stream-json", "--model", "local/tiny", "hi"],
    {
      timeoutMs: 60_000,
    },
  );
  // Random weights never stop on their own: the answer runs into maxOutputTokens, hearth asks once to continue,
  // and the run ends as cut off (exit 1), as for any model.
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /cut off by the output token limit, also after asking the model to continue/);
  const info = run.events.find((e) => e.type === "session_info");
  assert.equal(info?.model, "local/tiny");
  const response = run.events.find((e) => e.type === "message_ended") as
    | { message: { usage: { inputTokens: number; outputTokens: number }; stopReason: string } }
    | undefined;
  assert.ok(response, run.stdout);
  const { usage } = response.message;
  // The whole system prompt and tool list were evaluated; output stopped at maxOutputTokens from settings.
  assert.ok(usage.inputTokens > 100, JSON.stringify(response));
  assert.ok(usage.outputTokens > 0 && usage.outputTokens <= 32, JSON.stringify(response));
  assert.equal(run.events.filter((e) => e.type === "message_ended").length, 2, "one request to continue");
  const result = run.events.at(-1);
  assert.equal(result?.type, "result");
  assert.equal(result?.subtype, "error_max_output_tokens");
  assert.equal(result?.is_error, true);
});

test("a missing engine: one line saying how to install it, exit 1", async () => {
  const sandbox = tinySandbox(mkdtempSync(join(tmpdir(), "hearth-no-engine-")));
  const run = await runHearth(sandbox, ["-p", "--model", "local/tiny", "hi"]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr.split(ENGINE_MISSING).length - 1, 1, run.stderr);
  const status = await runHearth(sandbox, ["engine", "status"]);
  assert.equal(status.code, 1);
  assert.match(status.stdout, /embedded engine: not installed/);
});

test("a model name that is not there says where hearth looked and how to get one", async () => {
  const sandbox = tinySandbox();
  const run = await runHearth(sandbox, ["-p", "--model", "local/missing", "hi"]);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /no model "missing" in .*models; have: tiny; download one with hearth models pull/,
  );
});

test("hearth engine status: version, build and a real load", { skip }, async () => {
  const sandbox = tinySandbox();
  const run = await runHearth(sandbox, ["engine", "status"], { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^embedded engine: node-llama-cpp \d+\.\d+\.\d+ in /);
  assert.match(run.stdout, /\nloads: yes, on the (CPU|GPU \(\w+\)), in \d+ ms\n/);
});

test("hearth models bench local/<name>: timings and token counts per run", { skip }, async () => {
  const sandbox = tinySandbox();
  const run = await runHearth(
    sandbox,
    ["models", "bench", "local/tiny", "--runs", "2", "--max-tokens", "16", "--threads", "1", "--json"],
    { timeoutMs: 60_000 },
  );
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    model: string;
    threads: number;
    loadMs: number;
    runs: Array<{
      ttftMs: number;
      promptTokens: number;
      outputTokens: number;
      generationTokensPerSecond: number;
    }>;
  };
  assert.equal(report.model, "local/tiny");
  assert.equal(report.threads, 1);
  assert.ok(report.loadMs > 0);
  assert.equal(report.runs.length, 2);
  for (const r of report.runs) {
    assert.ok(r.promptTokens > 100, JSON.stringify(r));
    assert.equal(r.outputTokens, 16);
    assert.ok(r.ttftMs > 0 && r.generationTokensPerSecond > 0, JSON.stringify(r));
  }
});

test("hearth prompt --show counts tokens with the model's own tokenizer for local/ models", {
  skip,
}, async () => {
  const sandbox = tinySandbox();
  const run = await runHearth(sandbox, ["prompt", "--show", "--json", "--model", "local/tiny"], {
    timeoutMs: 60_000,
  });
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    profile: string;
    tokens: { count: number; exact: boolean; method: string };
  };
  assert.equal(report.profile, "lean");
  assert.equal(report.tokens.exact, true);
  assert.equal(report.tokens.method, "tokenizer");
  assert.ok(report.tokens.count > 300 && report.tokens.count < 2000, JSON.stringify(report.tokens));
  // Without the engine: an estimate, said so.
  const bare = tinySandbox(mkdtempSync(join(tmpdir(), "hearth-no-engine-")));
  const estimate = await runHearth(bare, ["prompt", "--show", "--json", "--model", "local/tiny"]);
  assert.equal(estimate.code, 0, estimate.stderr);
  assert.equal(JSON.parse(estimate.stdout).tokens.exact, false);
  assert.match(estimate.stderr, /the token count is an estimate/);
});
