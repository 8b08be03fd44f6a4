/** End to end: `hearth prompt --show` prints the prompt a run would send, with memory files and sizes, offline. */
import assert from "node:assert/strict";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

type Report = {
  profile: string;
  profileReason: string;
  system: string;
  tools: Array<{ name: string }>;
  memory: Array<{ path: string; scope: string; bytes: number; truncated: boolean }>;
  bytes: { prompt: number; memory: number; tools: number; total: number };
  tokens: { count: number; exact: boolean; method: string };
};

/** A repository (the project) with memory files at its root and in sub/, one above it, and the user's own. */
async function repoWithMemory(): Promise<{ sandbox: Sandbox; fake: FakeServer; project: string }> {
  const fake = await startFakeServer();
  servers.push(fake);
  const sandbox = makeSandbox({
    ".git/HEAD": "ref: refs/heads/main\n",
    "AGENTS.md": "Use tabs.\n",
    "sub/CLAUDE.md": "Tests live in sub/test.\n",
  });
  writeFileSync(join(dirname(sandbox.project), "AGENTS.md"), "ABOVE THE REPOSITORY\n");
  mkdirSync(join(sandbox.env.XDG_CONFIG_HOME, "hearth"), { recursive: true });
  writeFileSync(join(sandbox.env.XDG_CONFIG_HOME, "hearth", "AGENTS.md"), "Answer briefly.\n");
  // A model on the user's own server (marked local): lean by default. Showing the prompt must not contact it.
  writeSettings(sandbox, "user", {
    providers: { fakechat: { api: "openai-chat", baseUrl: `${fake.url}/v1`, local: true } },
    model: "fakechat/small",
  });
  return { sandbox, fake, project: realpathSync(sandbox.project) };
}

test("prompt --show --json: lean for a local model, memory from the repo root down, no request made", async () => {
  const { sandbox, fake, project } = await repoWithMemory();
  const run = await runHearth(sandbox, ["prompt", "--show", "--json", "--cwd", "sub"]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  assert.equal(report.profile, "lean");
  assert.match(report.profileReason, /this machine/);
  assert.deepEqual(
    report.memory.map((m) => [m.scope, m.path, m.bytes]),
    [
      ["user", join(sandbox.env.XDG_CONFIG_HOME, "hearth", "AGENTS.md"), 16],
      ["project", join(project, "AGENTS.md"), 10],
      ["project", join(project, "sub", "CLAUDE.md"), 24],
    ],
  );
  assert.ok(report.system.includes("Use tabs.") && report.system.includes("Tests live in sub/test."));
  assert.ok(!report.system.includes("ABOVE THE REPOSITORY"), "nothing above the repository root is read");
  for (const name of ["read", "write", "edit", "bash", "grep", "glob"])
    assert.ok(
      report.tools.some((t) => t.name === name),
      name,
    );
  assert.ok(report.bytes.prompt + report.bytes.tools <= 4096, `lean without memory: ${report.bytes.total}`);
  assert.equal(report.bytes.total, report.bytes.prompt + report.bytes.memory + report.bytes.tools);
  assert.deepEqual(report.tokens, {
    count: Math.ceil(report.bytes.total / 4),
    exact: false,
    method: "bytes/4",
  });
  assert.equal(fake.requests.length, 0, "no probe, no model request");

  const again = await runHearth(sandbox, ["prompt", "--show", "--json", "--cwd", "sub"]);
  assert.equal((JSON.parse(again.stdout) as Report).system, report.system, "byte-identical between runs");
});

test("prompt --show: --profile wins; a cloud model gets the default profile without needing its key", async () => {
  const { sandbox } = await repoWithMemory();
  const forced = await runHearth(sandbox, ["prompt", "--show", "--json", "--profile", "default"]);
  assert.equal(forced.code, 0, forced.stderr);
  const full = JSON.parse(forced.stdout) as Report;
  assert.equal(full.profile, "default");

  const cloud = await runHearth(sandbox, [
    "prompt",
    "--show",
    "--json",
    "--model",
    "anthropic/claude-sonnet-4-5",
  ]);
  assert.equal(cloud.code, 0, cloud.stderr);
  assert.equal((JSON.parse(cloud.stdout) as Report).profile, "default");

  const lean = await runHearth(sandbox, ["prompt", "--show", "--json"]);
  const leanReport = JSON.parse(lean.stdout) as Report;
  assert.ok(leanReport.bytes.tools < full.bytes.tools && leanReport.bytes.prompt < full.bytes.prompt);
});

test("prompt --show as text: the prompt, one line per tool, memory sizes and labelled totals", async () => {
  const { sandbox, project } = await repoWithMemory();
  const run = await runHearth(sandbox, ["prompt", "--show"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^profile: lean \(the model runs on this machine; model fakechat\/small\)\n/);
  assert.match(run.stdout, /--- system prompt \([\d,]+ bytes\) ---\nYou are hearth/);
  assert.match(run.stdout, /--- tool definitions \(7 tools, [\d,]+ bytes of JSON\) ---\n\{"name":"read"/);
  assert.ok(run.stdout.includes(`project        10 bytes  ${join(project, "AGENTS.md")}\n`));
  assert.match(run.stdout, /total +[\d,]+ bytes, ≈ [\d,]+ tokens \(estimate: bytes\/4\)\n$/);
});

test("prompt: a bad flag or a missing --show is a usage error with one line that says what to do", async () => {
  const sandbox = makeSandbox();
  const bad = await runHearth(sandbox, ["prompt", "--show", "--profile", "huge"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'hearth: --profile must be one of lean, default (got "huge")\n');
  const bare = await runHearth(sandbox, ["prompt"]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^hearth: say what to do: hearth prompt --show\n/);
});
