/**
 * End to end: offline mode is enforced and nothing phones home, proven with strace. The built CLI runs under
 * `strace -f -e trace=connect`, and every connect() it made is read back from the log: an AF_INET/AF_INET6
 * connect to anything but loopback fails the test (AF_UNIX is fine). Also checks `hearth egress` against what
 * the fake server saw.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { CLI, makeSandbox, providerSetup, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
const logDir = mkdtempSync(join(tmpdir(), "hearth-strace-"));
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(logDir, { recursive: true, force: true });
});

/** Why strace cannot be used here, or undefined when it can. */
function straceUnavailable(): string | undefined {
  const probe = spawnSync("strace", ["-f", "-qq", "-e", "trace=connect", "-o", "/dev/null", "true"], {
    encoding: "utf8",
  });
  if (probe.error)
    return "strace is not installed (Debian: apt-get install strace); the offline proof needs it";
  if (probe.status !== 0)
    return `strace cannot trace here (${probe.stderr.trim().split("\n")[0] || `exit ${probe.status}`})`;
  return undefined;
}
const skip = straceUnavailable() ?? false;

type Connect = { family: string; address: string | null; port: number | null; line: string };

/** Every connect() in an strace log, with its address family, address and port. */
function parseConnects(log: string): Connect[] {
  const connects: Connect[] = [];
  for (const line of log.split("\n")) {
    // With -f a call can be split: the address is on the "<unfinished ...>" line, not the "resumed" one.
    if (!/\bconnect\(/.test(line) || /<\.\.\. connect resumed>/.test(line)) continue;
    const family = /sa_family=(AF_[A-Z0-9]+)/.exec(line)?.[1] ?? "unknown";
    const v4 = /sin_addr=inet_addr\("([^"]+)"\)/.exec(line)?.[1];
    const v6 = /inet_pton\(AF_INET6, "([^"]+)"/.exec(line)?.[1];
    const port = /sin6?_port=htons\((\d+)\)/.exec(line)?.[1];
    connects.push({ family, address: v4 ?? v6 ?? null, port: port ? Number(port) : null, line });
  }
  return connects;
}

const isInet = (c: Connect) => c.family === "AF_INET" || c.family === "AF_INET6";
function isLoopbackAddress(address: string | null): boolean {
  if (address === null) return false;
  return /^127\./.test(address) || address === "::1" || /^::ffff:127\./.test(address);
}

/** connect() calls that reach beyond this machine: inet to a non-loopback address, or a family not understood. */
function outbound(connects: Connect[]): Connect[] {
  return connects.filter((c) => {
    if (c.family === "AF_UNIX" || c.family === "AF_NETLINK" || c.family === "AF_UNSPEC") return false;
    return !isInet(c) || !isLoopbackAddress(c.address);
  });
}

type TracedRun = { code: number | null; stdout: string; stderr: string; connects: Connect[] };

