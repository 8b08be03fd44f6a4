/**
 * hearth's benchmarks, against the project's fake model server on 127.0.0.1 (answers instantly).
 * Run with `npm run bench` (builds first). Prints a table and writes bench/results/latest.json.
 *
 *  1. `hearth --version` against bare `node -e 0`, same run, alternating (median of N).
 *  2. Start of `hearth -p` to the first model request arriving at the server (median of N).
 *  3. hearth's own time per tool round trip: the gap between the server finishing response k and receiving
 *     request k+1, minus the tool's own duration (as hearth reports it), for `read` and for `bash`.
 *  4. Peak RSS of a headless run with 10 tool calls (/usr/bin/time -f %M).
 *  5. Bytes of system prompt plus tool definitions on the first request, and the number of requests made.
 *  6. The fixed prompt (system prompt plus tool definitions, no memory files) of the lean and default profiles,
 *     in bytes and estimated tokens (bytes/4), built in-process by the same function `hearth -p` uses.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWorkspace } from "../src/policy/workspace.ts";
import { buildRunPrompt, estimateTokens } from "../src/runtime/run-prompt.ts";
import { createBuiltinTools } from "../src/tools/builtin-tools.ts";
import { createFileState } from "../src/tools/file-state.ts";
import type { FakeTurn } from "../test/fake-server/script.ts";
import { startFakeServer } from "../test/fake-server/server.ts";
import { type BenchBox, benchBox, CLI, median, ownTimes, round, writeResults } from "./bench-box.ts";

const N = Number(process.env.BENCH_RUNS ?? 15);

/** A clean environment for every measured process (no NODE_OPTIONS, no NODE_EXTRA_CA_CERTS: each adds start-up). */
const CLEAN_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" };

