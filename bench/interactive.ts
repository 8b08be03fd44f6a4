/**
 * The terminal UI, measured in a real terminal (tmux, 80x24). `npm run bench:interactive`.
 * - Start-up: spawn to the prompt and status line on screen (capture-pane polled every 5 ms), hearth's own
 *   "input ready" milestone (ms since its process began), a bare `node` printing a prompt the same way (what
 *   tmux and node cost before any program code), and pi's TUI (@mariozechner/pi-coding-agent, installed from the
 *   npm registry into .cache/bench-pi on first use; PI_OFFLINE=1; skipped when it cannot be installed).
 * - Keystrokes while a response streams: send-keys to the character on screen, for hearth and for a bare raw-mode
 *   echo program (the terminal's own cost), and hearth's time from a key's bytes to its frame written.
 * - Memory: hearth's RSS after the first prompt and after 200 (each a tool call and a Markdown answer).
 * Medians of BENCH_RUNS runs (default 10). HEARTH_CLI=<other dist/cli.cjs> measures another build the same way.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeSandbox, type Sandbox, writeSettings } from "../test/e2e/harness.ts";
import { hasTmux, openTerminal, type Terminal } from "../test/e2e/tmux.ts";
import type { FakeTurn } from "../test/fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../test/fake-server/server.ts";
import { median, percentile, ROOT, round } from "./bench-box.ts";

const N = Number(process.env.BENCH_RUNS ?? 10);
const KEYS = 40;
const TURNS = Number(process.env.BENCH_TURNS ?? 200);
if (!hasTmux()) throw new Error("tmux is needed: apt-get install tmux");

function box(fake: FakeServer): Sandbox {
  const sandbox = makeSandbox({ "notes.md": "# Notes\n\nSome text to read.\n" });
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    permissionMode: "auto",
  });
  return sandbox;
}

/** ms from spawning the program to each of `marks` on screen, in order. */
async function startUp(sandbox: Sandbox, marks: RegExp[], options: Parameters<typeof openTerminal>[2] = {}) {
  const started = performance.now();
  const terminal = openTerminal(sandbox, [], options);
  try {
    const times: number[] = [];
    for (const mark of marks) {
      await terminal.waitFor(mark, 20000, 5);
      times.push(performance.now() - started);
    }
    return times;
  } finally {
    terminal.close();
  }
}

/** The pi coding agent's CLI, installed on first use (npm registry only); null when it cannot be. */
function piCli(): string | null {
  const dir = join(ROOT, ".cache/bench-pi");
  const cli = join(dir, "node_modules/@mariozechner/pi-coding-agent/dist/cli.js");
  if (existsSync(cli)) return cli;
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync(
      "npm",
      ["i", "--prefix", dir, "--no-audit", "--no-fund", "@mariozechner/pi-coding-agent@0.73"],
      {
        stdio: "ignore",
        timeout: 180_000,
      },
    );
    return existsSync(cli) ? cli : null;
  } catch {
    return null;
  }
}

/** Types KEYS characters one at a time; ms from each send-keys to the input line showing it. */
async function keystrokes(terminal: Terminal, inputLine: (screen: string) => string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 1; i <= KEYS; i++) {
    const started = performance.now();
    terminal.type("k");
    await terminal.waitFor((screen) => (inputLine(screen).match(/k/g)?.length ?? 0) >= i, 5000, 0);
    out.push(performance.now() - started);
  }
  return out;
}

const lastLine = (prefix: string) => (screen: string) =>
  screen
    .split("\n")
    .filter((l) => l.startsWith(prefix))
    .at(-1) ?? "";

const fake = await startFakeServer();
const results: Record<string, unknown> = { runs: N };

// Start-up.
const hearthMs: number[] = [];
const openMs: number[] = [];
const readyMs: number[] = [];
const nodeMs: number[] = [];
const piMs: number[] = [];
const pi = piCli();
for (let i = 0; i < N; i++) {
  const sandbox = box(fake);
  const trace = join(sandbox.home, "trace.log");
  // The prompt drawn with a status line under it (a build that opens the session first shows the model there).
  const [prompt, open] = await startUp(
    sandbox,
    [/› *\n(opening the session…|.*fake\/m \[cloud\])/, /fake\/m \[cloud\]/],
    {
      env: { HEARTH_TRACE_STARTUP: "1" },
      stderrTo: trace,
    },
  );
  hearthMs.push(prompt);
  openMs.push(open);
  const ready = /hearth-trace ([\d.]+) input ready/.exec(readFileSync(trace, "utf8"));
  if (ready) readyMs.push(Number(ready[1]));
  nodeMs.push(
    (
      await startUp(sandbox, [/^› ready$/m], { program: [process.execPath, "-e", "console.log('› ready')"] })
    )[0],
  );
  if (pi)
    piMs.push(
      (
        await startUp(sandbox, [/\n─{20,}\n[\s\S]*\(auto\)/], {
          program: [process.execPath, pi],
          env: { PI_OFFLINE: "1", ANTHROPIC_API_KEY: "bench-not-a-key" },
        })
      )[0],
    );
}
results.startUp = {
  hearthSpawnToPromptMs: round(median(hearthMs)),
  hearthSpawnToSessionOpenMs: round(median(openMs)),
  hearthInputReadyMilestoneMs: round(median(readyMs)),
  bareNodePrintingAPromptMs: round(median(nodeMs)),
  piSpawnToEditorMs: pi ? round(median(piMs)) : "pi could not be installed from the npm registry",
};