let runs = 0;
/** Run the built CLI under `strace -f -e trace=connect` (strace exits with the traced process's code). */
function runTraced(sandbox: Sandbox, args: string[], env: Record<string, string> = {}): Promise<TracedRun> {
  const log = join(logDir, `run-${++runs}.log`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      "strace",
      ["-f", "-qq", "-e", "trace=connect", "-o", log, process.execPath, CLI, ...args],
      { cwd: sandbox.project, env: { ...sandbox.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hearth under strace did not exit within 60 s\nstderr: ${stderr}`));
    }, 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, connects: parseConnects(readFileSync(log, "utf8")) });
    });
  });
}

function describeConnects(connects: Connect[]): string {
  const inet = connects.filter(isInet);
  const where = [...new Set(inet.map((c) => `${c.address}:${c.port}`))].join(", ");
  const other = connects
    .filter((c) => !isInet(c))
    .map((c) => /sun_path="([^"]*)"/.exec(c.line)?.[1] ?? c.family);
  const local = other.length > 0 ? `; others: ${[...new Set(other)].join(", ")}` : "";
  return `${connects.length} connect() calls, ${inet.length} inet${where ? ` (to ${where})` : ""}${local}`;
}

async function fake(script: FakeTurn[]): Promise<FakeServer> {
  const server = await startFakeServer({ script });
  servers.push(server);
  return server;
}

const CLOUD = ["-p", "--model", "anthropic/claude-sonnet-4-5", "say hello"];
// A real-looking key and no base URL override: without offline mode this run would go to api.anthropic.com.
const CLOUD_ENV = { ANTHROPIC_API_KEY: "sk-ant-offline-test-not-a-real-key" };

describe("offline mode under strace", { skip }, () => {
  it("--offline with a cloud model: exit 1, one clear line, no connect() beyond loopback", async (t) => {
    const sandbox = makeSandbox();
    const run = await runTraced(sandbox, ["--offline", ...CLOUD], CLOUD_ENV);
    t.diagnostic(`--offline, cloud model: ${describeConnects(run.connects)}`);
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stderr.trimEnd().split("\n");
    assert.deepEqual(
      lines.filter((l) => /offline/.test(l)),
      [
        "hearth: offline mode (--offline) blocks the request to api.anthropic.com; use a local model, e.g. --model ollama/<model>",
      ],
      run.stderr,
    );
    assert.deepEqual(outbound(run.connects), []);
    // Refused before it was made: nothing to record.
    const egress = await runHearth(sandbox, ["egress", "--json"]);
    assert.equal(egress.code, 0, egress.stderr);
    assert.equal(egress.stdout, "");
  });

  it('"offline": true in user settings does the same and says which setting', async (t) => {
    const sandbox = makeSandbox();
    writeSettings(sandbox, "user", { offline: true });
    const run = await runTraced(sandbox, CLOUD, CLOUD_ENV);
    t.diagnostic(`offline setting, cloud model: ${describeConnects(run.connects)}`);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(
      run.stderr
        .trimEnd()
        .split("\n")
        .filter((l) => /offline/.test(l)),
      [
        "hearth: offline mode (offline: true in settings) blocks the request to api.anthropic.com; use a local model, e.g. --model ollama/<model>",
      ],
    );
    assert.deepEqual(outbound(run.connects), []);
  });

  it("--offline with a local model on loopback completes, and every connect() is to loopback", async (t) => {
    const server = await fake([
      { toolCalls: [{ name: "read", arguments: { path: "notes.txt" } }] },
      { text: "the notes say hi" },
    ]);
    const sandbox = makeSandbox({ "notes.txt": "hi\n" });
    const setup = providerSetup("openai-chat", server.url);
    writeSettings(sandbox, "user", setup.settings);
    const run = await runTraced(
      sandbox,
      ["-p", "--offline", "--model", setup.model, "read notes.txt"],
      setup.env,
    );
    t.diagnostic(`--offline, local model: ${describeConnects(run.connects)}`);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "the notes say hi\n");
    assert.equal(server.modelRequests.length, 2);
    assert.ok(run.connects.filter(isInet).length >= 1, "strace saw the model connection");
    assert.deepEqual(outbound(run.connects), []);
  });

  it("--offline with a local server named localhost (LM Studio's provider) completes", async (t) => {
    const server = await fake([{ text: "local answer" }]);
    const sandbox = makeSandbox();
    writeSettings(sandbox, "user", {
      providers: { lmstudio: { baseUrl: `http://localhost:${server.port}/v1` } },
    });
    const run = await runTraced(sandbox, ["-p", "--offline", "--model", "lmstudio/fake-model", "hi"]);
    t.diagnostic(`--offline, lmstudio on localhost: ${describeConnects(run.connects)}`);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "local answer\n");
    assert.ok(run.connects.filter(isInet).length >= 1, "strace saw the model connection");
    assert.deepEqual(outbound(run.connects), []);
  });
});

describe("nothing phones home", { skip }, () => {
  it("a normal run makes exactly its model requests, and hearth egress lists exactly those", async (t) => {
    const server = await fake([
      { toolCalls: [{ name: "read", arguments: { path: "notes.txt" } }], usage: { input: 50, output: 5 } },
      { text: "done", usage: { input: 80, output: 2 } },
    ]);
    const sandbox = makeSandbox({ "notes.txt": "hi\n" });
    const setup = providerSetup("openai-chat", server.url);
    writeSettings(sandbox, "user", setup.settings);
    const run = await runTraced(sandbox, ["-p", "--model", setup.model, "read notes.txt"], setup.env);
    t.diagnostic(`normal run: ${describeConnects(run.connects)}`);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "done\n");

    // Every inet connect() went to the fake server: no telemetry, no update check, no other host or port.
    const inet = run.connects.filter(isInet);
    assert.ok(inet.length >= 1, "strace saw the model connection");
    assert.deepEqual(
      inet.filter((c) => c.address !== "127.0.0.1" || c.port !== server.port).map((c) => c.line),
      [],
    );
    assert.deepEqual(outbound(run.connects), []);
    // And the server saw the two model requests and nothing else.
    assert.equal(server.requests.length, 2);
    assert.equal(server.modelRequests.length, 2);

    // `hearth egress` reads the ledger and connects to nothing itself.
    const egress = await runTraced(sandbox, ["egress", "--json"]);
    assert.equal(egress.code, 0, egress.stderr);
    assert.deepEqual(egress.connects.filter(isInet), []);
    const entries = egress.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(entries.length, 2);
    for (const entry of entries) {
      assert.equal(entry.purpose, "model");
      assert.equal(entry.method, "POST");
      assert.equal(entry.host, `127.0.0.1:${server.port}`);
      assert.equal(entry.status, 200);
      assert.equal(entry.loopback, true);
      assert.ok((entry.bytesSent as number) > 0, "bytes sent");
      assert.ok((entry.bytesReceived as number) > 0, "bytes received");
      assert.match(entry.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    // The second request carries the tool result, so it is bigger than the first.
    assert.ok((entries[1].bytesSent as number) > (entries[0].bytesSent as number));

    const table = await runHearth(sandbox, ["egress"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^egress ledger: .*\/\.local\/state\/hearth\/egress\.jsonl\n/);
    assert.match(table.stdout, /2 requests: all to loopback\n$/);
  });
});
