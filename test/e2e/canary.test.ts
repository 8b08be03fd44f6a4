/**
 * Canary keys: unique random strings set as a provider key through the environment and through `hearth keys set`.
 * A full run with tool calls, an error response that echoes the key, a command that prints the environment, a
 * killed process and the egress ledger. Then every file under the temp HOME, the workspace and hearth's temp
 * spill directory, stdout, stderr, every request body the server saw and the child's environment: zero hits.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(full);
    return e.isFile() ? [full] : [];
  });
}

test("canary keys from the environment and the key store appear nowhere hearth writes", async () => {
  const envCanary = `sk-ant-canary${randomBytes(16).toString("hex")}`;
  const storedCanary = `canary-stored-${randomBytes(16).toString("hex")}`;
  const fake = await startFakeServer({
    script: [
      // The server echoes the key back in an error body: hearth must not print it.
      {
        status: 500,
        errorBody: JSON.stringify({ error: { message: `upstream rejected key ${envCanary}` } }),
      },
      { toolCalls: [{ name: "bash", arguments: { command: "env; echo done > out.txt" } }] },
      { toolCalls: [{ name: "read", arguments: { path: "out.txt" } }] },
      { text: "finished" },
      { text: "second run" },
      { hang: true },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { stash: { api: "openai-chat", baseUrl: `${fake.url}/v1`, apiKeyEnv: "STASH_API_KEY" } },
  });
  const env = { ANTHROPIC_API_KEY: envCanary, ANTHROPIC_BASE_URL: fake.url, HEARTH_KEYCHAIN: "off" };

  const run = await runHearth(
    sandbox,
    [
      "-p",
      "--permission-mode",
      "auto",
      "--model",
      "anthropic/claude-sonnet-4-5",
      "--output-format",
      "stream-json",
      "go",
    ],
    { env },
  );
  assert.equal(run.code, 0, run.stderr);

  const set = await runHearth(sandbox, ["keys", "set", "stash"], { env, stdin: `${storedCanary}\n` });
  assert.equal(set.code, 0, set.stderr);
  const second = await runHearth(sandbox, ["-p", "--model", "stash/m", "--output-format", "json", "again"], {
    env,
  });
  assert.equal(second.code, 0, second.stderr);
  // A run killed mid-request (a crash): whatever it left behind is checked too.
  const killed = await runHearth(sandbox, ["-p", "--model", "stash/m", "hang"], {
    env,
    onLine: () => {},
    onSpawn: (child) => setTimeout(() => child.kill("SIGKILL"), 1500),
  });
  assert.equal(killed.signal, "SIGKILL");
  const egress = await runHearth(sandbox, ["egress", "--json"], { env });
  assert.equal(egress.code, 0, egress.stderr);
  // Sessions as a user takes them off the machine: list, search, show and both export formats.
  const list = await runHearth(sandbox, ["sessions", "--json"], { env });
  assert.equal(list.code, 0, list.stderr);
  const ids = (JSON.parse(list.stdout) as Array<{ id: string }>).map((s) => s.id);
  assert.ok(ids.length >= 3, "the runs were recorded as sessions");
  let exported = list.stdout;
  for (const args of [
    ...ids.flatMap((id) => [
      ["sessions", "show", id],
      ["sessions", "export", id, "--format", "md"],
      ["sessions", "export", id, "--format", "json"],
    ]),
    ["sessions", "search", "again"],
  ]) {
    const out = await runHearth(sandbox, args, { env });
    assert.equal(out.code, 0, out.stderr);
    exported += out.stdout + out.stderr;
  }

  const haystacks: Array<[string, string]> = [
    ["stdout", run.stdout + second.stdout + killed.stdout + egress.stdout + set.stdout],
    ["session exports", exported],
    ["stderr", run.stderr + second.stderr + killed.stderr + egress.stderr + set.stderr],
  ];
  // Request bodies and headers other than the credential headers.
  for (const request of fake.requests) {
    const { authorization: _a, "x-api-key": _k, ...headers } = request.headers;
    haystacks.push([`request ${request.path}`, JSON.stringify({ body: request.body, headers })]);
  }
  // Files: HOME (settings, state, the egress ledger), the workspace, and hearth's spill directories.
  const keysFile = join(sandbox.env.XDG_CONFIG_HOME, "hearth", "keys.json");
  const spillRoot = join(tmpdir(), `hearth-${process.getuid?.() ?? "user"}`);
  for (const file of [
    ...filesUnder(sandbox.home),
    ...filesUnder(sandbox.project),
    ...filesUnder(spillRoot),
  ]) {
    if (file === keysFile) continue; // the key store itself holds the stored key, by design (mode 0600)
    if (statSync(file).size > 10_000_000) continue;
    haystacks.push([file, readFileSync(file, "utf8")]);
  }
  // The child's environment, as the command printed it to the model.
  const toolOutput = JSON.stringify(fake.modelRequests[2]?.body ?? {});
  assert.match(toolOutput, /PATH=/, "the env command ran");
  haystacks.push(["child env", toolOutput]);

  for (const [where, text] of haystacks) {
    assert.ok(!text.includes(envCanary), `the env canary leaked into ${where}`);
    assert.ok(!text.includes(storedCanary), `the stored canary leaked into ${where}`);
  }
  // The keys were really used: they went in the credential headers.
  assert.equal(fake.modelRequests[0].headers["x-api-key"], envCanary);
  assert.equal(fake.modelRequests.at(-1)?.headers.authorization, `Bearer ${storedCanary}`);
});
