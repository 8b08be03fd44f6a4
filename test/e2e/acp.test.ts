/**
 * `hearth acp` end to end: the built hearth as an ACP agent process, driven by the official SDK's client (and by
 * acpx, a command-line ACP client) against the fake model server. Asserted: the updates and answers the client
 * gets, the files, what reached the model, and that stdout carries JSON-RPC alone.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { after, test } from "node:test";
import { promisify } from "node:util";
import * as acp from "@agentclientprotocol/sdk";
import type { FakeTurn } from "../fake-server/script.ts";
import type { FakeServer } from "../fake-server/server.ts";
import { CLI, fakeModelSandbox, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(servers.map((s) => s.close()));
});

type Permission = { request: acp.RequestPermissionRequest; answer: acp.RequestPermissionResponse };

/** An ACP client connected to a fresh `hearth acp`; `choose` answers permission requests. */
function connect(
  sandbox: Sandbox,
  choose: (request: acp.RequestPermissionRequest) => string | null = () => null,
) {
  const child = spawn(process.execPath, [CLI, "acp"], {
    cwd: sandbox.project,
    env: sandbox.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const updates: acp.SessionNotification[] = [];
  const permissions: Permission[] = [];
  const app = acp
    .client({ name: "test" })
    .onNotification("session/update", ({ params }) => {
      updates.push(params);
    })
    .onRequest("session/request_permission", ({ params }) => {
      const id = choose(params);
      const answer: acp.RequestPermissionResponse = {
        outcome: id === null ? { outcome: "cancelled" } : { outcome: "selected", optionId: id },
      };
      permissions.push({ request: params, answer });
      return answer;
    });
  const stdoutCopy = new Readable({ read() {} });
  child.stdout.on("data", (chunk: Buffer) => stdoutCopy.push(chunk));
  child.stdout.on("end", () => stdoutCopy.push(null));
  const stream = acp.ndJsonStream(
    Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
    Readable.toWeb(stdoutCopy) as ReadableStream<Uint8Array>,
  );
  const connection = app.connect(stream);
  const agent = connection.agent;
  return {
    child,
    agent,
    updates,
    permissions,
    stdout: () => stdout,
    stderr: () => stderr,
    async initialize() {
      return agent.request("initialize", { protocolVersion: acp.PROTOCOL_VERSION, clientCapabilities: {} });
    },
    async newSession(cwd = sandbox.project, mcpServers: acp.McpServer[] = []) {
      return agent.request("session/new", { cwd, mcpServers });
    },
    prompt(sessionId: string, text: string) {
      return agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text }] });
    },
    of(sessionId: string) {
      return updates.filter((u) => u.sessionId === sessionId).map((u) => u.update);
    },
    async close() {
      connection.close();
      child.stdin.end();
      await new Promise((resolve) => child.once("close", resolve));
    },
  };
}

const withFake = (script: FakeTurn[], files: Record<string, string> = {}) =>
  fakeModelSandbox(servers, script, files);

function agentText(updates: acp.SessionUpdate[]): string {
  return updates
    .flatMap((u) =>
      u.sessionUpdate === "agent_message_chunk" && u.content.type === "text" ? [u.content.text] : [],
    )
    .join("");
}

function requestText(fake: FakeServer, index: number): string {
  return JSON.stringify(fake.modelRequests[index]?.body?.messages ?? []);
}

test("initialize, a new session and a prompt with a tool call: updates stream, the answer ends end_turn, stdout is JSON-RPC alone", async () => {
  const { fake, sandbox } = await withFake(
    [{ toolCalls: [{ name: "read", arguments: { path: "notes.md" } }] }, { text: "The notes say hello." }],
    { "notes.md": "hello\n" },
  );
  const client = connect(sandbox);
  const init = await client.initialize();
  assert.equal(init.protocolVersion, acp.PROTOCOL_VERSION);
  assert.equal(init.agentCapabilities?.loadSession, true);
  assert.equal(init.agentInfo?.name, "hearth");
  const { sessionId, modes } = await client.newSession();
  assert.ok(modes?.availableModes.some((m) => m.id === "plan"));
  const answer = await client.prompt(sessionId, "what do the notes say?");
  assert.equal(answer.stopReason, "end_turn");
  const updates = client.of(sessionId);
  const call = updates.find((u) => u.sessionUpdate === "tool_call");
  assert.ok(call?.sessionUpdate === "tool_call");
  assert.equal(call.kind, "read");
  assert.equal(call.title, "read notes.md");
  assert.deepEqual(call.locations, [{ path: join(sandbox.project, "notes.md") }]);
  const done = updates.find((u) => u.sessionUpdate === "tool_call_update" && u.status === "completed");
  assert.ok(done?.sessionUpdate === "tool_call_update");
  assert.match(JSON.stringify(done.content), /hello/);
  assert.equal(agentText(updates), "The notes say hello.");
  assert.match(requestText(fake, 0), /what do the notes say\?/);
  await client.close();
  for (const line of client.stdout().split("\n").filter(Boolean))
    assert.equal(JSON.parse(line).jsonrpc, "2.0", `not JSON-RPC on stdout: ${line}`);
});

