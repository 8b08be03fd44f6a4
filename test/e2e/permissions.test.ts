/**
 * The permission engine end to end: without an OS sandbox `auto` runs nothing that is not read-only, a broken
 * rule stops the run instead of being dropped, a read deny rule holds for commands, and secrets (`.env`, hearth's
 * key file, ~/.ssh) never reach the model through the file tools or a command that names them.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { findExecutable } from "../../src/policy/find-executable.ts";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** A PATH with the tools these commands need and no bwrap: no OS sandbox can start. */
function pathWithoutBwrap(): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-nobwrap-"));
  for (const tool of ["bash", "sh", "touch", "cat", "grep", "ls", "env", "rg", "git"]) {
    const found = findExecutable(tool, process.env.PATH);
    if (found) symlinkSync(found, join(dir, tool));
  }
  return dir;
}

const bash = (command: string): FakeTurn => ({ toolCalls: [{ name: "bash", arguments: { command } }] });
const read = (path: string): FakeTurn => ({ toolCalls: [{ name: "read", arguments: { path } }] });

async function run(
  sandbox: Sandbox,
  turns: FakeTurn[],
  options: { args?: string[]; env?: Record<string, string> } = {},
) {
  const fake = await startFakeServer({ script: [...turns, { text: "finished" }] });
  servers.push(fake);
  const provider = providerSetup("anthropic-messages", fake.url);
  const result = await runHearth(
    sandbox,
    ["-p", "--model", provider.model, "--output-format", "stream-json", ...(options.args ?? []), "go"],
    { env: { ...provider.env, ...options.env } },
  );
  const results = result.events.filter((e) => e.type === "tool_call_ended");
  return { result, results, fake, sent: JSON.stringify(fake.requests.map((r) => r.body)) };
}

