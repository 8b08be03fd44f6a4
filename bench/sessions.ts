/**
 * Session index benchmark: 1,000 generated sessions (about 20 messages each) under a temp data dir, then
 *  1. the first index build from the JSONL files,
 *  2. a sync with nothing changed (what every list and search does first),
 *  3. `search` for a word in a few sessions and for a common word (median of N, index open),
 *  4. `hearth sessions search` end to end (process start, sync, search, print; median of N),
 *  5. `hearth sessions` (list) end to end.
 * Run with `npm run bench:sessions` (builds first).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { newSessionId } from "../src/protocol/ids.ts";
import { createSessionFile } from "../src/store/session-file.ts";
import { openSessionIndex } from "../src/store/session-index.ts";
import { sessionPath } from "../src/store/session-store.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist/cli.cjs");
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1000);
const N = Number(process.env.BENCH_RUNS ?? 15);

const WORDS =
  "the a function test file error build config module import export type value return async await promise cache index query table parser token stream buffer socket server client request response header body status".split(
    " ",
  );

function sentence(rand: () => number, length: number): string {
  return Array.from({ length }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const time = (fn: () => void) => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};

const home = mkdtempSync(join(tmpdir(), "hearth-bench-sessions-"));
const dataDir = join(home, "data", "hearth");
let seed = 7;
const rand = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
const now = Date.now();
for (let i = 0; i < SESSIONS; i++) {
  const id = newSessionId(now - (SESSIONS - i) * 60_000);
  const writer = createSessionFile(
    sessionPath(dataDir, id),
    {
      type: "header",
      v: 1,
      id,
      cwd: `/projects/p${i % 20}`,
      model: "ollama/qwen2.5-coder:7b",
      version: "bench",
      createdAt: new Date().toISOString(),
      title: sentence(rand, 6),
    },
    { redact: (t) => t },
  );
  for (let turn = 1; turn <= 5; turn++) {
    const special = i % 97 === 0 && turn === 3 ? " zanzibar " : " ";
    writer.append({
      type: "message",
      turn,
      ts: now,
      message: { role: "user", content: sentence(rand, 20) + special },
    });
    writer.append({
      type: "message",
      turn,
      ts: now,
      message: {
        role: "assistant",
        stopReason: "tool_use",
        content: [
          { type: "text", text: sentence(rand, 40) },
          { type: "tool_call", id: `c${turn}`, name: "read", arguments: { path: `src/f${turn}.ts` } },
        ],
      },
    });
    writer.append({
      type: "message",
      turn,
      ts: now,
      message: {
        role: "tool",
        toolCallId: `c${turn}`,
        toolName: "read",
        content: sentence(rand, 300),
        isError: false,
      },
    });
    writer.append({
      type: "message",
      turn,
      ts: now,
      message: {
        role: "assistant",
        stopReason: "stop",
        content: [{ type: "text", text: sentence(rand, 60) }],
      },
    });
  }
  writer.close();
}

const index = openSessionIndex(dataDir);
const build = time(() => index.sync());
const resync = median(Array.from({ length: N }, () => time(() => index.sync())));
let rareHits = 0;
let commonHits = 0;
const rare = median(
  Array.from({ length: N }, () => time(() => (rareHits = index.search("zanzibar").length))),
);
const common = median(
  Array.from({ length: N }, () => time(() => (commonHits = index.search("parser token").length))),
);
index.close();

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, XDG_DATA_HOME: join(home, "data") };
const cli = (args: string[]) =>
  median(
    Array.from({ length: N }, () =>
      time(() => {
        const r = spawnSync(process.execPath, [CLI, ...args], { env, stdio: "ignore" });
        if (r.status !== 0) throw new Error(`hearth ${args.join(" ")} exited ${r.status}`);
      }),
    ),
  );
const cliSearch = cli(["sessions", "search", "zanzibar"]);
const cliList = cli(["sessions"]);

const r = (x: number) => Math.round(x * 10) / 10;
console.log(`sessions: ${SESSIONS} (20 messages each), median of ${N}`);
console.log(`first index build          ${r(build)} ms`);
console.log(`sync, nothing changed      ${r(resync)} ms`);
console.log(`search, rare word          ${r(rare)} ms (${rareHits} sessions)`);
console.log(`search, two common words   ${r(common)} ms (${commonHits} sessions, top 20)`);
console.log(`hearth sessions search     ${r(cliSearch)} ms end to end (target < 100 ms for the search)`);
console.log(`hearth sessions (list)     ${r(cliList)} ms end to end`);
