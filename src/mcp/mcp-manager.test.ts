/**
 * The MCP manager against real servers from the npm registry and a stub server for what real ones rarely do on
 * cue (hang, crash): real processes, real loopback HTTP through hearth's own HTTP client.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { createHttpClient, type Exchange } from "../egress/http-client.ts";
import { offlineGuard } from "../egress/offline.ts";
import type { McpServerConfig } from "../schema/mcp-server-config.ts";
import { createToolRuntime } from "../tools/tool-runtime.ts";
import type { McpServerEntry } from "./mcp-config.ts";
import { createMcpManager, type McpManager, type McpManagerOptions } from "./mcp-manager.ts";
import { createToolCache } from "./tool-cache.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const EVERYTHING = join(ROOT, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const FILESYSTEM = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
const STUB = join(ROOT, "test/fixtures/mcp-stub-server.mjs");

const managers: McpManager[] = [];
const children: ChildProcess[] = [];
after(async () => {
  await Promise.all(managers.map((m) => m.close()));
  for (const child of children) child.kill("SIGKILL");
});

function entry(name: string, config: McpServerConfig): McpServerEntry {
  return { name, config, source: "user", origin: "test settings" };
}

function manager(servers: McpServerEntry[], extra: Partial<McpManagerOptions> = {}) {
  const logs: string[] = [];
  const notices: string[] = [];
  const made = createMcpManager({
    servers,
    env: { PATH: process.env.PATH, NAMED_SECRET_VALUE: "s3cr3t-named-value" },
    scrubbedEnv: { PATH: process.env.PATH ?? "" },
    cwd: ROOT,
    http: createHttpClient(),
    version: "test",
    log: (server, line) => logs.push(`${server}: ${line}`),
    notice: (text) => notices.push(text),
    ...extra,
  });
  managers.push(made);
  return { manager: made, logs, notices };
}

const signal = () => new AbortController().signal;

test("server-everything over stdio: its tools as mcp__everything__*, read-only hints, a call that answers", async () => {
  const { manager: m, logs } = manager([
    entry("everything", { command: process.execPath, args: [EVERYTHING, "stdio"] }),
  ]);
  await m.start();
  const [status] = m.status();
  assert.equal(status.state, "ready", JSON.stringify(status));
  const tools = m.tools();
  assert.equal(status.tools, tools.length);
  assert.ok(tools.length >= 10, `${tools.length} tools`);
  const echo = tools.find((t) => t.name === "mcp__everything__echo");
  assert.ok(echo, tools.map((t) => t.name).join(", "));
  assert.equal(echo.kind, "external");
  assert.equal(echo.effect, "read-only");
  const properties = echo.jsonSchema?.properties as Record<string, unknown> | undefined;
  assert.ok(properties?.message, "the server's own schema");
  const result = await echo.execute({ message: "hello mcp" }, { signal: signal(), callId: "c1" });
  assert.equal(result.content, "Echo: hello mcp");
  assert.equal(tools.find((t) => t.name === "mcp__everything__toggle-simulated-logging")?.effect, "write");
  assert.ok(
    logs.some((line) => /everything: started in \d+ ms with \d+ tools/.test(line)),
    logs.join("\n"),
  );
});

test("a server's progress notifications reach the call's progress lines", async () => {
  const { manager: m } = manager([
    entry("everything", { command: process.execPath, args: [EVERYTHING, "stdio"] }),
  ]);
  await m.start();
  const long = m.tools().find((t) => t.name === "mcp__everything__trigger-long-running-operation");
  assert.ok(long);
  const lines: string[] = [];
  const result = await long.execute(
    { duration: 0.3, steps: 3 },
    { signal: signal(), callId: "c", progress: (text) => lines.push(text) },
  );
  assert.equal(result.isError, false, result.content);
  // The last notification may come with the result, after the call is over (the SDK then drops it).
  assert.deepEqual(lines.slice(0, 2), ["1/3", "2/3"]);
  assert.ok(
    lines.every((line) => /^[123]\/3$/.test(line)),
    lines.join(", "),
  );
});

test("a stdio server gets the scrubbed environment plus exactly the variables its configuration names", async () => {
  const learnt: string[] = [];
  const { manager: m } = manager(
    [
      entry("everything", {
        command: process.execPath,
        args: [EVERYTHING, "stdio"],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration's own ${VAR} syntax
        env: { GIVEN_TOKEN: "${NAMED_SECRET_VALUE}", PLAIN: "${MISSING_ONE:-fallback}" },
      }),
    ],
    { learnSecret: (value) => learnt.push(value) },
  );
  await m.start();
  const getEnv = m.tools().find((t) => t.name === "mcp__everything__get-env");
  assert.ok(getEnv);
  const result = await getEnv.execute({}, { signal: signal(), callId: "c1" });
  const seen = JSON.parse(result.content) as Record<string, string>;
  assert.equal(seen.GIVEN_TOKEN, "s3cr3t-named-value");
  assert.equal(seen.PLAIN, "fallback");
  assert.equal(seen.NAMED_SECRET_VALUE, undefined, "a variable the configuration does not name stays out");
  assert.deepEqual(learnt, ["s3cr3t-named-value"], "the redactor learns the named secret");
});

test("server-filesystem: destructive and read-only hints become effects; a missing command says what to do", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-mcp-fs-"));
  const { manager: m, notices } = manager([
    entry("fs", { command: process.execPath, args: [FILESYSTEM, dir] }),
    entry("nope", { command: "hearth-no-such-program-xyz" }),
  ]);
  await m.start();
  const tools = new Map(m.tools().map((t) => [t.name, t]));
  assert.equal(tools.get("mcp__fs__write_file")?.effect, "destructive");
  assert.equal(tools.get("mcp__fs__list_directory")?.effect, "read-only");
  assert.equal(tools.get("mcp__fs__create_directory")?.effect, "write");
  const nope = m.status().find((s) => s.name === "nope");
  assert.equal(nope?.state, "failed");
  assert.match(
    nope?.error ?? "",
    /cannot run "hearth-no-such-program-xyz": not found \(install it, or fix "command" in test settings\)/,
  );
  assert.match(notices.join("\n"), /MCP server "nope" did not start: cannot run/);
});

test("a server that never answers fails its start within the start timeout; the others start", async () => {
  const started = Date.now();
  const { manager: m, notices } = manager(
    [
      entry("stuck", { command: process.execPath, args: [STUB, "hang-start"] }),
      entry("stub", { command: process.execPath, args: [STUB, "ok"] }),
    ],
    { startTimeoutMs: 1500 },
  );
  await m.start();
  assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  const stuck = m.status().find((s) => s.name === "stuck");
  assert.equal(stuck?.state, "failed");
  assert.match(stuck?.error ?? "", /did not start within 2 s|did not start within 1 s/);
  assert.match(notices.join("\n"), /MCP server "stuck" did not start/);
  assert.equal(m.status().find((s) => s.name === "stub")?.state, "ready");
});

test("a tool call that hangs is stopped by the tool runtime's watchdog", async () => {
  const { manager: m } = manager([entry("stub", { command: process.execPath, args: [STUB, "ok"] })]);
  await m.start();
  const runtime = createToolRuntime({
    tools: m.tools(),
    policy: async () => ({ decision: "allow" }),
    spillDir: mkdtempSync(join(tmpdir(), "hearth-mcp-spill-")),
    timeouts: { read: 60_000, edit: 60_000, exec: 60_000, external: 700 },
  });
  const started = Date.now();
  const result = await runtime.run({ id: "c1", name: "mcp__stub__hang", arguments: {} }, signal());
  assert.equal(result.isError, true);
  assert.match(
    result.content,
    /mcp__stub__hang did not finish within 700ms and was stopped; the tool's server may be stuck/,
  );
  assert.ok(Date.now() - started < 5000);
  // The server itself is fine: the next call answers.
  const echo = await runtime.run(
    { id: "c2", name: "mcp__stub__echo", arguments: { text: "still here" } },
    signal(),
  );
  assert.equal(echo.content, "echo: still here");
});

test("a server that crashes is reported and restarted once; after a second crash it stays down", async () => {
  const starts = join(mkdtempSync(join(tmpdir(), "hearth-mcp-crash-")), "starts");
  const {
    manager: m,
    notices,
    logs,
  } = manager([entry("stub", { command: process.execPath, args: [STUB, "ok"] })], {
    env: { PATH: process.env.PATH },
    scrubbedEnv: { PATH: process.env.PATH ?? "", STUB_STARTS_FILE: starts },
  });
  await m.start();
  const tools = new Map(m.tools().map((t) => [t.name, t]));
  const call = (name: string, args: Record<string, unknown> = {}) =>
    tools.get(name)!.execute(args, { signal: signal(), callId: name });
  await assert.rejects(
    call("mcp__stub__crash"),
    /the MCP server "stub" exited while running crash; it is being restarted: try again/,
  );
  assert.match(notices.join("\n"), /MCP server "stub" exited \(its connection closed\); restarting it once/);
  assert.equal((await call("mcp__stub__echo", { text: "back" })).content, "echo: back");
  assert.equal(readFileSync(starts, "utf8").trim().split("\n").length, 2, "started twice");
  assert.equal(m.status()[0].restarts, 1);

  await assert.rejects(call("mcp__stub__crash"), /exited while running crash; it is not restarted/);
  assert.match(
    notices.join("\n"),
    /exited again .*not restarted: its tools fail for the rest of the session/,
  );
  await assert.rejects(
    call("mcp__stub__echo", { text: "x" }),
    /the MCP server "stub" is not available \(it exited again/,
  );
  assert.equal(readFileSync(starts, "utf8").trim().split("\n").length, 2, "not started a third time");
  assert.ok(
    logs.some((line) => line.startsWith("stub: stub server (ok) started")),
    "stderr goes to the log",
  );
});

/** A free loopback port. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function startEverythingHttp(): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, "streamableHttp"], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  await new Promise<void>((done, fail) => {
    let text = "";
    child.stderr?.on("data", (chunk) => {
      text += chunk;
      if (text.includes("listening")) done();
    });
    child.on("exit", (code) => fail(new Error(`server-everything exited ${code}: ${text}`)));
  });
  return `http://127.0.0.1:${port}/mcp`;
}

test("server-everything over streamable HTTP: through hearth's HTTP client, every request in the ledger", async () => {
  const url = await startEverythingHttp();
  const exchanges: Exchange[] = [];
  const { manager: m } = manager([entry("remote", { type: "http", url })], {
    http: createHttpClient({ onExchange: (exchange) => exchanges.push(exchange) }),
  });
  await m.start();
  assert.equal(m.status()[0].state, "ready", JSON.stringify(m.status()[0]));
  const echo = m.tools().find((t) => t.name === "mcp__remote__echo");
  assert.ok(echo);
  assert.equal(
    (await echo.execute({ message: "over http" }, { signal: signal(), callId: "c" })).content,
    "Echo: over http",
  );
  await m.close();
  assert.ok(exchanges.length >= 3, `${exchanges.length} exchanges`);
  assert.ok(exchanges.every((e) => e.purpose === "mcp" && e.host.startsWith("127.0.0.1:")));
  assert.ok(exchanges.some((e) => e.method === "POST" && e.status === 200));
});

test("offline: a server on a host that is not loopback is refused before any connection; loopback works", async () => {
  const url = await startEverythingHttp();
  const exchanges: Exchange[] = [];
  const http = createHttpClient({
    onExchange: (exchange) => exchanges.push(exchange),
    beforeRequest: offlineGuard({ offline: true, reason: "--offline" }),
  });
  const { manager: m, notices } = manager(
    [
      entry("far", { type: "http", url: "https://mcp.example.com/mcp" }),
      entry("near", { type: "http", url }),
    ],
    { http },
  );
  await m.start();
  const far = m.status().find((s) => s.name === "far");
  assert.equal(far?.state, "failed");
  assert.match(
    notices.join("\n"),
    /offline mode \(--offline\) blocks the request to mcp\.example\.com; only MCP servers on loopback run offline/,
  );
  assert.equal(m.status().find((s) => s.name === "near")?.state, "ready");
  assert.ok(
    exchanges.every((e) => !e.host.includes("example.com")),
    "no request left for the far host",
  );
});

test("the SSE transport also goes through hearth's client (server-everything sse)", {
  skip: !existsSync(EVERYTHING),
}, async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, "sse"], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  await new Promise<void>((done) => child.stderr?.on("data", (c) => String(c).includes("running") && done()));
  const exchanges: Exchange[] = [];
  const { manager: m } = manager([entry("old", { type: "sse", url: `http://127.0.0.1:${port}/sse` })], {
    http: createHttpClient({ onExchange: (exchange) => exchanges.push(exchange) }),
  });
  await m.start();
  assert.equal(m.status()[0].state, "ready", JSON.stringify(m.status()[0]));
  const echo = m.tools().find((t) => t.name === "mcp__old__echo");
  assert.equal(
    (await echo!.execute({ message: "sse" }, { signal: signal(), callId: "c" })).content,
    "Echo: sse",
  );
  await m.close();
  assert.ok(exchanges.some((e) => e.purpose === "mcp" && e.method === "POST"));
  assert.ok(
    exchanges.some((e) => e.purpose === "mcp" && e.method === "GET"),
    "the event stream too",
  );
});

test("with a tool cache, a server known from its last start is offered at once and starts on first use", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-mcp-cache-"));
  const starts = join(dir, "starts");
  const scrubbedEnv = { PATH: process.env.PATH ?? "", STUB_STARTS_FILE: starts };
  const toolCache = createToolCache(join(dir, "cache"));
  const stub = entry("stub", { command: process.execPath, args: [STUB, "ok"] });
  const first = manager([stub], { scrubbedEnv, toolCache, lazy: true });
  await first.manager.start();
  assert.equal(first.manager.status()[0].state, "ready", "no cache yet: started to list its tools");
  await first.manager.close();
  assert.equal(readFileSync(starts, "utf8").trim().split("\n").length, 1);

  const second = manager([stub], { scrubbedEnv, toolCache, lazy: true });
  await second.manager.start();
  const [status] = second.manager.status();
  assert.deepEqual([status.state, status.tools], ["idle", 3]);
  assert.equal(readFileSync(starts, "utf8").trim().split("\n").length, 1, "not started by start()");
  const echo = second.manager.tools().find((t) => t.name === "mcp__stub__echo");
  assert.equal(echo?.effect, "read-only");
  const result = await echo!.execute({ text: "lazy" }, { signal: signal(), callId: "c" });
  assert.equal(result.content, "echo: lazy");
  assert.equal(readFileSync(starts, "utf8").trim().split("\n").length, 2, "started by the first call");
  assert.equal(second.manager.status()[0].state, "ready");

  const changed = manager([entry("stub", { command: process.execPath, args: [STUB, "ok", "--changed"] })], {
    scrubbedEnv,
    toolCache,
    lazy: true,
  });
  await changed.manager.start();
  assert.equal(changed.manager.status()[0].state, "ready", "a changed configuration is listed afresh");
});
