/**
 * MCP end to end: the built hearth, a scripted model that calls MCP tools by name, and real MCP servers from the
 * npm registry (server-everything, server-filesystem) plus a stub server that hangs or crashes on cue.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { FakeTurn } from "../fake-server/script.ts";
import type { FakeServer } from "../fake-server/server.ts";
import { fakeModelSandbox, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const EVERYTHING = join(ROOT, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const FILESYSTEM = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
const STUB = join(ROOT, "test/fixtures/mcp-stub-server.mjs");

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const call = (name: string, args: Record<string, unknown> = {}): FakeTurn => ({
  toolCalls: [{ name, arguments: args }],
});

/** A sandbox whose model is the fake server and whose user settings hold `mcpServers` (and `extra`). */
async function mcpSandbox(
  script: FakeTurn[],
  mcpServers: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  files: Record<string, string> = {},
): Promise<{ fake: FakeServer; sandbox: Sandbox }> {
  const made = await fakeModelSandbox(servers, [...script, { text: "finished" }], files);
  writeSettings(made.sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${made.fake.url}/v1` } },
    model: "fake/m",
    sandbox: { enabled: false },
    mcpServers,
    ...extra,
  });
  return made;
}

const run = (sandbox: Sandbox, args: string[], env: Record<string, string> = {}) =>
  runHearth(sandbox, ["-p", "--output-format", "stream-json", ...args, "go"], { env, timeoutMs: 60_000 });

const ended = (events: Array<Record<string, unknown>>) => events.filter((e) => e.type === "tool_call_ended");

test("server-everything over stdio: the model sees its tools with their schemas; a read-only call runs in ask mode", async () => {
  const { fake, sandbox } = await mcpSandbox([call("mcp__everything__echo", { message: "hi there" })], {
    everything: { command: process.execPath, args: [EVERYTHING, "stdio"] },
  });
  const result = await run(sandbox, []);
  assert.equal(result.code, 0, result.stderr);
  const [echo] = ended(result.events);
  assert.equal(echo.isError, false, String(echo.content));
  assert.equal(echo.content, "Echo: hi there");
  const tools = (
    fake.modelRequests[0].body as { tools: Array<{ function: { name: string; parameters: unknown } }> }
  ).tools;
  const spec = tools.find((t) => t.function.name === "mcp__everything__echo");
  assert.ok(spec, tools.map((t) => t.function.name).join(", "));
  assert.deepEqual(Object.keys((spec.function.parameters as { properties: object }).properties), ["message"]);
  const info = result.events.find((e) => e.type === "session_info") as {
    mcpServers?: unknown[];
    tools: string[];
  };
  assert.deepEqual(info.mcpServers, [{ name: "everything", state: "ready", tools: 13 }]);
  assert.ok(info.tools.includes("mcp__everything__echo"));
});

test("server-filesystem: a destructive tool asks (headless: refused) even in auto mode with mcp__fs__* allowed", async () => {
  const { sandbox } = await mcpSandbox(
    [
      call("mcp__fs__write_file", { path: "new.txt", content: "written by mcp" }),
      call("mcp__fs__list_directory", { path: "." }),
      call("mcp__fs__create_directory", { path: "made" }),
    ],
    // The server runs in the workspace; its paths are its own (relative to its working folder).
    { fs: { command: process.execPath, args: [FILESYSTEM, "."] } },
    { permissions: { allow: ["mcp__fs__*"] } },
    { "README.md": "# readme\n" },
  );
  const project = sandbox.project;
  const result = await runHearth(
    sandbox,
    ["-p", "--output-format", "stream-json", "--permission-mode", "auto", "go"],
    { timeoutMs: 60_000 },
  );
  const results = ended(result.events);
  assert.equal(results.length, 3, result.stderr);
  assert.equal(results[0].isError, true);
  assert.match(String(results[0].content), /its server marks mcp__fs__write_file destructive/);
  assert.match(
    result.stderr,
    /refused mcp__fs__write_file "\{\\"path\\":\\"new\.txt\\",.*\}": its server marks mcp__fs__write_file destructive \(destructive: needs a human yes\)/,
  );
  assert.equal(existsSync(join(project, "new.txt")), false, "the destructive call did not run");
  assert.equal(results[1].isError, false, String(results[1].content));
  assert.match(String(results[1].content), /README\.md/);
  assert.equal(results[2].isError, false, String(results[2].content));
  assert.ok(existsSync(join(project, "made")), "a write the server marks non-destructive runs in auto mode");
});

test("an untrusted .mcp.json starts nothing until hearth trust; a changed one is untrusted again", async () => {
  const starts = "starts.txt";
  const mcpJson = (text: string) =>
    JSON.stringify({
      mcpServers: {
        stub: {
          command: process.execPath,
          args: [STUB, "ok"],
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration's own ${VAR} syntax
          env: { STUB_STARTS_FILE: "${STARTS}", NOTE: text },
        },
      },
    });
  const { sandbox } = await mcpSandbox([call("mcp__stub__echo", { text: "from the project" })], {}, {}, {});
  writeFileSync(join(sandbox.project, ".mcp.json"), mcpJson("one"));
  const env = { STARTS: join(sandbox.home, starts) };
  const untrusted = await run(sandbox, [], env);
  assert.equal(existsSync(env.STARTS), false, "the server was started in an untrusted folder");
  assert.match(
    untrusted.stderr,
    /\.mcp\.json asks for MCP server stub; not started: this folder is not trusted/,
  );
  assert.match(String(ended(untrusted.events)[0].content), /unknown tool "mcp__stub__echo"/);

  const trust = await runHearth(sandbox, ["trust"]);
  assert.equal(trust.code, 0);
  assert.match(trust.stdout, /its \.mcp\.json servers now start in sessions here: stub \(stdio: /);
  const trusted = await mcpSandboxRun(sandbox, env);
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.equal(ended(trusted.events)[0].content, "echo: from the project");
  assert.equal(readFileSync(env.STARTS, "utf8").trim().split("\n").length, 1);

  writeFileSync(join(sandbox.project, ".mcp.json"), mcpJson("two"));
  const changed = await mcpSandboxRun(sandbox, env);
  assert.match(changed.stderr, /\.mcp\.json changed since you trusted/);
  assert.equal(readFileSync(env.STARTS, "utf8").trim().split("\n").length, 1, "not started after the change");
});

/** Another run in the same sandbox with a fresh script (the first fake server's script is used up). */
async function mcpSandboxRun(
  sandbox: Sandbox,
  env: Record<string, string>,
  script: FakeTurn[] = [call("mcp__stub__echo", { text: "from the project" }), { text: "ok" }],
) {
  const made = await fakeModelSandbox(servers, script);
  const settingsPath = join(sandbox.env.XDG_CONFIG_HOME, "hearth", "settings.json");
  const settings = JSON.parse(readFileSync(settingsPath, "utf8"));
  settings.providers.fake.baseUrl = `${made.fake.url}/v1`;
  writeFileSync(settingsPath, JSON.stringify(settings));
  return run(sandbox, [], env);
}

test("a hanging MCP tool is stopped by the watchdog; a crashed server is reported and restarted once", async () => {
  const { sandbox } = await mcpSandbox(
    [call("mcp__stub__hang"), call("mcp__stub__crash"), call("mcp__stub__echo", { text: "after the crash" })],
    { stub: { command: process.execPath, args: [STUB, "ok"] } },
    { permissions: { allow: ["mcp__stub"] } },
  );
  const result = await run(sandbox, ["--tool-timeout", "1s"]);
  assert.equal(result.code, 0, result.stderr);
  const [hang, crash, echo] = ended(result.events);
  assert.match(
    String(hang.content),
    /mcp__stub__hang did not finish within 1(\.0)? ?s and was stopped; the tool's server may be stuck/,
  );
  assert.match(result.stderr, /watchdog: stopped mcp__stub__hang/);
  assert.match(
    String(crash.content),
    /the MCP server "stub" exited while running crash; it is being restarted/,
  );
  assert.match(result.stderr, /MCP server "stub" exited \(its connection closed\); restarting it once/);
  assert.equal(echo.content, "echo: after the crash");
});

test("a stdio server gets only the scrubbed environment and what it names; its stderr goes to the log, redacted", async () => {
  const secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
  const { sandbox } = await mcpSandbox([call("mcp__everything__get-env")], {
    everything: { command: process.execPath, args: [EVERYTHING, "stdio"] },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration's own ${VAR} syntax
    stub: { command: process.execPath, args: [STUB, "ok"], env: { STUB_SECRET: "${MY_SERVICE_TOKEN}" } },
  });
  const result = await run(sandbox, [], {
    GITHUB_TOKEN: secret,
    MY_SERVICE_TOKEN: "tok-9f8e7d6c5b4a39281706",
  });
  assert.equal(result.code, 0, result.stderr);
  const [env] = ended(result.events);
  assert.doesNotMatch(String(env.content), /GITHUB_TOKEN|ghp_/, "a secret reached the server's environment");
  assert.match(String(env.content), /"HOME"/);
  const logs = join(sandbox.env.XDG_STATE_HOME, "hearth", "logs");
  const log = readdirSync(logs)
    .map((name) => readFileSync(join(logs, name), "utf8"))
    .join("");
  assert.match(log, /mcp stub: stub server \(ok\) started; secret env seen: \[REDACTED\]/);
  assert.doesNotMatch(log, /tok-9f8e7d6c5b4a39281706/);
  assert.doesNotMatch(
    result.stderr,
    /stub server \(ok\) started/,
    "a server's stderr stays off the terminal",
  );
});

test("a broken .mcp.json in a trusted folder is one line and starts nothing; the run goes on", async () => {
  const { sandbox } = await mcpSandbox([], {});
  writeFileSync(
    join(sandbox.project, ".mcp.json"),
    '{"mcpServers": {"x": {"url": "http://127.0.0.1:9/mcp"}}}',
  );
  assert.equal((await runHearth(sandbox, ["trust"])).code, 0);
  const result = await run(sandbox, []);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /\.mcp\.json: mcpServers\.x: expected \{"command": "\.\.\."[^\n]*; fix it or move it aside: its servers are not started/,
  );
});

test("hearth -p with no MCP server never loads the MCP SDK; with one it does", async () => {
  const { sandbox } = await mcpSandbox([], {});
  const log = join(sandbox.home, "loaded.log");
  const hook = join(sandbox.home, "log-loads.mjs");
  writeFileSync(
    hook,
    `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(
  "import { appendFileSync } from 'node:fs';" +
  "export async function load(url, context, next) {" +
  "  if (url.startsWith('file:')) appendFileSync(process.env.HEARTH_LOADED_LOG, url + '\\\\n');" +
  "  return next(url, context); }"));
`,
  );
  const env = { NODE_OPTIONS: `--import ${hook}`, HEARTH_LOADED_LOG: log };
  writeFileSync(log, "");
  const plain = await runHearth(sandbox, ["-p", "hi"], { env });
  assert.equal(plain.code, 0, plain.stderr);
  const loaded = readFileSync(log, "utf8");
  assert.match(loaded, /run-cli\.mjs/);
  assert.doesNotMatch(loaded, /@modelcontextprotocol/);

  const { sandbox: withMcp } = await mcpSandbox([], {
    stub: { command: process.execPath, args: [STUB, "ok"] },
  });
  writeFileSync(log, "");
  const mcp = await runHearth(withMcp, ["-p", "hi"], { env });
  assert.equal(mcp.code, 0, mcp.stderr);
  assert.match(readFileSync(log, "utf8"), /@modelcontextprotocol\/client/);
});

test("server-everything over streamable HTTP: every request in the egress ledger; --offline refuses a far server", async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, "streamableHttp"], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  after(() => void child.kill("SIGKILL"));
  await new Promise<void>((done) =>
    child.stderr?.on("data", (c) => String(c).includes("listening") && done()),
  );
  const { sandbox } = await mcpSandbox([call("mcp__near__echo", { message: "over http" })], {
    near: { type: "http", url: `http://127.0.0.1:${port}/mcp` },
    far: { type: "http", url: "https://mcp.example.com/mcp" },
  });
  const result = await run(sandbox, ["--offline"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(ended(result.events)[0].content, "Echo: over http");
  assert.match(
    result.stderr,
    /MCP server "far" did not start: offline mode \(--offline\) blocks the request to mcp\.example\.com; only MCP servers on loopback run offline/,
  );
  const egress = await runHearth(sandbox, ["egress", "--json"]);
  const lines = egress.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { purpose: string; host: string; method: string });
  const mcp = lines.filter((l) => l.purpose === "mcp");
  assert.ok(mcp.length >= 3, egress.stdout);
  assert.ok(
    mcp.every((l) => l.host === `127.0.0.1:${port}`),
    "nothing but the loopback server",
  );
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

test("mcp.localModelServers limits the servers whose tools a local model is offered; prompt --show lists them with sizes", async () => {
  const stub = { command: process.execPath, args: [STUB, "ok"] };
  const { fake, sandbox } = await mcpSandbox([], { a: stub, b: stub }, { mcp: { localModelServers: ["a"] } });
  const settingsPath = join(sandbox.env.XDG_CONFIG_HOME, "hearth", "settings.json");
  const settings = JSON.parse(readFileSync(settingsPath, "utf8"));
  settings.providers.fake.local = true;
  writeFileSync(settingsPath, JSON.stringify(settings));
  const result = await run(sandbox, []);
  assert.equal(result.code, 0, result.stderr);
  const names = (fake.modelRequests[0].body as { tools: Array<{ function: { name: string } }> }).tools.map(
    (t) => t.function.name,
  );
  assert.ok(names.includes("mcp__a__echo"), names.join(", "));
  assert.ok(!names.some((n) => n.startsWith("mcp__b__")), "a local model is offered a's tools only");

  const shown = await runHearth(sandbox, ["prompt", "--show"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^a: 3 of 3 tools offered, [\d,]+ bytes$/m);
  assert.match(
    shown.stdout,
    /^b: 0 of 3 tools offered, 2 bytes \(not offered to local models: mcp\.localModelServers\)$/m,
  );
  assert.match(shown.stdout, /^ {2}mcp__a__echo +[\d,]+ bytes$/m);
  const cloud = await runHearth(sandbox, [
    "prompt",
    "--show",
    "--json",
    "--model",
    "anthropic/claude-sonnet-4-5",
  ]);
  const tools = (JSON.parse(cloud.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
  assert.ok(tools.includes("mcp__b__echo"), "a cloud model is offered every server's tools");
});

test("Ctrl-C while a server is starting ends the run at once; a server that never starts fails within mcp.startTimeout", async () => {
  const stuck = { command: process.execPath, args: [STUB, "hang-start"] };
  const { sandbox } = await mcpSandbox([], { stuck }, { mcp: { startTimeout: 30 } });
  const interrupted = await runHearth(sandbox, ["-p", "hi"], {
    onSpawn: (child) => setTimeout(() => child.kill("SIGINT"), 1500),
  });
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.ok(interrupted.durationMs < 8000, `took ${interrupted.durationMs} ms`);

  const { sandbox: short } = await mcpSandbox([], { stuck }, { mcp: { startTimeout: 1 } });
  const result = await runHearth(short, ["-p", "hi"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /MCP server "stuck" did not start: did not start within 1 s \(.*settings\.json\)/,
  );
});

test("the next session offers a server's tools from its last start and starts it on first use", async () => {
  const starts = "starts.txt";
  const { sandbox } = await mcpSandbox([{ text: "no tools needed" }], {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration's own ${VAR} syntax
    stub: { command: process.execPath, args: [STUB, "ok"], env: { STUB_STARTS_FILE: "${STARTS}" } },
  });
  const env = { STARTS: join(sandbox.home, starts) };
  const first = await run(sandbox, [], env);
  assert.equal(first.code, 0, first.stderr);
  const count = () =>
    existsSync(env.STARTS) ? readFileSync(env.STARTS, "utf8").trim().split("\n").length : 0;
  assert.equal(count(), 1, "the first session starts it to list its tools");

  const idle = await mcpSandboxRun(sandbox, env, [{ text: "still no tools" }]);
  const info = idle.events.find((e) => e.type === "session_info") as { mcpServers?: unknown[] };
  assert.deepEqual(info.mcpServers, [{ name: "stub", state: "idle", tools: 3 }]);
  assert.equal(count(), 1, "a session that calls none of its tools does not start it");

  const used = await mcpSandboxRun(sandbox, env);
  assert.equal(ended(used.events)[0].content, "echo: from the project");
  assert.equal(count(), 2, "started by the first call");
});

test("an MCP tool's result is redacted and capped like any tool output", async () => {
  const key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
  const { fake, sandbox } = await mcpSandbox(
    [
      call("mcp__stub__echo", { text: `the key is ${key}` }),
      call("mcp__stub__echo", { text: "x".repeat(60_000) }),
    ],
    { stub: { command: process.execPath, args: [STUB, "ok"] } },
  );
  const result = await run(sandbox, [], { ANTHROPIC_API_KEY: key });
  assert.equal(result.code, 0, result.stderr);
  const [secret, long] = ended(result.events);
  assert.doesNotMatch(String(secret.content), /sk-ant-api03/);
  assert.match(String(secret.content), /\[REDACTED\]/);
  assert.match(
    String(long.content),
    /\(output cut: showing the first [\d,]+ of 60,006 characters; the full output is in /,
  );
  assert.ok(String(long.content).length < 41_000);
  // What goes back to the model is the redacted result (the key stays only in the model's own call).
  const sent = fake.modelRequests[1].body as { messages: Array<{ role: string; content: unknown }> };
  const tool = sent.messages.find((m) => m.role === "tool");
  assert.equal(tool?.content, secret.content);
});