test("a permission request answered both ways: allow once writes the file; reject leaves it and the model reads why", async () => {
  const { fake, sandbox } = await withFake([
    { toolCalls: [{ name: "write", arguments: { path: "yes.txt", content: "allowed\n" } }] },
    { text: "Wrote it." },
    { toolCalls: [{ name: "write", arguments: { path: "no.txt", content: "refused\n" } }] },
    { text: "Understood." },
  ]);
  let choice = "allow_once";
  const client = connect(sandbox, () => choice);
  await client.initialize();
  const { sessionId } = await client.newSession();
  assert.equal((await client.prompt(sessionId, "write yes.txt")).stopReason, "end_turn");
  assert.equal(readFileSync(join(sandbox.project, "yes.txt"), "utf8"), "allowed\n");
  const asked = client.permissions[0].request;
  assert.equal(asked.toolCall.kind, "edit");
  assert.deepEqual(
    asked.options.map((o) => o.kind),
    ["allow_once", "allow_always", "reject_once"],
  );
  assert.ok(
    asked.toolCall.content?.some((c) => c.type === "diff" && c.newText === "allowed\n"),
    "the client sees the change it is asked about",
  );
  choice = "reject_once";
  assert.equal((await client.prompt(sessionId, "write no.txt")).stopReason, "end_turn");
  assert.ok(!existsSync(join(sandbox.project, "no.txt")));
  assert.match(requestText(fake, 3), /rejected/);
  const failed = client
    .of(sessionId)
    .filter((u) => u.sessionUpdate === "tool_call_update" && u.status === "failed");
  assert.equal(failed.length, 1);
  await client.close();
});

