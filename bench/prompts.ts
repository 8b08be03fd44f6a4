/**
 * Prompts in one long session, against the project's fake model server on 127.0.0.1 (answers instantly).
 * Run with `npm run bench:prompts` (builds first). Prints a table and writes bench/results/prompts.json.
 *
 * Each round is a fresh process (this file with `--round`) that opens sessions in-process with `openSession`, as a
 * front does; the fake server runs here, in the parent, so its work is not on the session's event loop.
 *  1. Ten prompts in one session, each a `read` call and then an answer: wall time per prompt (submit to the
 *     `prompt_ended` event), the first prompt and, for prompts 2-10, the median and p90; RSS growth from before
 *     the first prompt to after the tenth (and from after the first, once the lazily loaded modules are in).
 *  2. hearth's own time per `bash` round trip with the OS sandbox on and off (`sandbox.enabled: false` in the
 *     user's settings), measured as `npm run bench` does (bench-box.ts `ownTimes`), in sessions of one prompt
 *     with ten calls; the two run in alternating order from round to round.
 * Every figure is the median over the rounds (BENCH_RUNS, default 5).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AgentEventOf } from "../src/protocol/events.ts";
import { openSession } from "../src/runtime/session-runtime.ts";
import type { FakeTurn } from "../test/fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../test/fake-server/server.ts";
import {
  type BenchBox,
  benchBox,
  median,
  ownTimes,
  percentile,
  ROOT,
  round,
  writeResults,
} from "./bench-box.ts";

const N = Number(process.env.BENCH_RUNS ?? 5);
const PROMPTS = 10;
const MB = 1024 * 1024;

type Sessions = { prompts: BenchBox; bash: Array<{ sandbox: boolean; box: BenchBox }> };
type SessionRun = { promptMs: number[]; rss: number[]; toolDurations: number[]; toolOutputs: string[] };
type RoundOutput = { prompts: SessionRun; bash: Array<{ sandbox: boolean; run: SessionRun }> };

/** Runs `texts` one after another in one session opened in this process; any ask, error or failure throws. */
async function runSession(box: BenchBox, texts: string[]): Promise<SessionRun> {
  const opened = await openSession(
    { cwd: box.project, permissionMode: "auto" },
    {
      version: "bench",
      env: box.env,
      diagnostics: (text) => {
        throw new Error(text);
      },
    },
  );
  if (!opened.ok) throw new Error(opened.message);
  const { session } = opened;
  const events = session.events[Symbol.asyncIterator]();
  const run: SessionRun = {
    promptMs: [],
    rss: [process.memoryUsage.rss()],
    toolDurations: [],
    toolOutputs: [],
  };
  const untilEnded = async (): Promise<AgentEventOf<"prompt_ended">> => {
    while (true) {
      const { done, value } = await events.next();
      if (done) throw new Error("the session's events ended before the prompt did");
      if (value.type === "permission_requested") throw new Error(`asked: ${value.reason}`);
      if (value.type === "tool_call_ended") {
        run.toolDurations.push(value.durationMs);
        run.toolOutputs.push(value.content);
      }
      if (value.type === "prompt_ended") return value;
    }
  };
  for (const text of texts) {
    const started = performance.now();
    session.submit({ type: "prompt", text });
    const ended = await untilEnded();
    run.promptMs.push(performance.now() - started);
    run.rss.push(process.memoryUsage.rss());
    if (ended.reason !== "done") throw new Error(`prompt ended ${ended.reason}: ${ended.error ?? ""}`);
  }
  session.submit({ type: "close" });
  await session.closed;
  return run;
}

/** One round, in the child process: the ten prompts first (a fresh process), then the two bash sessions. */
async function roundInChild(sessions: Sessions): Promise<void> {
  const prompts = await runSession(
    sessions.prompts,
    Array.from({ length: PROMPTS }, (_, i) => `prompt ${i + 1}: read hello.txt`),
  );
  const bash: RoundOutput["bash"] = [];
  for (const { sandbox, box } of sessions.bash) bash.push({ sandbox, run: await runSession(box, ["go"]) });
  const output: RoundOutput = { prompts, bash };
  process.stdout.write(`${JSON.stringify(output)}\n`, () => process.exit(0));
}

function runChild(sessions: Sessions): Promise<RoundOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--round", JSON.stringify(sessions)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`the round exited ${code}`));
      resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as RoundOutput);
    });
  });
}

