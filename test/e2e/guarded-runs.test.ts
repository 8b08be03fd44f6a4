/**
 * End to end: guarded runs. `--max-time` stops a long command (its process is killed) and `--max-cost` stops
 * before the next model request; each ends with its own result subtype and exit 1, and the session continues
 * with -c afterwards.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** The process is gone: no such pid, or only its exit status is left (a zombie no one has reaped). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** The result object of `--output-format json`. */
function resultOf(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
}

test("--max-time 3s during sleep 30: ends in about 3 s, the command is killed, error_max_time, exit 1, and -c continues", async () => {
  const fake = await startFakeServer({
    script: [
      {
        toolCalls: [
          { id: "call_sleep", name: "bash", arguments: { command: "sleep 30 & echo $! > sleep.pid; wait" } },
        ],
      },
      { text: "Carrying on." },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    permissionMode: "auto",
    // The pid written by the command is a pid of this machine, not of a sandbox's namespace.
    sandbox: { enabled: false },
  });
  const run = await runHearth(sandbox, ["-p", "--max-time", "3s", "--output-format", "json", "wait a while"]);
  assert.equal(run.code, 1, run.stderr);
  assert.ok(run.durationMs >= 2900 && run.durationMs < 10_000, `took ${run.durationMs} ms`);
  const pid = Number(readFileSync(join(sandbox.project, "sleep.pid"), "utf8"));
  assert.ok(pid > 0);
  assert.ok(gone(pid), "the sleep was killed with the command's process group");
  const result = resultOf(run.stdout);
  assert.equal(result.subtype, "error_max_time");
  assert.equal(result.is_error, true);
  const lines = run.stderr.trim().split("\n");
  const stopped = lines.filter((l) => l.includes("time limit"));
  assert.equal(stopped.length, 1, run.stderr);
  assert.match(stopped[0], /time limit of 3s \(--max-time\).*hearth -c -p/);
  assert.equal(fake.modelRequests.length, 1);

  const next = await runHearth(sandbox, ["-c", "-p", "go on"]);
  assert.equal(next.code, 0, next.stderr);
  assert.match(next.stdout, /Carrying on\./);
  assert.doesNotMatch(next.stderr, /had no result/, "the session file was whole: nothing to repair");
  const messages = fake.modelRequests[1].body?.messages as Array<Record<string, unknown>>;
  const toolResult = messages.find((m) => m.role === "tool" && m.tool_call_id === "call_sleep");
  assert.ok(toolResult, "the cut-off call has its result in the continued session");
  assert.equal(messages.at(-1)?.content, "go on");
});

test("--max-cost with a priced cloud model: stops before the next request once the usage reaches it", async () => {
  // anthropic/claude-sonnet-4-5 at $3 / $15 per million tokens: each response below costs $0.45.
  const usage = { input: 100_000, output: 10_000 };
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ name: "ls", arguments: {} }], usage },
      { toolCalls: [{ name: "ls", arguments: {} }], usage },
      { text: "never sent", usage },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox({ "a.txt": "a\n" });
  const setup = providerSetup("anthropic-messages", fake.url);
  const run = await runHearth(
    sandbox,
    ["-p", "--model", setup.model, "--max-cost", "0.5", "--output-format", "json", "look around"],
    { env: setup.env },
  );
  assert.equal(run.code, 1, run.stderr);
  assert.equal(fake.modelRequests.length, 2, "the third request is never sent");
  const result = resultOf(run.stdout);
  assert.equal(result.subtype, "error_max_cost");
  assert.equal(result.total_cost_usd, 0.9);
  const stopped = run.stderr.split("\n").filter((l) => l.includes("cost limit"));
  assert.equal(stopped.length, 1, run.stderr);
  assert.match(stopped[0], /cost limit of \$0\.5 \(--max-cost\).*hearth -c -p/);

  // From settings too, with the same result.
  const again = await startFakeServer({ script: [{ toolCalls: [{ name: "ls", arguments: {} }], usage }] });
  servers.push(again);
  writeSettings(sandbox, "user", { maxCost: 0.3 });
  const fromSettings = await runHearth(sandbox, ["-p", "--model", setup.model, "look again"], {
    env: providerSetup("anthropic-messages", again.url).env,
  });
  assert.equal(fromSettings.code, 1, fromSettings.stderr);
  assert.equal(again.modelRequests.length, 1);
  assert.match(fromSettings.stderr, /cost limit of \$0\.3 \(maxCost in settings\)/);
});

test("--max-cost with a model whose price is unknown is a usage error; bad --max-time is too", async () => {
  const fake = await startFakeServer({ script: [{ text: "never" }] });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { custom: { api: "openai-chat", baseUrl: `${fake.url}/v1`, local: false } },
    model: "custom/m",
  });
  const run = await runHearth(sandbox, ["-p", "--max-cost", "1", "hello"]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /--max-cost needs the model's price, and custom\/m has none in the catalog/);
  assert.equal(fake.modelRequests.length, 0);

  const bad = await runHearth(sandbox, ["-p", "--max-time", "soon", "hello"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--max-time must be a duration such as 90s/);
});
