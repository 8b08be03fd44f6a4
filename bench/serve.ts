/**
 * Model gateway benchmark: what `hearth serve` (the built CLI) adds in front of a backend, measured against a
 * direct call to that backend. The backend is a loopback OpenAI Chat server in this file that answers at once
 * (so every millisecond measured is transport and translation, not a model):
 *  1. added latency per request: median of N non-streamed requests, direct vs through the gateway (OpenAI Chat in,
 *     and Anthropic Messages in: translated both ways);
 *  2. added time per streamed token: a stream of T one-word chunks, direct vs through the gateway, median of runs;
 *  3. concurrency: C streams at once through the gateway (each T chunks, paced), all complete without errors.
 * Run with `npm run bench:serve` (builds first). BENCH_RUNS, BENCH_TOKENS, BENCH_STREAMS change the sizes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist/cli.cjs");
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 500);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 50);
const WARMUP = 200;
const KEY = "bench-serve-key-0123456789abcdef";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A backend that answers at once: `tokens` one-word chunks (paced when the prompt says "pace <ms>"). */
async function startBackend(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", async () => {
      const body = JSON.parse(raw || "{}") as { stream?: boolean; max_tokens?: number; messages?: unknown[] };
      const tokens = body.max_tokens ?? 1;
      const pace = paceOf(body);
      const base = { id: "chatcmpl-bench", created: 0, model: "m" };
      if (!body.stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            ...base,
            object: "chat.completion",
            choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
            usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: "assistant", content: "" }));
      for (let i = 0; i < tokens; i++) {
        if (pace) await new Promise((r) => setTimeout(r, pace));
        res.write(chunk({ content: " word" }));
      }
      res.write(chunk({}, "stop"));
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The pace asked for by the prompt ("pace 10"): the gateway does not pass custom headers on. */
function paceOf(body: { messages?: unknown[] }): number {
  const first = JSON.stringify(body.messages?.[body.messages.length - 1] ?? "");
  return Number(/pace (\d+)/.exec(first)?.[1] ?? 0);
}

async function startServe(backendUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const home = mkdtempSync(join(tmpdir(), "hearth-bench-serve-"));
  const config = join(home, ".config", "hearth");
  mkdirSync(config, { recursive: true });
  writeFileSync(
    join(config, "settings.json"),
    JSON.stringify({
      providers: {
        bench: { api: "openai-chat", baseUrl: `${backendUrl}/v1`, local: true, contextWindow: 1_000_000 },
      },
      serve: { model: "bench/m" },
    }),
  );
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--quiet"], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_DATA_HOME: join(home, ".local/share"),
      XDG_STATE_HOME: join(home, ".local/state"),
      HEARTH_SERVE_KEY: KEY,
      OLLAMA_HOST: "127.0.0.1:9",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((r) =>
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) r(match[1]);
    }),
  );
  return { url, child };
}

const chatBody = (extra: Record<string, unknown> = {}, prompt = "hi") =>
  JSON.stringify({ model: "m", messages: [{ role: "user", content: prompt }], ...extra });

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY, ...headers },
    body,
  });
}

async function timeOne(url: string, body: string): Promise<number> {
  const t0 = performance.now();
  const response = await post(url, body);
  await response.text();
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  return performance.now() - t0;
}

/**
 * Medians of direct and gateway requests, taken in turns (direct, then the same through the gateway) so that the
 * load of a shared machine weighs on both alike; and the median of the differences.
 */
async function timeRequests(
  directUrl: string,
  directBody: string,
  url: string,
  body: string,
): Promise<{ direct: number; gateway: number; added: number }> {
  const direct: number[] = [];
  const gateway: number[] = [];
  const added: number[] = [];
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const d = await timeOne(directUrl, directBody);
    const g = await timeOne(url, body);
    if (i < WARMUP) continue; // the first ones warm up connections and the JIT
    direct.push(d);
    gateway.push(g);
    added.push(g - d);
  }
  return { direct: median(direct), gateway: median(gateway), added: median(added) };
}

/** Time of a whole stream of TOKENS chunks, and how many text pieces came. */
async function timeStream(url: string, body: string): Promise<{ ms: number; pieces: number }> {
  const t0 = performance.now();
  const response = await post(url, body);
  const text = await response.text();
  const pieces = (text.match(/ word/g) ?? []).length;
  return { ms: performance.now() - t0, pieces };
}

const backend = await startBackend();
const serve = await startServe(backend.url);
const direct = `${backend.url}/v1/chat/completions`;
const viaChat = `${serve.url}/v1/chat/completions`;
const viaMessages = `${serve.url}/v1/messages`;
const anthropicBody = JSON.stringify({
  model: "claude-x",
  max_tokens: 1,
  messages: [{ role: "user", content: "hi" }],
});

try {
  const plain = chatBody({ max_tokens: 1 });
  // A first pass warms both routes (the JIT of the gateway process is cold; the backend's is warm): not reported.
  await timeRequests(direct, plain, viaChat, plain);
  await timeRequests(direct, plain, viaMessages, anthropicBody);
  const chat = await timeRequests(direct, plain, viaChat, plain);
  const messages = await timeRequests(direct, plain, viaMessages, anthropicBody);
  console.log(`requests (median of ${RUNS}, not streamed, direct and gateway in turns):`);
  console.log(`  direct to the backend        ${chat.direct.toFixed(2)} ms`);
  console.log(
    `  via gateway, OpenAI Chat     ${chat.gateway.toFixed(2)} ms  (added: ${chat.added.toFixed(2)} ms)`,
  );
  console.log(
    `  via gateway, Anthropic in    ${messages.gateway.toFixed(2)} ms  (added: ${messages.added.toFixed(2)} ms)`,
  );

  const streamed = chatBody({ stream: true, max_tokens: TOKENS });
  const directRuns: number[] = [];
  const gatewayRuns: number[] = [];
  for (let i = 0; i < 12; i++) {
    const d = await timeStream(direct, streamed);
    const g = await timeStream(viaChat, streamed);
    if (g.pieces !== TOKENS) throw new Error(`the gateway passed ${g.pieces} of ${TOKENS} pieces`);
    if (i >= 2) {
      directRuns.push(d.ms);
      gatewayRuns.push(g.ms);
    }
  }
  const perToken = (median(gatewayRuns) - median(directRuns)) / TOKENS;
  console.log(`streams of ${TOKENS} tokens (median of 10):`);
  console.log(
    `  direct ${median(directRuns).toFixed(1)} ms, via gateway ${median(gatewayRuns).toFixed(1)} ms`,
  );
  console.log(`  added per streamed token     ${(perToken * 1000).toFixed(1)} µs`);

  const paced = chatBody({ stream: true, max_tokens: 100 }, "pace 10");
  const t0 = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: STREAMS }, () => timeStream(viaChat, paced).then((r) => r.pieces)),
  );
  const wall = performance.now() - t0;
  const complete = results.filter((r) => r.status === "fulfilled" && r.value === 100).length;
  console.log(`${STREAMS} concurrent streams (100 tokens each, 10 ms apart, ~1 s each):`);
  console.log(`  ${complete}/${STREAMS} complete without errors, all done in ${wall.toFixed(0)} ms`);
  if (complete !== STREAMS) process.exitCode = 1;
} finally {
  serve.child.kill("SIGTERM");
  backend.close();
}
