/**
 * Escapes: the model tries to reach outside the workspace in `auto` mode, through every path we know of. A temp
 * HOME holds sentinel files; after each case the sentinel tree must be byte-identical.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** Sentinel files in HOME: a shell rc, a key, a project outside the workspace. */
function plantSentinels(sandbox: Sandbox): void {
  writeFileSync(join(sandbox.home, ".bashrc"), "# sentinel rc\n");
  mkdirSync(join(sandbox.home, ".ssh"), { recursive: true });
  writeFileSync(join(sandbox.home, ".ssh", "id_ed25519"), "sentinel private key\n");
  mkdirSync(join(sandbox.home, "other-project"), { recursive: true });
  writeFileSync(join(sandbox.home, "other-project", "main.c"), "int main(void) { return 0; }\n");
}

/** A digest of every file and link under HOME, by relative path. */
function snapshot(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = join(prefix, entry.name);
    // hearth's own state (the egress ledger, logs) and data (sessions, their index and checkpoints)
    if (rel === join(".local", "state", "hearth") || rel === join(".local", "share", "hearth")) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, snapshot(full, rel));
    else if (entry.isFile()) {
      const info = statSync(full);
      out[rel] = `${createHash("sha256").update(readFileSync(full)).digest("hex")} ${info.mode.toString(8)}`;
    } else out[rel] = entry.isSymbolicLink() ? "link" : "other";
  }
  return out;
}

async function attempt(turns: FakeTurn[], setup?: (sandbox: Sandbox) => void, extraArgs: string[] = []) {
  const fake = await startFakeServer({ script: [...turns, { text: "done" }] });
  servers.push(fake);
  const sandbox = makeSandbox({ "README.md": "# project\n" });
  plantSentinels(sandbox);
  setup?.(sandbox);
  const before = snapshot(sandbox.home);
  const provider = providerSetup("anthropic-messages", fake.url);
  const run = await runHearth(
    sandbox,
    [
      "-p",
      "--permission-mode",
      "auto",
      "--model",
      provider.model,
      "--output-format",
      "stream-json",
      ...extraArgs,
      "go",
    ],
    { env: provider.env },
  );
  assert.equal(run.code, 0, run.stderr);
  const home = sandbox.home;
  // The project lives beside HOME in the temp root; HOME must not change at all.
  assert.deepEqual(snapshot(home), before, "the sentinel tree changed");
  const results = run.events.filter((e) => e.type === "tool_call_ended");
  return { run, results, sandbox };
}

const call = (name: string, args: Record<string, unknown>): FakeTurn => ({
  toolCalls: [{ name, arguments: args }],
});

test("../ and absolute paths: writes and edits outside the workspace are refused", async () => {
  const { results } = await attempt([
    call("write", { path: "../home/.bashrc", content: "evil" }),
    call("write", { path: "/tmp/../tmp/hearth-escape-test", content: "x" }),
    call("edit", { path: "~/.bashrc", old_string: "sentinel", new_string: "evil" }),
  ]);
  assert.equal(results.length, 3);
  for (const r of results) {
    assert.equal(r.isError, true);
    assert.match(String(r.content), /outside the workspace/);
  }
});

test("a symlink inside the workspace that points outside is no way out, for reads or writes", async () => {
  const { results } = await attempt(
    [
      call("read", { path: "link-to-home/.ssh/id_ed25519" }),
      call("write", { path: "link-to-home/.bashrc", content: "evil" }),
      call("write", { path: "rc-link", content: "evil" }),
    ],
    (sandbox) => {
      symlinkSync(sandbox.home, join(sandbox.project, "link-to-home"));
      symlinkSync(join(sandbox.home, ".bashrc"), join(sandbox.project, "rc-link"));
    },
  );
  for (const r of results) {
    assert.equal(r.isError, true, String(r.content));
    assert.match(String(r.content), /outside the workspace.*resolves to/);
  }
  assert.ok(!String(results[0].content).includes("sentinel private key"));
});

test("a hard link to a file outside cannot be written through", async () => {
  const { results } = await attempt(
    [call("write", { path: "main.c", content: "evil" }), call("read", { path: "main.c" })],
    (sandbox) => linkSync(join(sandbox.home, "other-project", "main.c"), join(sandbox.project, "main.c")),
  );
  assert.equal(results[0].isError, true);
  assert.match(String(results[0].content), /hard link/);
});

test("a symlinked .git pointing outside: its files are outside the workspace", async () => {
  const { results } = await attempt(
    [call("write", { path: ".git/config", content: "[core]\n\tfsmonitor = evil\n" })],
    (sandbox) => {
      mkdirSync(join(sandbox.home, "other-project", ".git"), { recursive: true });
      writeFileSync(join(sandbox.home, "other-project", ".git", "config"), "[core]\n");
      symlinkSync(join(sandbox.home, "other-project", ".git"), join(sandbox.project, ".git"));
    },
  );
  assert.equal(results[0].isError, true);
  assert.match(String(results[0].content), /outside the workspace/);
});

test("--add-dir lets tools reach one more directory; a project file cannot widen the reach", async () => {
  const fake = await startFakeServer({
    script: [
      call("read", { path: "../home/other-project/main.c" }),
      { text: "done" },
      call("read", { path: "../home/other-project/main.c" }),
      { text: "done" },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  plantSentinels(sandbox);
  const provider = providerSetup("anthropic-messages", fake.url);
  const args = ["-p", "--model", provider.model, "--output-format", "stream-json"];
  const allowed = await runHearth(sandbox, [...args, "--add-dir", "../home/other-project", "go"], {
    env: provider.env,
  });
  assert.equal(allowed.code, 0, allowed.stderr);
  const first = allowed.events.find((e) => e.type === "tool_call_ended");
  assert.equal(first?.isError, false, String(first?.content));
  assert.match(String(first?.content), /int main/);

  writeSettings(sandbox, "project", { permissions: { additionalDirectories: ["../home"] } });
  const widened = await runHearth(sandbox, [...args, "go"], { env: provider.env });
  assert.equal(widened.code, 0, widened.stderr);
  const second = widened.events.find((e) => e.type === "tool_call_ended");
  assert.equal(second?.isError, true);
  assert.match(String(second?.content), /outside the workspace/);

  const missing = await runHearth(sandbox, [...args, "--add-dir", "no/such/dir", "go"], {
    env: provider.env,
  });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--add-dir ".*no\/such\/dir" is not a directory/);
});
