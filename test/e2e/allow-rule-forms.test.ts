/**
 * End to end: a prefix allow rule never pre-approves a form that writes outside the workspace or runs another
 * program (`git diff --output=...`, `--ext-diff`), and a command that writes outside the workspace needs a yes in
 * every mode, auto included, like the write tool (headless: refused). The sandbox would stop neither write to
 * the temp dir, so only the policy does.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const bash = (command: string): FakeTurn => ({ toolCalls: [{ name: "bash", arguments: { command } }] });

test("bash(git diff:*) does not cover --output or --ext-diff, and an append outside the workspace asks in auto", {
  skip: spawnSync("git", ["--version"]).status === 0 ? false : "needs git",
}, async () => {
  const sandbox = makeSandbox({ "a.txt": "one\n" });
  const git = (...args: string[]) =>
    spawnSync("git", args, { cwd: sandbox.project, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" } });
  git("init", "-q");
  git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", "a.txt");
  git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "init");
  writeFileSync(join(sandbox.project, "a.txt"), "two\n");
  const bashrc = join(sandbox.home, ".bashrc");
  writeFileSync(bashrc, "# mine\n");
  const outside = join(mkdtempSync(join(tmpdir(), "hearth-outside-")), "log.txt");
  writeSettings(sandbox, "user", { permissions: { allow: ["bash(git diff:*)"] } });

  const provider = (fake: FakeServer) => providerSetup("anthropic-messages", fake.url);
  async function run(mode: string, commands: string[]) {
    const fake = await startFakeServer({ script: [...commands.map(bash), { text: "done" }] });
    servers.push(fake);
    const { model, env } = provider(fake);
    const result = await runHearth(
      sandbox,
      ["-p", "--model", model, "--output-format", "stream-json", "--permission-mode", mode, "go"],
      { env: { ...env, GIT_CONFIG_NOSYSTEM: "1" } },
    );
    assert.equal(result.code, 0, result.stderr);
    const results = result.events.filter((e) => e.type === "tool_call_ended");
    assert.equal(results.length, commands.length);
    return results.map((r) => ({ error: r.isError === true, content: String(r.content) }));
  }

  // Default (ask) mode: only the rule can allow a command that is not read-only.
  const diffFile = join(dirname(outside), "diff.txt");
  const [plain, rc, output, ext] = await run("ask", [
    "git diff", // read-only, and covered by the rule anyway
    `git diff --output=${bashrc}`,
    `git diff --output=${diffFile}`,
    "git diff --ext-diff",
  ]);
  assert.equal(plain.error, false, plain.content);
  assert.match(plain.content, /\+two/);
  for (const refused of [rc, output, ext]) assert.equal(refused.error, true, refused.content);
  assert.match(rc.content, /shell start-up file/);
  assert.match(output.content, /outside the workspace/);
  assert.match(ext.content, /the rule "bash\(git diff:\*\)" .*does not cover this/);
  assert.equal(readFileSync(bashrc, "utf8"), "# mine\n", "git diff --output wrote ~/.bashrc");
  assert.equal(existsSync(diffFile), false, "git diff --output wrote outside the workspace");

  // Auto mode: an append outside the workspace (the temp dir, which the sandbox lets commands write) asks.
  const [append] = await run("auto", [`echo hi >> ${outside}`]);
  assert.equal(append.error, true, append.content);
  assert.match(append.content, /outside the workspace/);
  assert.equal(existsSync(outside), false, "the append outside the workspace ran");
});
