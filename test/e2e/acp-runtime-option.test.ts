/**
 * End to end: an editor on `hearth acp` picks the `runtime` config option; the next prompt is run by the real
 * Claude Code CLI (on the fake server) and streamed to the editor as hearth's own updates.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { after, test } from "node:test";
import * as acp from "@agentclientprotocol/sdk";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { claudeEnv } from "../support/runtimes.ts";
import { CLI, fakeModelSandbox } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test("session/set_config_option runtime=claude: the prompt goes to claude, its answer streams to the editor", {
  timeout: 120_000,
}, async () => {
  const fake = await startFakeServer({ script: [{ text: "Hello from claude." }] });
  servers.push(fake);
  // hearth's own model (never asked here) on a server of its own.
  const { sandbox } = await fakeModelSandbox(servers, []);
  const child = spawn(process.execPath, [CLI, "acp"], {
    cwd: sandbox.project,
    env: { ...sandbox.env, ...claudeEnv(fake) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const updates: acp.SessionNotification[] = [];
  const app = acp.client({ name: "test" }).onNotification("session/update", ({ params }) => {
    updates.push(params);
  });
  const connection = app.connect(
    acp.ndJsonStream(
      Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
      Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>,
    ),
  );
  try {
    const agent = connection.agent;
    await agent.request("initialize", { protocolVersion: acp.PROTOCOL_VERSION, clientCapabilities: {} });
    const created = await agent.request("session/new", { cwd: sandbox.project, mcpServers: [] });
    const runtime = created.configOptions?.find((o) => o.id === "runtime") as {
      currentValue: string;
      options: Array<{ value: string }>;
    };
    assert.equal(runtime.currentValue, "hearth");
    assert.deepEqual(
      runtime.options.map((o) => o.value),
      ["hearth", "claude", "codex", "gemini", "opencode"],
    );
    await assert.rejects(
      agent.request("session/set_config_option", {
        sessionId: created.sessionId,
        configId: "runtime",
        value: "acp:sh",
      }),
      /the runtime is one of hearth, claude/,
    );
    const changed = await agent.request("session/set_config_option", {
      sessionId: created.sessionId,
      configId: "runtime",
      value: "claude",
    });
    assert.equal(
      (changed.configOptions.find((o) => o.id === "runtime") as { currentValue: string }).currentValue,
      "claude",
    );
    const answer = await agent.request("session/prompt", {
      sessionId: created.sessionId,
      prompt: [{ type: "text", text: "hi" }],
    });
    assert.equal(answer.stopReason, "end_turn", stderr);
    const text = updates
      .map((u) => u.update)
      .filter((u) => u.sessionUpdate === "agent_message_chunk")
      .map((u) => (u as { content: { text: string } }).content.text)
      .join("");
    assert.equal(text, "Hello from claude.");
  } finally {
    child.kill("SIGTERM");
  }
});
