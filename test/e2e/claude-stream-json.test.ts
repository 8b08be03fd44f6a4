/**
 * End to end: `--output-format claude-stream-json` writes Claude Code's stream-json envelopes, so a program written
 * for `claude -p --output-format stream-json --verbose` reads a hearth run unchanged; stream-json keeps hearth's own.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

type Block = { type: string; [key: string]: unknown };
type Line = {
  type: string;
  subtype?: string;
  session_id: string;
  uuid: string;
  message: {
    role: string;
    type?: string;
    content: Block[];
    stop_reason?: string;
    usage: Record<string, number>;
  };
  [key: string]: unknown;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test("system/init, assistant with tool_use, user with tool_result, assistant with text, result", async () => {
  const fake = await startFakeServer({
    script: [
      {
        text: "Let me look.",
        toolCalls: [{ id: "call_1", name: "read", arguments: { path: "notes.txt" } }],
        usage: { input: 120, output: 12 },
      },
      { text: "The notes say hello.", usage: { input: 150, output: 6 } },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox({ "notes.txt": "hello\n" });
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    permissionMode: "edits",
  });
  const run = await runHearth(sandbox, [
    "-p",
    "--output-format",
    "claude-stream-json",
    "--verbose",
    "read notes",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
  assert.equal(lines.length, run.stdout.trim().split("\n").length, "every stdout line is JSON");
  assert.deepEqual(
    lines.map((l) => (l.subtype ? `${l.type}/${l.subtype}` : l.type)),
    ["system/init", "assistant", "user", "assistant", "result/success"],
  );
  const [init, first, toolResult, second, result] = lines;
  const sessionId = init.session_id;
  assert.match(sessionId, UUID);
  assert.equal(init.cwd, sandbox.project);
  assert.equal(init.model, "fake/m");
  assert.equal(init.permissionMode, "acceptEdits");
  const tools = init.tools as string[];
  assert.ok(tools.includes("Read") && tools.includes("Bash"), tools.join());
  for (const line of lines) {
    assert.equal(line.session_id, sessionId);
    assert.match(line.uuid, UUID);
  }

  assert.equal(first.parent_tool_use_id, null);
  assert.equal(first.message.role, "assistant");
  assert.equal(first.message.type, "message");
  assert.deepEqual(first.message.content, [
    { type: "text", text: "Let me look." },
    { type: "tool_use", id: "call_1", name: "Read", input: { file_path: "notes.txt" } },
  ]);
  assert.equal(first.message.stop_reason, "tool_use");
  assert.equal(first.message.usage.input_tokens, 120);
  assert.equal(first.message.usage.output_tokens, 12);

  assert.equal(toolResult.message.role, "user");
  const [block] = toolResult.message.content;
  assert.equal(block.type, "tool_result");
  assert.equal(block.tool_use_id, "call_1");
  assert.equal(block.is_error, false);
  assert.match(String(block.content), /hello/);

  assert.deepEqual(second.message.content, [{ type: "text", text: "The notes say hello." }]);
  assert.equal(second.message.stop_reason, "end_turn");

  assert.equal(result.is_error, false);
  assert.equal(result.result, "The notes say hello.");
  assert.equal(result.num_turns, 2);
  assert.equal(typeof result.duration_ms, "number");
  assert.equal(typeof result.duration_api_ms, "number");
  assert.equal(result.total_cost_usd, 0);
  assert.deepEqual(result.usage, {
    input_tokens: 270,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 18,
  });
  assert.deepEqual(result.permission_denials, []);
});

test("a failed run ends with an error result; stream-json still writes hearth's own events", async () => {
  const fake = await startFakeServer({
    script: [{ status: 400, errorBody: '{"error":{"message":"bad request"}}' }, { text: "hi" }],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
  });
  const failed = await runHearth(sandbox, ["-p", "--output-format", "claude-stream-json", "x"]);
  assert.equal(failed.code, 1);
  const result = failed.events.at(-1) ?? {};
  assert.equal(result.type, "result");
  assert.equal(result.subtype, "error_during_execution");
  assert.equal(result.is_error, true);
  assert.match(String((result.errors as string[])[0]), /bad request/);

  const own = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "x"]);
  assert.equal(own.code, 0, own.stderr);
  assert.deepEqual(
    own.events
      .map((e) => e.type)
      .filter((t) => t === "session_info" || t === "message_ended" || t === "result"),
    ["session_info", "message_ended", "result"],
  );
});
