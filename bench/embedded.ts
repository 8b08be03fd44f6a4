/**
 * Embedded engine benchmark on the tiny random-weight GGUF (test/fixtures), with the engine from
 * HEARTH_ENGINE_DIR (or `hearth engine install`'s directory):
 *  1. model load time (engine import + native init + model + context), per thread count;
 *  2. prompt processing tok/s: a ~1,000-token prompt and one output token, each run with a different first line
 *     so nothing is reused from the previous run (median of N);
 *  3. generation tok/s: a short prompt, 256 output tokens, timed after the first token (median of N);
 *     both for threads 1, hearth's default for this machine, and all cores;
 *  4. the second turn of a conversation: prompt tokens evaluated vs reused (the KV cache keeping the prefix);
 *  5. `hearth -p --model local/<name>` start to its first model output (the first text, or the response when the
 *     reply was a tool call, which the grammar does not stream), and that response's own timing (median of N).
 * Run with `npm run bench:embedded` (builds first). Prints a table and writes bench/results/embedded.json.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_PROMPT, benchOnce } from "../src/cli/models-bench-command.ts";
import {
  defaultThreads,
  loadEmbeddedModel,
  streamEmbedded,
  unloadEmbeddedModel,
} from "../src/providers/embedded.ts";
import { engineDir, installedEngineVersion } from "../src/providers/embedded-engine.ts";
import type { ModelRequest, ProviderEvent, ResolvedModel } from "../src/providers/provider.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist/cli.cjs");
const GGUF = join(ROOT, "test/fixtures/llama-2-tiny-random.gguf");
const N = Number(process.env.BENCH_RUNS ?? 5);
const ENGINE = engineDir(process.env);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const signal = new AbortController().signal;
const noHttp = {} as never;

function model(threads: number): ResolvedModel {
  return {
    provider: "local",
    id: "llama-2-tiny-random",
    api: "embedded",
    baseUrl: "",
    local: true,
    embedded: { path: GGUF, engineDir: ENGINE, threads, contextSize: 4096 },
  };
}

const longPrompt = (run: number): ModelRequest => ({
  system: `Prompt benchmark ${run} ${Date.now()}.`,
  messages: [{ role: "user", content: Array(4).fill(BENCH_PROMPT).join("\n\n") }],
  tools: [],
  maxOutputTokens: 1,
});

const generation = (run: number): ModelRequest => ({
  system: `Generation benchmark ${run} ${Date.now()}.`,
  messages: [{ role: "user", content: "Tell a long story." }],
  tools: [],
  maxOutputTokens: 256,
});

async function perThreads(threads: number): Promise<Record<string, number>> {
  await unloadEmbeddedModel();
  const { loadMs } = await loadEmbeddedModel(model(threads));
  const prompt: number[] = [];
  const promptTokens: number[] = [];
  const gen: number[] = [];
  for (let i = 0; i < N; i++) {
    const started = performance.now();
    const events: ProviderEvent[] = [];
    for await (const e of streamEmbedded(model(threads), longPrompt(i), { signal, http: noHttp }))
      events.push(e);
    const usage = events.find((e) => e.type === "usage");
    if (usage?.type !== "usage") throw new Error(`no usage: ${JSON.stringify(events.at(-1))}`);
    // One output token: the whole time is prompt processing (plus one sampled token).
    prompt.push(usage.usage.inputTokens / ((performance.now() - started) / 1000));
    promptTokens.push(usage.usage.inputTokens);
    const run = await benchOnce(streamEmbedded, model(threads), generation(i), noHttp, signal);
    if (run.error || run.generationTokensPerSecond === null)
      throw new Error(run.error ?? "no generation speed");
    gen.push(run.generationTokensPerSecond);
  }
  return {
    loadMs: round(loadMs),
    promptTokens: median(promptTokens),
    promptTokensPerSecond: Math.round(median(prompt)),
    generationTokensPerSecond: Math.round(median(gen)),
  };
}

async function secondTurn(threads: number): Promise<Record<string, number>> {
  const first: ModelRequest = {
    system: `Conversation ${Date.now()}. ${"A system prompt that stays the same. ".repeat(40)}`,
    messages: [{ role: "user", content: "First question." }],
    tools: [],
    maxOutputTokens: 16,
  };
  const usage = async (request: ModelRequest) => {
    for await (const e of streamEmbedded(model(threads), request, { signal, http: noHttp }))
      if (e.type === "usage") return e.usage;
    throw new Error("no usage");
  };
  const one = await usage(first);
  const two = await usage({
    ...first,
    messages: [
      ...first.messages,
      { role: "assistant", content: [{ type: "text", text: "An answer." }], stopReason: "stop" },
      { role: "user", content: "Second question." },
    ],
  });
  return {
    turn1Evaluated: one.inputTokens,
    turn2Evaluated: two.inputTokens,
    turn2Reused: two.cacheReadTokens ?? 0,
  };
}

/** `hearth -p` start to the first model output line on stdout; also that response's own ttft and duration. */
function printRun(home: string, project: string): Promise<{ firstOutputMs: number; responseMs: number }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [CLI, "-p", "--output-format", "stream-json", "--model", "local/tiny", "hello"],
      {
        cwd: project,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: home,
          XDG_CONFIG_HOME: join(home, ".config"),
          XDG_DATA_HOME: join(home, ".local/share"),
          XDG_STATE_HOME: join(home, ".local/state"),
          HEARTH_ENGINE_DIR: ENGINE,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let firstOutputMs: number | undefined;
    let responseMs: number | undefined;
    let buffer = "";
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl !== -1; nl = buffer.indexOf("\n")) {
        const event = JSON.parse(buffer.slice(0, nl)) as { type: string; timing?: { durationMs: number } };
        buffer = buffer.slice(nl + 1);
        if ((event.type === "text_delta" || event.type === "message_ended") && firstOutputMs === undefined)
          firstOutputMs = performance.now() - started;
        if (event.type === "message_ended" && responseMs === undefined) responseMs = event.timing?.durationMs;
      }
    });
    child.on("close", (code) => {
      if (code !== 0 || firstOutputMs === undefined)
        reject(new Error(`hearth -p failed (${code}): ${stderr}`));
      else resolvePromise({ firstOutputMs, responseMs: responseMs ?? 0 });
    });
  });
}