// Keystrokes while a response streams (about 20 s of Markdown in 2,000 deltas).
{
  const long = Array.from({ length: 400 }, (_, i) => `- item ${i}: some **bold** text and \`code\``).join(
    "\n",
  );
  const streamer = await startFakeServer({ script: [{ text: long, textPieces: 2000, frameDelayMs: 10 }] });
  const sandbox = box(streamer);
  const trace = join(sandbox.home, "trace.log");
  const terminal = openTerminal(sandbox, ["stream a long list"], {
    env: { HEARTH_TRACE_STARTUP: "1" },
    stderrTo: trace,
  });
  await terminal.waitFor(/item 20:/, 20000, 5);
  const hearthKeys = await keystrokes(terminal, lastLine("› "));
  const streaming = !/done in/.test(terminal.screen());
  terminal.close();
  const drawn = [...readFileSync(trace, "utf8").matchAll(/key drawn in ([\d.]+) ms/g)].map((m) =>
    Number(m[1]),
  );
  const echo = openTerminal(sandbox, [], {
    program: [
      process.execPath,
      "-e",
      "process.stdin.setRawMode(true);let s='';process.stdout.write('> ');process.stdin.on('data',d=>{s+=d;process.stdout.write('\\r> '+s)})",
    ],
  });
  await echo.waitFor(/^> /m, 5000, 5);
  const echoKeys = await keystrokes(echo, lastLine("> "));
  echo.close();
  await streamer.close();
  results.keystrokesWhileStreaming = {
    stillStreamingAtTheEnd: streaming,
    hearthSendKeysToScreenMs: { p50: round(median(hearthKeys)), p90: round(percentile(hearthKeys, 90)) },
    bareEchoSendKeysToScreenMs: { p50: round(median(echoKeys)), p90: round(percentile(echoKeys, 90)) },
    hearthKeyToFrameWrittenMs:
      drawn.length === 0
        ? "not traced by this build"
        : {
            p50: round(median(drawn), 2),
            p90: round(percentile(drawn, 90), 2),
            max: round(Math.max(...drawn), 2),
          },
  };
}

// Memory after TURNS prompts, each a read and a Markdown answer.
{
  const answer = (i: number) =>
    `## Answer ${i}\n\nThe file has **notes**. Here is code:\n\n\`\`\`ts\nconst n = ${i};\n\`\`\`\n\n- one\n- two`;
  const script: FakeTurn[] = [];
  for (let i = 0; i < TURNS; i++)
    script.push({ toolCalls: [{ name: "read", arguments: { path: "notes.md" } }] }, { text: answer(i) });
  const answerer = await startFakeServer({ script });
  const sandbox = box(answerer);
  writeFileSync(join(sandbox.project, "notes.md"), "# Notes\n\nSome text to read.\n");
  const terminal = openTerminal(sandbox, []);
  await terminal.waitFor(/ask mode|auto mode/, 10000, 5);
  const rss = () => {
    const status = readFileSync(`/proc/${terminal.programPid()}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };
  let afterFirst = 0;
  const started = performance.now();
  for (let i = 0; i < TURNS; i++) {
    terminal.type(`prompt ${i}`);
    terminal.keys(["Enter"]);
    await terminal.waitFor(
      (screen) =>
        screen.includes(`Answer ${i}\n`) &&
        /done in[^\n]*\n[\s\S]*› *\n/.test(screen.slice(screen.lastIndexOf(`Answer ${i}`))),
      20000,
      10,
    );
    if (i === 0) afterFirst = rss();
  }
  results.memory = {
    turns: TURNS,
    rssAfterFirstPromptMB: round(afterFirst),
    rssAfterAllMB: round(rss()),
    secondsForAll: round((performance.now() - started) / 1000),
  };
  terminal.close();
  await answerer.close();
}
await fake.close();
console.log(JSON.stringify(results, null, 2));