test("without an OS sandbox, auto mode refuses a command that is not read-only; read-only ones run", async () => {
  const sandbox = makeSandbox({ "README.md": "# readme text\n" });
  const noBwrap = { PATH: pathWithoutBwrap() };
  const { result, results } = await run(sandbox, [bash("touch x"), bash("cat README.md")], {
    args: ["--permission-mode", "auto"],
    env: noBwrap,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(existsSync(join(sandbox.project, "x")), false, "touch ran without a sandbox");
  assert.equal(results[0].isError, true);
  assert.match(String(results[0].content), /no OS sandbox runs to contain commands/);
  assert.doesNotMatch(String(results[0].content), /--permission-mode/);
  assert.match(result.stderr, /refused bash "touch x": no OS sandbox/);
  assert.equal(results[1].isError, false);
  assert.match(String(results[1].content), /readme text/);
});

test("a project file cannot turn the sandbox off for itself, even trusted; the user's own settings can", async () => {
  const sandbox = makeSandbox();
  const noBwrap = { PATH: pathWithoutBwrap() };
  writeSettings(sandbox, "project", { sandbox: { enabled: false } });
  assert.equal((await runHearth(sandbox, ["trust"])).code, 0);
  const byProject = await run(sandbox, [bash("touch x")], {
    args: ["--permission-mode", "auto"],
    env: noBwrap,
  });
  assert.equal(byProject.results[0].isError, true, byProject.result.stderr);
  assert.equal(existsSync(join(sandbox.project, "x")), false);

  writeSettings(sandbox, "user", { sandbox: { enabled: false } });
  const byUser = await run(sandbox, [bash("touch x")], { args: ["--permission-mode", "auto"], env: noBwrap });
  assert.equal(byUser.results[0].isError, false, byUser.result.stderr);
  assert.equal(existsSync(join(sandbox.project, "x")), true);
});

test("a malformed rule stops the run with file:LINE and exit 2, before any model request", async () => {
  const sandbox = makeSandbox();
  const userFile = writeSettings(
    sandbox,
    "user",
    '{\n  "permissions": {\n    "allow": ["bash(ls)"],\n    "deny": ["bash(git status:*"]\n  }\n}\n',
  );
  const broken = await run(sandbox, [bash("git status")]);
  assert.equal(broken.result.code, 2, broken.result.stderr);
  assert.equal(broken.fake.modelRequests.length, 0);
  assert.match(
    broken.result.stderr,
    new RegExp(
      `${userFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4: permissions\\.deny\\[0\\]: .*missing "\\)"`,
    ),
  );
  assert.equal(broken.results.length, 0);

  writeSettings(sandbox, "user", {});
  writeSettings(
    sandbox,
    "project",
    '{\n  // rules\n  "permissions": { "deny": [\n    "Bsh(rm:*)"\n  ] }\n}\n',
  );
  const unknown = await run(sandbox, [bash("ls")]);
  assert.equal(unknown.result.code, 2, unknown.result.stderr);
  assert.match(
    unknown.result.stderr,
    /\.hearth\/settings\.json:4: permissions\.deny\[0\]: .*unknown tool "Bsh"/,
  );
});

test("a read deny rule holds for commands when no sandbox runs: naming the file or a folder holding it", async () => {
  const sandbox = makeSandbox({ "notes/private.txt": "CANARY-PRIVATE-7731\n", "README.md": "# readme\n" });
  writeSettings(sandbox, "user", { permissions: { deny: ["read(notes/private.txt)"] } });
  const commands = [
    "cat notes/private.txt",
    "grep -r CANARY .",
    "cd notes && cat private.txt",
    "cat notes/*",
    "grep -r CANARY",
    "d=notes; cat $d/private.txt",
  ];
  for (const env of [{ PATH: pathWithoutBwrap() }, undefined]) {
    if (!env)
      writeSettings(sandbox, "user", {
        permissions: { deny: ["read(notes/private.txt)"] },
        sandbox: { enabled: false },
      });
    const { result, results, sent } = await run(sandbox, [...commands.map(bash), bash("cat README.md")], {
      args: ["--permission-mode", "auto"],
      env,
    });
    assert.equal(result.code, 0, result.stderr);
    for (const [i, command] of commands.entries()) {
      assert.equal(results[i].isError, true, command);
      assert.match(
        String(results[i].content),
        /(keeps|kept) from the model.*and no OS sandbox runs to hide it/,
        command,
      );
    }
    assert.equal(results[commands.length].isError, false);
    assert.ok(!sent.includes("CANARY-PRIVATE"), "the denied file reached the model");
    assert.ok(!result.stdout.includes("CANARY-PRIVATE"));
  }
});

test("secrets: .env asks (headless: refused with the rule that allows it), ~/.ssh is refused, hearth's key file asks", async () => {
  const sandbox = makeSandbox({ ".env": "API_TOKEN=CANARY-DOTENV-4242\n", ".env.example": "API_TOKEN=\n" });
  mkdirSync(join(sandbox.home, ".ssh"), { recursive: true });
  writeFileSync(join(sandbox.home, ".ssh", "id_rsa"), "CANARY-SSH-9090\n");
  mkdirSync(join(sandbox.home, ".config", "hearth"), { recursive: true });
  writeFileSync(join(sandbox.home, ".config", "hearth", "notes.json"), '{"x":"CANARY-CONFIG-5151"}\n');
  const turns = [
    read(".env"),
    bash("cat .env"),
    read(".env.example"),
    read(join(sandbox.home, ".ssh", "id_rsa")),
    { toolCalls: [{ name: "grep", arguments: { pattern: "CANARY", path: sandbox.home } }] },
    read(join(sandbox.home, ".config", "hearth", "notes.json")),
  ];
  const { result, results, sent } = await run(sandbox, turns, {
    args: ["--permission-mode", "auto", "--add-dir", sandbox.home],
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(results[0].isError, true);
  assert.match(String(results[0].content), /\.env file, which may hold secrets/);
  assert.match(String(results[0].content), /the rule "read\(\/\.env\)" in permissions\.allow/);
  assert.equal(results[1].isError, true);
  assert.equal(results[2].isError, false);
  assert.equal(results[3].isError, true);
  assert.match(String(results[3].content), /ssh keys .* never opened by hearth's file tools/);
  assert.equal(results[4].isError, false);
  assert.equal(results[5].isError, true);
  assert.match(String(results[5].content), /hearth's own keys and settings/);
  for (const canary of ["CANARY-DOTENV", "CANARY-SSH", "CANARY-CONFIG"]) {
    assert.ok(!sent.includes(canary), `${canary} reached the model`);
  }

  writeSettings(sandbox, "user", { permissions: { allow: ["read(/.env)"] } });
  const allowed = await run(sandbox, [read(".env")], { args: ["--permission-mode", "auto"] });
  assert.equal(allowed.results[0].isError, false, allowed.result.stderr);
  assert.match(String(allowed.results[0].content), /API_TOKEN=/);
});