async function main(): Promise<void> {
  const version = installedEngineVersion(ENGINE);
  if (!version) {
    console.error(
      `the embedded engine is not installed in ${ENGINE}: run hearth engine install (or set HEARTH_ENGINE_DIR)`,
    );
    process.exit(1);
  }
  const results: Record<string, unknown> = {
    node: process.version,
    engine: version,
    cores: availableParallelism(),
    defaultThreads: defaultThreads(),
    runs: N,
    date: new Date().toISOString(),
  };
  const threadCounts = [...new Set([1, defaultThreads(), availableParallelism()])];
  for (const threads of threadCounts) results[`threads${threads}`] = await perThreads(threads);
  results.secondTurn = await secondTurn(defaultThreads());
  await unloadEmbeddedModel();

  const root = mkdtempSync(join(tmpdir(), "hearth-bench-embedded-"));
  const home = join(root, "home");
  const project = join(root, "project");
  mkdirSync(join(home, ".config/hearth"), { recursive: true });
  mkdirSync(join(home, ".local/share/hearth/models"), { recursive: true });
  mkdirSync(project, { recursive: true });
  copyFileSync(GGUF, join(home, ".local/share/hearth/models/tiny.gguf"));
  writeFileSync(join(home, ".config/hearth/settings.json"), JSON.stringify({ maxOutputTokens: 32 }));
  const firstOutput: number[] = [];
  const response: number[] = [];
  for (let i = 0; i < N; i++) {
    const run = await printRun(home, project);
    firstOutput.push(run.firstOutputMs);
    response.push(run.responseMs);
  }
  results.printStartToFirstOutputMs = round(median(firstOutput));
  results.printResponseDurationMs = round(median(response));

  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/embedded.json"), `${JSON.stringify(results, null, 2)}\n`);
  const rows: string[][] = [];
  for (const threads of threadCounts) {
    const r = results[`threads${threads}`] as Record<string, number>;
    const label = `threads ${threads}${threads === defaultThreads() ? " (default)" : ""}`;
    rows.push([`${label}: model load (ms)`, String(r.loadMs)]);
    rows.push([`${label}: prompt tok/s (${r.promptTokens} tokens)`, String(r.promptTokensPerSecond)]);
    rows.push([`${label}: generation tok/s`, String(r.generationTokensPerSecond)]);
  }
  const turn = results.secondTurn as Record<string, number>;
  rows.push([
    "second turn: prompt tokens evaluated / reused",
    `${turn.turn2Evaluated} / ${turn.turn2Reused} (first turn ${turn.turn1Evaluated})`,
  ]);
  rows.push(["hearth -p start -> first model output (ms)", String(results.printStartToFirstOutputMs)]);
  rows.push(["  of which the model response (ms)", String(results.printResponseDurationMs)]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  console.log(`embedded engine ${version}, ${results.cores} cores, median of ${N}`);
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}${value}`);
}

await main();