test("session/cancel in the middle of a command: the prompt ends cancelled and the command's process is gone", async () => {
  const marker = `31.${process.pid % 1000}`;
  const { sandbox } = await withFake([
    { toolCalls: [{ name: "bash", arguments: { command: `sleep ${marker}` } }] },
  ]);
  writeSettings(sandbox, "project", { permissionMode: "auto" });
  // Without an OS sandbox commands ask in every mode: this client says yes.
  const client = connect(sandbox, () => "allow_once");
  await client.initialize();
  const { sessionId } = await client.newSession();
  const prompt = client.prompt(sessionId, "wait a while");
  const running = () => spawnSync("pgrep", ["-f", `sleep ${marker}`]).status === 0;
  for (let i = 0; i < 200 && !running(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(running(), "the command started");
  const cancelled = Date.now();
  await client.agent.notify("session/cancel", { sessionId });
  assert.equal((await prompt).stopReason, "cancelled");
  assert.ok(Date.now() - cancelled < 5000);
  assert.ok(!running(), "the command's process group was killed");
  await client.close();
});

test("session/load replays an earlier session, and its next prompt carries the conversation; two sessions in one process", async () => {
  const { fake, sandbox } = await withFake([
    { text: "Noted: the word is quince." },
    { text: "Other session here." },
    { text: "The word was quince." },
  ]);
  const first = connect(sandbox);
  await first.initialize();
  const a = await first.newSession();
  const other = join(sandbox.project, "other");
  mkdirSync(other);
  const b = await first.newSession(other);
  assert.notEqual(a.sessionId, b.sessionId);
  await first.prompt(a.sessionId, "remember quince");
  await first.prompt(b.sessionId, "hello other");
  assert.equal(agentText(first.of(a.sessionId)), "Noted: the word is quince.");
  assert.equal(agentText(first.of(b.sessionId)), "Other session here.");
  await first.close();

  const second = connect(sandbox);
  await second.initialize();
  await second.agent.request("session/load", {
    sessionId: a.sessionId,
    cwd: sandbox.project,
    mcpServers: [],
  });
  const replayed = second.of(a.sessionId);
  assert.ok(
    replayed.some(
      (u) =>
        u.sessionUpdate === "user_message_chunk" && JSON.stringify(u.content).includes("remember quince"),
    ),
  );
  assert.equal(agentText(replayed), "Noted: the word is quince.");
  await second.prompt(a.sessionId, "what was the word?");
  assert.match(requestText(fake, 2), /remember quince/);
  assert.doesNotMatch(requestText(fake, 2), /hello other/);
  await second.close();
});

test("set_mode and the model option change what the next prompt runs with; an unknown mode is refused", async () => {
  const { fake, sandbox } = await withFake([{ text: "From m2." }]);
  const client = connect(sandbox);
  await client.initialize();
  const { sessionId } = await client.newSession();
  await client.agent.request("session/set_mode", { sessionId, modeId: "plan" });
  assert.ok(
    client.of(sessionId).some((u) => u.sessionUpdate === "current_mode_update" && u.currentModeId === "plan"),
  );
  await assert.rejects(client.agent.request("session/set_mode", { sessionId, modeId: "yolo" }), /yolo/);
  const changed = await client.agent.request("session/set_config_option", {
    sessionId,
    configId: "model",
    value: "fake/m2",
  });
  assert.match(JSON.stringify(changed.configOptions), /fake\/m2/);
  await client.prompt(sessionId, "hi");
  assert.equal(fake.modelRequests[0].body?.model, "m2");
  assert.match(requestText(fake, 0), /hi/);
  await client.close();
});

test("acpx drives hearth acp from the command line and leaves no process behind", async () => {
  const { sandbox } = await withFake([{ text: "Hello from hearth over ACP." }]);
  const acpx = join(process.cwd(), "node_modules/.bin/acpx");
  const agentCommand = `${process.execPath} ${CLI} acp`;
  // Not execFileSync: the fake model server answers from this process.
  const { stdout: out } = await promisify(execFile)(acpx, ["--agent", agentCommand, "exec", "say hello"], {
    cwd: sandbox.project,
    env: sandbox.env,
    encoding: "utf8",
    timeout: 60000,
  });
  assert.match(out, /Hello from hearth over ACP\./);
  assert.match(out, /end_turn/);
  assert.notEqual(spawnSync("pgrep", ["-f", `${CLI} acp`]).status, 0, "no hearth acp left running");
});

test("a prompt that links a secret file (.env) or a file outside the workspace is refused; the model never sees it", async () => {
  const { fake, sandbox } = await withFake([{ text: "fine" }], { ".env": "API_KEY=sk-live-secret\n" });
  const client = connect(sandbox);
  await client.initialize();
  const { sessionId } = await client.newSession();
  for (const uri of [`file://${join(sandbox.project, ".env")}`, "file:///etc/passwd"])
    await assert.rejects(
      client.agent.request("session/prompt", {
        sessionId,
        prompt: [
          { type: "text", text: "summarise" },
          { type: "resource_link", uri, name: "f" },
        ],
      }),
      (error: Error) => !/sk-live-secret|root:/.test(error.message),
    );
  assert.equal(fake.modelRequests.length, 0);
  assert.doesNotMatch(client.stdout(), /sk-live-secret/);
  await client.close();
});

test("the client's MCP servers: server-everything over stdio is started for the session and its tool runs", async () => {
  const everything = join(
    process.cwd(),
    "node_modules/@modelcontextprotocol/server-everything/dist/index.js",
  );
  const { fake, sandbox } = await withFake([
    { toolCalls: [{ name: "mcp__everything__echo", arguments: { message: "from the editor's server" } }] },
    { text: "It echoed." },
  ]);
  const client = connect(sandbox, () => "allow_once");
  const init = await client.initialize();
  assert.deepEqual(init.agentCapabilities?.mcpCapabilities, { http: true, sse: true });
  const { sessionId } = await client.newSession(sandbox.project, [
    { name: "everything", command: process.execPath, args: [everything, "stdio"], env: [] },
  ]);
  assert.equal((await client.prompt(sessionId, "echo something")).stopReason, "end_turn");
  const tools = JSON.stringify(fake.modelRequests[0].body?.tools ?? []);
  assert.match(tools, /mcp__everything__echo/, "the model was offered the client's server's tools");
  const done = client
    .of(sessionId)
    .find((u) => u.sessionUpdate === "tool_call_update" && u.status === "completed");
  assert.match(JSON.stringify(done), /Echo: from the editor's server/);
  await client.close();
});
