/**
 * `--model auto` on a fixed set of 20 prompts (`npm run bench:router`):
 * - the decisions: each prompt's model and the rule or guard that chose it, from a real session (stream-json
 *   input, 20 prompts in one process) against the fake model server, where "loc" counts as local and "cld" as
 *   cloud;
 * - the router's own time per prompt: decideRoute in-process with a session that has touched 500 files, median
 *   and max over 2,000 rounds of the 20 prompts (target: under 1 ms);
 * - hearth's time per prompt with --model auto against a fixed model, in the same run (request k+1 received
 *   minus response k sent, prompts 2-20), which includes switching the model when the route changes.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { decideRoute, type RouteInput } from "../src/runtime/router.ts";
import type { RouterSettings } from "../src/store/settings-schema.ts";
import { type FakeServer, startFakeServer } from "../test/fake-server/server.ts";
import { benchBox, CLI, median, percentile, round, writeResults } from "./bench-box.ts";

const ROUTER: RouterSettings = {
  local: "loc/small",
  cloud: "cld/big",
  maxCost: 5,
  rules: [
    { name: "secrets", when: { paths: ["secrets/**"] }, use: "local" },
    { name: "big prompts", when: { minChars: 1500 }, use: "cloud" },
    { name: "reviews and plans", when: { kind: ["review", "plan"] }, use: "cloud" },
    { name: "questions", when: { kind: ["question"], maxChars: 200 }, use: "local" },
  ],
};

const LONG = `Here is the failing log:\n${"at frame (src/x.ts:1:1)\n".repeat(80)}`;
const PROMPTS = [
  "add a unit test for parseArgs",
  "what does src/cli/main.ts do?",
  "review the last commit for bugs",
  `explain this stack trace ${LONG}`,
  "rename foo to bar everywhere",
  "why is the build slow?",
  "critique the error handling in src/store",
  "fix the typo in README",
  `summarise this log ${LONG}`,
  "how do I run the tests?",
  "refactor the retry loop",
  "audit the permission rules",
  "add a --json flag to sessions list",
  "is the cache thread-safe?",
  "write a benchmark for the router",
  `here is a big diff to apply ${LONG}`,
  "update the changelog",
  "where are settings loaded?",
  "review src/runtime/router.ts",
  "bump the version",
];

// The router's own time.
const touched = Array.from({ length: 500 }, (_, i) => `src/module${i % 40}/file${i}.ts`);
const input = (prompt: string): RouteInput => ({
  prompt,
  chars: prompt.length,
  mode: "auto",
  touched,
  offline: false,
  costSoFar: 0,
  cloudRefused: false,
  projectPrivate: false,
  isLocal: (model) => model.startsWith("loc/"),
  usable: () => true,
});
for (const prompt of PROMPTS) decideRoute(ROUTER, input(prompt)); // warm
const times: number[] = [];
for (let round = 0; round < 2000; round++)
  for (const prompt of PROMPTS) {
    const started = performance.now();
    decideRoute(ROUTER, input(prompt));
    times.push(performance.now() - started);
  }

/** 20 prompts in one stream-json session; the route events and hearth's own time per prompt. */
async function session(model: string): Promise<{ routes: Array<Record<string, unknown>>; ownMs: number[] }> {
  const fake: FakeServer = await startFakeServer({
    script: PROMPTS.map((_, i) => ({ text: `answer ${i}` })),
  });
  const box = benchBox(fake, {
    providers: {
      loc: { api: "openai-chat", baseUrl: `${fake.url}/v1`, local: true },
      cld: { api: "openai-chat", baseUrl: `${fake.url}/v1`, local: false },
    },
    router: ROUTER,
    sandbox: { enabled: false },
  });
  mkdirSync(join(box.project, "secrets"), { recursive: true });
  const child = spawn(
    process.execPath,
    [CLI, "-p", "--model", model, "--input-format", "stream-json", "--output-format", "stream-json"],
    { cwd: box.project, env: box.env, stdio: ["pipe", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk;
  });
  child.stdin.end(`${PROMPTS.map((text) => JSON.stringify({ type: "prompt", text })).join("\n")}\n`);
  await new Promise((resolve) => child.on("close", resolve));
  await fake.close();
  const events = out
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const ownMs = fake.modelRequests
    .slice(1)
    .map((request, k) => request.receivedAt - (fake.modelRequests[k].respondedAt ?? request.receivedAt));
  return { routes: events.filter((e) => e.type === "route_decided"), ownMs };
}

const auto = await session("auto");
const fixed = await session("loc/small");
const results = {
  prompts: PROMPTS.length,
  decisions: auto.routes.map((route, i) => ({
    prompt: PROMPTS[i].slice(0, 40),
    model: route.model,
    rule: route.rule,
  })),
  routerMicroseconds: {
    median: round(median(times) * 1000, 2),
    p99: round(percentile(times, 99) * 1000, 1),
    max: round(Math.max(...times) * 1000, 1),
  },
  perPromptMs: {
    auto: round(median(auto.ownMs)),
    fixedModel: round(median(fixed.ownMs)),
  },
};
console.log(JSON.stringify(results, null, 2));
console.log(`written to ${writeResults("router.json", results)}`);
