/**
 * `hearth models bench [<model>]`: a fixed prompt, run a few times against any model hearth can use (the embedded
 * engine, a local server, a cloud model with its key), measuring time to first token, the prompt tokens the model
 * actually processed, prompt and generation speed, and for the embedded engine the model load time. Each run starts
 * with a different first line so no server reuses the previous run's prompt cache.
 */

import { createHttpClient } from "../egress/http-client.ts";
import { createEgressLedger } from "../egress/ledger.ts";
import { offlineGuard } from "../egress/offline.ts";
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import type { Usage } from "../protocol/messages.ts";
import type { HttpClient, ModelRequest, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import { loadStreamFunction } from "../providers/registry.ts";
import { loadWorkspaceSettings } from "../runtime/load-settings.ts";
import { chooseModel } from "../runtime/model-selection.ts";
import { processRedactor } from "../runtime/process-redactor.ts";
import { workspaceRoot } from "../runtime/workspace-root.ts";
import { hearthPaths } from "../store/paths.ts";
import { writeError } from "./redaction.ts";
import { parseSubcommand, type SubcommandIo, subcommandOutput } from "./subcommand.ts";

const USAGE = `Usage: hearth models bench [<model>] [--runs N] [--max-tokens N] [--threads N] [--json] [--cwd DIR]
Runs a fixed prompt N times (default 3) and prints time to first token, prompt tokens processed, prompt tok/s and
generation tok/s (generation speed leaves prompt processing out). <model> is "<provider>/<model>" or
local/<file>; without it, the model hearth -p would use. --threads applies to local/ models.
`;

/** The fixed prompt: some code to read (prompt processing) and an answer of a few sentences (generation). */
export const BENCH_SYSTEM = "You are a careful senior engineer. Answer plainly and briefly.";
export const BENCH_PROMPT = `Review this TypeScript function and explain in a few sentences what it does and one way to improve it.

\`\`\`ts
export function groupBy<T, K extends string | number>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
\`\`\``;

export type BenchRun = {
  /** Request sent to the first token (text, reasoning or tool call), ms. */
  ttftMs: number | null;
  durationMs: number;
  promptTokens: number;
  cachedTokens: number;
  outputTokens: number;
  promptTokensPerSecond: number | null;
  generationTokensPerSecond: number | null;
  error?: string;
};

export type BenchDeps = SubcommandIo & {
  /** The clock for timings (ms); performance.now by default. */
  now?: () => number;
};

export async function runModelsBench(
  args: string[],
  env: NodeJS.ProcessEnv,
  deps: BenchDeps = {},
): Promise<number> {
  const output = subcommandOutput(deps);
  const parsed = parseSubcommand<{
    runs?: string;
    "max-tokens"?: string;
    threads?: string;
    json?: boolean;
    cwd?: string;
  }>(
    args,
    {
      runs: { type: "string" },
      "max-tokens": { type: "string" },
      threads: { type: "string" },
      json: { type: "boolean" },
      cwd: { type: "string" },
    },
    USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  if (parsed.positionals.length > 1)
    return output.fail(`name one model (got ${parsed.positionals.length})\n${USAGE}`, EXIT_USAGE);
  const runs = positive(parsed.values.runs ?? "3");
  const maxTokens = positive(parsed.values["max-tokens"] ?? "128");
  const threads = parsed.values.threads === undefined ? undefined : positive(parsed.values.threads);
  if (runs === null || maxTokens === null || threads === null)
    return output.fail("--runs, --max-tokens and --threads take a whole number above 0", EXIT_USAGE);

  const layers = loadWorkspaceSettings(workspaceRoot(parsed.values.cwd), env, writeError);
  if (!layers) return EXIT_USAGE;
  const settings = layers.merged;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on("SIGINT", onSigint);
  try {
    const ledger = createEgressLedger({
      stateDir: hearthPaths(env).stateDir,
      onProblem: (problem) => output.err(`hearth: ${problem}\n`),
    });
    const http = createHttpClient({
      onExchange: ledger.record,
      beforeRequest: offlineGuard({
        offline: settings.offline === true,
        reason: "offline: true in settings",
      }),
    });
    const flag = parsed.positionals[0];
    const choice = await chooseModel({ flag, env, settings, http, signal: controller.signal });
    if (!choice.ok) return output.fail(choice.message, choice.exitCode);
    const model = choice.model;
    if (model.apiKey) processRedactor().add(model.apiKey);
    if (choice.notice) output.err(`hearth: ${choice.notice}\n`);

    let load: { loadMs: number; contextSize: number; threads: number } | undefined;
    if (model.api === "embedded" && model.embedded) {
      if (threads !== undefined) model.embedded.threads = threads;
      const { embeddedPreflight } = await import("../providers/local-model.ts");
      const problem = await embeddedPreflight(model);
      if (problem) return output.fail(problem);
      const { loadEmbeddedModel } = await import("../providers/embedded.ts");
      try {
        load = await loadEmbeddedModel(model);
      } catch (error) {
        return output.fail((error as Error).message.split("\n")[0] ?? "the model did not load");
      }
    }
    const stream = await loadStreamFunction(model.api);
    const results: BenchRun[] = [];
    for (let i = 1; i <= runs && !controller.signal.aborted; i++) {
      results.push(
        await benchOnce(stream, model, benchRequest(i, maxTokens), http, controller.signal, deps.now),
      );
    }
    if (controller.signal.aborted) return output.fail("interrupted", EXIT_INTERRUPTED);
    const name = `${model.provider}/${model.id}`;
    if (parsed.values.json) {
      output.say(JSON.stringify({ model: name, api: model.api, ...load, maxTokens, runs: results }));
    } else {
      printTable(output.say, name, model, results, load, maxTokens);
    }
    const failed = results.find((r) => r.error);
    if (failed) return output.fail(failed.error ?? "a run failed");
    return EXIT_OK;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

function positive(text: string): number | null {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : null;
}

export function benchRequest(run: number, maxTokens: number): ModelRequest {
  return {
    // A different first line each run: no prompt cache can reuse the previous run's work.
    system: `Benchmark run ${run} (${Date.now()}).\n${BENCH_SYSTEM}`,
    messages: [{ role: "user", content: BENCH_PROMPT }],
    tools: [],
    maxOutputTokens: maxTokens,
    temperature: 0,
  };
}

/** One request, timed from the call to the first token and to the end. */
export async function benchOnce(
  stream: StreamFunction,
  model: ResolvedModel,
  request: ModelRequest,
  http: HttpClient,
  signal: AbortSignal,
  now: () => number = () => performance.now(),
): Promise<BenchRun> {
  const started = now();
  let first: number | null = null;
  let usage: Usage | undefined;
  let error: string | undefined;
  let chunks = 0;
  for await (const event of stream(model, request, { signal, http })) {
    if (event.type === "text_delta" || event.type === "reasoning_delta" || event.type === "tool_call") {
      first ??= now();
      chunks++;
    } else if (event.type === "usage") usage = event.usage;
    else if (event.type === "error") error = event.error.message;
  }
  const ended = now();
  const outputTokens = usage?.outputTokens ?? chunks;
  const promptTokens = usage?.inputTokens ?? 0;
  const ttftMs = first === null ? null : first - started;
  const generationMs = first === null ? 0 : ended - first;
  return {
    ttftMs,
    durationMs: ended - started,
    promptTokens,
    cachedTokens: usage?.cacheReadTokens ?? 0,
    outputTokens,
    promptTokensPerSecond: ttftMs && promptTokens > 0 ? promptTokens / (ttftMs / 1000) : null,
    // The first token ends prompt processing; the rest are generation.
    generationTokensPerSecond:
      generationMs > 0 && outputTokens > 1 ? (outputTokens - 1) / (generationMs / 1000) : null,
    error,
  };
}

function printTable(
  say: (line: string) => void,
  name: string,
  model: ResolvedModel,
  runs: BenchRun[],
  load: { loadMs: number; contextSize: number; threads: number } | undefined,
  maxTokens: number,
): void {
  const where = load
    ? `embedded, ${load.threads} thread${load.threads === 1 ? "" : "s"}, context ${load.contextSize}`
    : `${model.api} at ${model.baseUrl}`;
  say(`${name} (${where}); up to ${maxTokens} output tokens, ${runs.length} runs`);
  if (load) say(`model load: ${load.loadMs > 0 ? `${(load.loadMs / 1000).toFixed(2)} s` : "already loaded"}`);
  const header = ["run", "ttft", "prompt tok", "cached", "prompt tok/s", "output tok", "gen tok/s", "total"];
  const rows = runs.map((r, i) => [
    String(i + 1),
    r.ttftMs === null ? "-" : `${Math.round(r.ttftMs)} ms`,
    String(r.promptTokens),
    String(r.cachedTokens),
    rate(r.promptTokensPerSecond),
    String(r.outputTokens),
    rate(r.generationTokensPerSecond),
    `${Math.round(r.durationMs)} ms`,
  ]);
  const ok = runs.filter((r) => !r.error);
  rows.push([
    "median",
    ms(median(ok.map((r) => r.ttftMs))),
    "",
    "",
    rate(median(ok.map((r) => r.promptTokensPerSecond))),
    "",
    rate(median(ok.map((r) => r.generationTokensPerSecond))),
    ms(median(ok.map((r) => r.durationMs))),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)) + 2);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join("")
      .trimEnd();
  say(line(header));
  for (const row of rows) say(line(row));
}

function rate(value: number | null | undefined): string {
  return value === null || value === undefined
    ? "-"
    : value >= 100
      ? String(Math.round(value))
      : value.toFixed(1);
}

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? "-" : `${Math.round(value)} ms`;
}

export function median(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const middle = Math.floor(known.length / 2);
  return known.length % 2 === 1 ? known[middle] : (known[middle - 1] + known[middle]) / 2;
}
