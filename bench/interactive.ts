/**
 * Interactive start-up, measured in a real terminal (tmux, 80x24): from spawning `hearth` to its prompt and
 * status line on screen (polling capture-pane every 5 ms), and hearth's own "input ready" milestone
 * (HEARTH_TRACE_STARTUP, ms since its process began). Median of N runs. `npm run bench:interactive`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeSandbox, writeSettings } from "../test/e2e/harness.ts";
import { hasTmux, openTerminal } from "../test/e2e/tmux.ts";
import { startFakeServer } from "../test/fake-server/server.ts";
import { median, round } from "./bench-box.ts";

const N = Number(process.env.BENCH_RUNS ?? 10);
if (!hasTmux()) throw new Error("tmux is needed: apt-get install tmux");
const fake = await startFakeServer();
const screenMs: number[] = [];
const traceMs: number[] = [];
for (let i = 0; i < N; i++) {
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
  });
  const trace = join(sandbox.home, "trace.log");
  const started = performance.now();
  const terminal = openTerminal(sandbox, [], { env: { HEARTH_TRACE_STARTUP: "1" }, stderrTo: trace });
  await terminal.waitFor(/› *\n.*fake\/m \[cloud\]/, 10000, 5);
  screenMs.push(performance.now() - started);
  terminal.close();
  const ready = /hearth-trace ([\d.]+) input ready/.exec(readFileSync(trace, "utf8"));
  if (ready) traceMs.push(Number(ready[1]));
}
await fake.close();
console.log(
  JSON.stringify({
    runs: N,
    spawnToPromptOnScreenMs: round(median(screenMs)),
    inputReadyMilestoneMs: round(median(traceMs)),
  }),
);
