/**
 * End to end: `--output-format stream-json` writes the protocol's own events (src/protocol/events.ts), named and
 * shaped as the types declare them, the runtime's included (session_info first, user_message, the permission
 * request and its refusal, prompt_ended, session_closed), each one documented in the README's generated list;
 * the json result object is the last line; what the lines carry passes the redactor.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const README = resolve(dirname(fileURLToPath(import.meta.url)), "../../README.md");

/** The event types of the README's generated list. */
function documentedTypes(): Set<string> {
  const readme = readFileSync(README, "utf8");
  const part = readme.slice(
    readme.indexOf("<!-- protocol:events -->"),
    readme.indexOf("<!-- /protocol:events -->"),
  );
  return new Set([...part.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));
}

test("every event as the protocol declares it, session_info first, the result last", async () => {
  const token = "s3cr3t-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
  const fake = await startFakeServer({
    script: [
      {
        text: "Reading, then writing.",
        toolCalls: [
          { id: "call_read", name: "read", arguments: { path: "notes.txt" } },
          { id: "call_write", name: "write", arguments: { path: "notes.txt", content: "changed\n" } },
        ],
      },
      { text: "The write was refused." },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox({ "notes.txt": "hello\n" });
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
  });
  const prompt = `update notes.txt; the deploy token is ${token}`;
  const run = await runHearth(sandbox, ["-p", "--output-format", "stream-json", prompt], {
    env: { DEPLOY_TOKEN: token },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!run.stdout.includes(token), "the prompt's token is redacted on stdout");
  assert.equal(readFileSync(join(sandbox.project, "notes.txt"), "utf8"), "hello\n");

  const result = run.events.at(-1)!;
  assert.equal(result.type, "result", "the json result object is the last line");
  assert.equal(result.subtype, "success");
  const events = run.events.slice(0, -1);
  const documented = documentedTypes();
  for (const event of events) {
    assert.ok(documented.has(String(event.type)), `${event.type} is in the README's list`);
    assert.equal(event.sessionId, result.session_id, JSON.stringify(event));
    assert.equal(typeof event.turn, "number");
    assert.equal(typeof event.ts, "number");
    for (const key of Object.keys(event))
      assert.match(key, /^[a-z][a-zA-Z]*$/, `${event.type}: camelCase ${key}`);
  }
  const types = events.map((e) => e.type);
  assert.equal(types[0], "session_info");
  assert.deepEqual(types.slice(-2), ["prompt_ended", "session_closed"]);
  const first = (type: string) => types.indexOf(type);
  assert.ok(first("session_info") < first("user_message"));
  assert.ok(first("user_message") < first("agent_started"));
  assert.ok(first("permission_requested") < first("permission_resolved"));
  assert.ok(first("agent_ended") < first("prompt_ended"));

  const info = events[0];
  assert.equal(info.model, "fake/m");
  assert.equal(info.cwd, sandbox.project);
  assert.equal(info.permissionMode, "ask");
  assert.equal(info.resumed, false);
  assert.equal(info.local, false);

  const user = events.find((e) => e.type === "user_message")!;
  assert.equal(user.text, prompt.replace(token, "[REDACTED]"));

  const asked = events.find((e) => e.type === "permission_requested")!;
  assert.equal(asked.callId, "call_write");
  assert.equal(asked.tool, "write");
  assert.equal(asked.cause, "mode");
  assert.match(String(asked.diff), /-hello\n\+changed/);
  const resolved = events.find((e) => e.type === "permission_resolved")!;
  assert.deepEqual(
    [resolved.requestId, resolved.callId, resolved.decision, resolved.by, resolved.answer],
    [asked.requestId, "call_write", "deny", "answer", "deny"],
  );

  const ended = events.filter((e) => e.type === "tool_call_ended") as Array<{
    call: { id: string; name: string };
    isError: boolean;
    content: string;
    durationMs: number;
  }>;
  assert.deepEqual(
    ended.map((e) => [e.call.id, e.call.name, e.isError]),
    [
      ["call_read", "read", false],
      ["call_write", "write", true],
    ],
  );
  assert.match(ended[0].content, /hello/);
  assert.equal(typeof ended[0].durationMs, "number");

  const message = events.find((e) => e.type === "message_ended") as {
    message: { role: string; stopReason: string; content: Array<{ type: string }> };
    timing: { durationMs: number };
  };
  assert.equal(message.message.role, "assistant");
  assert.equal(message.message.stopReason, "tool_use");
  assert.deepEqual(
    message.message.content.map((p) => p.type),
    ["text", "tool_call", "tool_call"],
  );

  // The one thing left out on the wire: agent_ended's copy of the conversation.
  const agentEnded = events.find((e) => e.type === "agent_ended")!;
  assert.equal(agentEnded.reason, "done");
  assert.equal(agentEnded.turns, 2);
  assert.equal("messages" in agentEnded, false);
  const promptEnded = events.find((e) => e.type === "prompt_ended")!;
  assert.equal(promptEnded.reason, "done");
  assert.deepEqual(promptEnded.usage, agentEnded.usage);
});