function timeCommand(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: "ignore", env: CLEAN_ENV });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function runHearth(
  box: BenchBox,
  args: string[],
  wrap: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<{ startedAt: number; stdout: string; stderr: string; code: number | null }> {
  return new Promise((res) => {
    const command = wrap.length ? wrap[0] : process.execPath;
    const full = wrap.length ? [...wrap.slice(1), process.execPath, CLI, ...args] : [CLI, ...args];
    const startedAt = Date.now();
    const child = spawn(command, full, {
      cwd: box.project,
      env: { ...box.env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (code) => res({ startedAt, stdout, stderr, code }));
  });
}

/** 6. Fixed prompt size per profile, for a workspace at a typical path with no memory files. */
function fixedPromptSizes(): Record<string, number> {
  const root = mkdtempSync(join(tmpdir(), "hearth-bench-prompt-"));
  const cwd = join(root, "home/user/projects/my-project");
  mkdirSync(cwd, { recursive: true });
  const tools = createBuiltinTools({
    workspace: createWorkspace({ root: cwd }),
    fileState: createFileState(),
    env: {},
    spillDir: join(root, "spill"),
    rgPath: null,
  });
  const sizes: Record<string, number> = {};
  for (const profile of ["lean", "default"] as const) {
    const prompt = buildRunPrompt({
      cwd,
      env: { XDG_CONFIG_HOME: join(root, "config") },
      profile,
      permissionMode: "ask",
      tools,
    });
    sizes[`fixedPromptBytes_${profile}`] = prompt.bytes.total;
    sizes[`fixedPromptTokensEstimate_${profile}`] = estimateTokens(prompt.bytes.total);
  }
  return sizes;
}

async function main() {
  if (!existsSync(CLI)) throw new Error("run `npm run build` first");
  const results: Record<string, unknown> = { node: process.version, runs: N, date: new Date().toISOString() };

  // 1. --version vs node -e 0
  const bare: number[] = [];
  const version: number[] = [];
  timeCommand(["-e", "0"]);
  timeCommand([CLI, "--version"]);
  for (let i = 0; i < N; i++) {
    bare.push(timeCommand(["-e", "0"]));
    version.push(timeCommand([CLI, "--version"]));
  }
  results.nodeBareMs = round(median(bare));
  results.versionMs = round(median(version));
  results.versionRatio = round(median(version) / median(bare), 2);

  // 2. start to first model request, with the start-up milestones hearth traces (ms since its process began)
  const firstRequest: number[] = [];
  const milestones = new Map<string, number[]>();
  for (let i = 0; i < N; i++) {
    const fake = await startFakeServer({ script: [{ text: "ok" }] });
    const box = benchBox(fake);
    const run = await runHearth(box, ["-p", "hi"], [], { HEARTH_TRACE_STARTUP: "1" });
    if (run.code !== 0) throw new Error(`hearth failed: ${run.stderr}`);
    firstRequest.push(fake.modelRequests[0].receivedAt - run.startedAt);
    for (const [, ms, name] of run.stderr.matchAll(/^hearth-trace ([\d.]+) (.+)$/gm)) {
      milestones.set(name, [...(milestones.get(name) ?? []), Number(ms)]);
    }
    await fake.close();
  }
  results.startToFirstRequestMs = round(median(firstRequest));
  results.startupMilestonesMs = Object.fromEntries(
    [...milestones].map(([name, v]) => [name, round(median(v))]),
  );

  // 3 + 4 + 5. a run with 10 tool calls
  for (const tool of ["read", "bash"] as const) {
    const calls: FakeTurn[] = Array.from({ length: 10 }, (_, i) => ({
      toolCalls: [
        tool === "read"
          ? { name: "read", arguments: { path: "hello.txt", limit: 5 + i } }
          : { name: "bash", arguments: { command: `echo ${i}` } },
      ],
    }));
    const fake = await startFakeServer({ script: [...calls, { text: "done" }] });
    const box = benchBox(fake);
    const hasTime = existsSync("/usr/bin/time");
    const run = await runHearth(
      box,
      ["-p", "--permission-mode", "auto", "--output-format", "stream-json", "go"],
      hasTime ? ["/usr/bin/time", "-f", "HEARTH_MAXRSS_KB=%M"] : [],
    );
    if (run.code !== 0) throw new Error(`hearth failed: ${run.stderr}`);
    const toolDurations = run.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === "tool_call_ended")
      .map((e) => e.durationMs as number);
    results[`toolRoundTrip_${tool}_ms`] = round(median(ownTimes(fake, toolDurations)));
    results[`toolDuration_${tool}_ms`] = round(median(toolDurations));
    const rss = /HEARTH_MAXRSS_KB=(\d+)/.exec(run.stderr);
    if (rss) results[`peakRss_${tool}_MB`] = round(Number(rss[1]) / 1024);
    if (tool === "read") {
      const first = fake.modelRequests[0].body as {
        messages: Array<{ role: string; content: string }>;
        tools: unknown[];
      };
      const system = first.messages.find((m) => m.role === "system")?.content ?? "";
      results.systemPromptBytes = Buffer.byteLength(system);
      results.toolDefinitionsBytes = Buffer.byteLength(JSON.stringify(first.tools));
      results.promptPlusToolsBytes =
        (results.systemPromptBytes as number) + (results.toolDefinitionsBytes as number);
      results.requestsMade = fake.requests.length;
      results.modelRequestsMade = fake.modelRequests.length;
    }
    await fake.close();
  }

  Object.assign(results, fixedPromptSizes());

  writeResults("latest.json", results);
  const targets: Array<[string, string, string]> = [
    [
      "--version (ms)",
      `${results.versionMs} (node -e 0: ${results.nodeBareMs}; ratio ${results.versionRatio})`,
      "ratio <= 1.3",
    ],
    ["start -> first model request (ms)", String(results.startToFirstRequestMs), "<= 100"],
    ["tool round trip, read (ms, hearth's own)", String(results.toolRoundTrip_read_ms), "<= 6"],
    [
      "tool round trip, bash (ms, hearth's own)",
      `${results.toolRoundTrip_bash_ms} (bash itself: ${results.toolDuration_bash_ms})`,
      "<= 6",
    ],
    [
      "peak RSS, 10 tool calls (MB)",
      `${results.peakRss_read_MB ?? "n/a"} read / ${results.peakRss_bash_MB ?? "n/a"} bash`,
      "<= 100",
    ],
    [
      "system prompt + tools (bytes)",
      `${results.promptPlusToolsBytes} (${results.systemPromptBytes} + ${results.toolDefinitionsBytes})`,
      "<= 24576",
    ],
    [
      "fixed prompt, lean profile (bytes)",
      `${results.fixedPromptBytes_lean} (≈ ${results.fixedPromptTokensEstimate_lean} tokens, bytes/4)`,
      "<= 4096",
    ],
    [
      "fixed prompt, default profile (bytes)",
      `${results.fixedPromptBytes_default} (≈ ${results.fixedPromptTokensEstimate_default} tokens, bytes/4)`,
      "-",
    ],
    ["requests for 11 responses", `${results.requestsMade} (model: ${results.modelRequestsMade})`, "= 11"],
  ];
  for (const [name, value, target] of targets)
    console.log(`${name.padEnd(44)} ${value.padEnd(40)} target ${target}`);
  console.log(`start-up milestones (ms since process start): ${JSON.stringify(results.startupMilestonesMs)}`);
}

await main();