const readThenAnswer = (i: number): FakeTurn[] => [
  { toolCalls: [{ name: "read", arguments: { path: "hello.txt", limit: 5 + i } }] },
  { text: `hello.txt starts with hello (${i + 1})` },
];
// `$$` is 1 inside the sandbox (the command's shell is pid 1 of its own pid namespace): the check that it ran.
const tenCommands: FakeTurn[] = [
  ...Array.from({ length: 10 }, (_, i) => ({
    toolCalls: [{ name: "bash", arguments: { command: `echo ${i} $$` } }],
  })),
  { text: "done" },
];

async function measureRound(r: number): Promise<Record<string, number>> {
  const promptsServer = await startFakeServer({
    script: Array.from({ length: PROMPTS }, (_, i) => readThenAnswer(i)).flat(),
  });
  const order = r % 2 === 0 ? [true, false] : [false, true];
  const bashServers = new Map<boolean, FakeServer>();
  for (const sandbox of order) bashServers.set(sandbox, await startFakeServer({ script: tenCommands }));
  const sessions: Sessions = {
    prompts: benchBox(promptsServer),
    bash: order.map((sandbox) => ({
      sandbox,
      box: benchBox(bashServers.get(sandbox)!, sandbox ? {} : { sandbox: { enabled: false } }),
    })),
  };
  const output = await runChild(sessions);
  const { promptMs, rss } = output.prompts;
  const later = promptMs.slice(1);
  const measured: Record<string, number> = {
    firstPromptMs: promptMs[0],
    laterPromptsMedianMs: median(later),
    laterPromptsP90Ms: percentile(later, 90),
    rssBeforeMB: rss[0] / MB,
    rssGrowthMB: (rss[PROMPTS] - rss[0]) / MB,
    rssGrowthAfterFirstMB: (rss[PROMPTS] - rss[1]) / MB,
  };
  for (const { sandbox, run } of output.bash) {
    const inSandbox = run.toolOutputs.every((out) => /^\d+ 1$/m.test(out));
    if (inSandbox !== sandbox)
      throw new Error(`sandbox ${sandbox ? "on" : "off"}, but the commands printed ${run.toolOutputs[0]}`);
    const label = sandbox ? "sandbox" : "noSandbox";
    measured[`bashOwn_${label}_ms`] = median(ownTimes(bashServers.get(sandbox)!, run.toolDurations));
    measured[`bashDuration_${label}_ms`] = median(run.toolDurations);
  }
  for (const server of [promptsServer, ...bashServers.values()]) await server.close();
  return measured;
}

async function main() {
  const rounds: Array<Record<string, number>> = [];
  for (let r = 0; r < N; r++) rounds.push(await measureRound(r));
  const at = (key: string) => round(median(rounds.map((m) => m[key])));
  const results: Record<string, unknown> = { node: process.version, runs: N, prompts: PROMPTS };
  results.date = new Date().toISOString();
  for (const key of Object.keys(rounds[0])) results[key] = at(key);
  results.rounds = rounds.map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v)])));
  writeResults("prompts.json", results);

  const rows: Array<[string, string]> = [
    ["first prompt, read + answer (ms)", String(results.firstPromptMs)],
    [
      `prompts 2-${PROMPTS}: median / p90 (ms)`,
      `${results.laterPromptsMedianMs} / ${results.laterPromptsP90Ms}`,
    ],
    [
      `RSS growth over ${PROMPTS} prompts (MB)`,
      `${results.rssGrowthMB} (after the first: ${results.rssGrowthAfterFirstMB}; before: ${results.rssBeforeMB})`,
    ],
    [
      "bash round trip, sandbox on (ms, own)",
      `${results.bashOwn_sandbox_ms} (bash itself: ${results.bashDuration_sandbox_ms})`,
    ],
    [
      "bash round trip, sandbox off (ms, own)",
      `${results.bashOwn_noSandbox_ms} (bash itself: ${results.bashDuration_noSandbox_ms})`,
    ],
  ];
  console.log(`${PROMPTS} prompts in one session, median of ${N} rounds (a process each)`);
  for (const [name, value] of rows) console.log(`${name.padEnd(44)} ${value}`);
  const keys = Object.keys(rounds[0]);
  console.log(`per round (ms, MB): ${keys.join(" ")}`);
  for (const m of results.rounds as typeof rounds) console.log(`  ${keys.map((k) => m[k]).join(" ")}`);
}

if (process.argv[2] === "--round") await roundInChild(JSON.parse(process.argv[3]) as Sessions);
else await main();
