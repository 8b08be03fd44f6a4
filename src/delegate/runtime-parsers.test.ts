import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createClaudeParser } from "./claude-stream.ts";
import { createCodexParser } from "./codex-json.ts";
import { createGeminiParser } from "./gemini-stream.ts";
import { createOpencodeParser } from "./opencode-json.ts";
import type { RuntimeEvent, RuntimeParser } from "./runtime-events.ts";

/** Lines recorded from the real CLIs against the fake model server (test/fixtures/runtimes/). */
const recorded = (name: string) =>
  readFileSync(join(import.meta.dirname, "../../test/fixtures/runtimes", `${name}.jsonl`), "utf8").split(
    "\n",
  );

function parseAll(parser: RuntimeParser, lines: string[]): RuntimeEvent[] {
  return [...lines.flatMap((l) => parser.line(l)), ...parser.end()];
}

describe("claude stream-json", () => {
  it("reads a recorded run: session, text, tool calls with their results, responses, the result", () => {
    const events = parseAll(createClaudeParser(), recorded("claude-edit"));
    const kinds = events.map((e) =>
      e.kind === "tool_call" || e.kind === "tool_result" ? `${e.kind}:${e.id}` : e.kind,
    );
    assert.deepEqual(kinds, [
      "session",
      "text",
      "tool_call:toolu_1",
      "response_ended",
      "tool_result:toolu_1",
      "tool_call:toolu_2",
      "response_ended",
      "tool_result:toolu_2",
      "text",
      "response_ended",
      "ended",
    ]);
    assert.deepEqual(events[0], {
      kind: "session",
      id: "43b61247-0755-44ee-b849-b7b047008957",
      model: "claude-opus-4-8[1m]",
    });
    assert.deepEqual(events[2], {
      kind: "tool_call",
      id: "toolu_1",
      name: "Write",
      arguments: { file_path: "/home/user/project/hello.txt", content: "hi\n" },
    });
    const result = events[4] as Extract<RuntimeEvent, { kind: "tool_result" }>;
    assert.match(result.content, /^File created successfully/);
    assert.equal(result.isError, false);
    const ended = events.at(-1) as Extract<RuntimeEvent, { kind: "ended" }>;
    assert.equal(ended.ok, true);
    assert.equal(ended.turns, 3);
    assert.equal(ended.usage?.inputTokens, 57225);
    assert.ok(ended.costUsd && ended.costUsd > 0.28 && ended.costUsd < 0.29);
  });

  it("reads a recorded run with stream events: text as it streams, a response over at message_stop", () => {
    const events = parseAll(createClaudeParser(), recorded("claude-partial"));
    const kinds = events.map((e) => (e.kind === "text" ? `text:${e.text}` : e.kind));
    assert.deepEqual(kinds, [
      "session",
      ...["text:I will", "text: write", "text: it.", "tool_call", "response_ended"],
      "tool_result",
      ...["text:Done ", "text:writi", "text:ng.", "response_ended"],
      "ended",
    ]);
    // The text is not said again by the assistant lines that repeat it whole.
    assert.equal(events.filter((e) => e.kind === "text").length, 6);
  });

  it("reads a recorded logged-out run: claude's own message is not the model's, the result says why", () => {
    const events = parseAll(createClaudeParser(), recorded("claude-logged-out"));
    assert.deepEqual(
      events.map((e) => e.kind),
      ["session", "ended"],
    );
    assert.deepEqual(events[1], {
      kind: "ended",
      ok: false,
      error: "Not logged in · Please run /login",
      usage: { inputTokens: 0, outputTokens: 0 },
      costUsd: 0,
      turns: 1,
    });
  });

  it("reports a failed run with its reason in one line, and a retry as a notice", () => {
    const parser = createClaudeParser();
    const events = parseAll(parser, [
      '{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"error":"overloaded"}',
      "not json: a banner",
      '{"type":"result","subtype":"success","is_error":true,"result":"Invalid API key · Please run /login\\nmore","session_id":"s"}',
    ]);
    assert.deepEqual(events[0], {
      kind: "notice",
      level: "warning",
      text: "claude: model request failed (overloaded); retry 1 of 10",
    });
    assert.deepEqual(events[1], { kind: "ended", ok: false, error: "Invalid API key · Please run /login" });
  });

  it("keeps the blocks of one response together and splits responses by message id", () => {
    const line = (id: string, block: object) =>
      JSON.stringify({
        type: "assistant",
        message: { id, content: [block], usage: { input_tokens: 5, output_tokens: 2 } },
      });
    const events = parseAll(createClaudeParser(), [
      line("m1", { type: "thinking", thinking: "hmm" }),
      line("m1", { type: "text", text: "a" }),
      line("m2", { type: "text", text: "b" }),
    ]);
    assert.deepEqual(
      events.map((e) => e.kind),
      ["reasoning", "text", "response_ended", "text", "response_ended"],
    );
    assert.deepEqual(events[2], { kind: "response_ended", usage: { inputTokens: 5, outputTokens: 2 } });
  });
});

describe("codex exec --json", () => {
  it("reads a recorded read-only run: the thread, commands with output and exit code, the answer, usage", () => {
    const events = parseAll(createCodexParser(), recorded("codex-readonly"));
    assert.deepEqual(
      events.map((e) => e.kind),
      [
        "session",
        "notice",
        "tool_call",
        "response_ended",
        "tool_result",
        "tool_call",
        "response_ended",
        "tool_result",
        "text",
        "response_ended",
        "ended",
      ],
    );
    assert.deepEqual(events[0], { kind: "session", id: "01a24652-9a56-7910-b2e1-29e4bba3229f" });
    assert.deepEqual(events[2], {
      kind: "tool_call",
      id: "item_1",
      name: "command_execution",
      arguments: { command: "/bin/bash -lc 'cat existing.txt'" },
    });
    assert.deepEqual(events[4], {
      kind: "tool_result",
      id: "item_1",
      content: "x\nexit code 0",
      isError: false,
    });
    const refused = events[7] as Extract<RuntimeEvent, { kind: "tool_result" }>;
    assert.equal(refused.isError, true);
    assert.match(refused.content, /Read-only file system\nexit code 1$/);
    assert.deepEqual(events.at(-1), {
      kind: "ended",
      ok: true,
      usage: { inputTokens: 30, outputTokens: 15 },
    });
  });

  it("ends failed with the error's first line; a stream cut after an error still ends", () => {
    const failed = parseAll(createCodexParser(), [
      '{"type":"turn.started"}',
      '{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized\\ndetails"}}',
    ]);
    assert.deepEqual(failed.at(-1), {
      kind: "ended",
      ok: false,
      error: "unexpected status 401 Unauthorized",
    });
    const cut = parseAll(createCodexParser(), ['{"type":"error","message":"stream disconnected"}']);
    assert.deepEqual(cut, [
      { kind: "notice", level: "error", text: "codex: stream disconnected" },
      { kind: "ended", ok: false, error: "stream disconnected" },
    ]);
  });

  it("takes a file change reported only when done as a call and its result; subtracts cached input", () => {
    const events = parseAll(createCodexParser(), [
      '{"type":"item.completed","item":{"id":"i1","type":"file_change","changes":[{"path":"a.ts","kind":"add"}],"status":"completed"}}',
      '{"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":60,"output_tokens":7}}',
    ]);
    assert.deepEqual(events.slice(0, 3), [
      {
        kind: "tool_call",
        id: "i1",
        name: "file_change",
        arguments: { changes: [{ path: "a.ts", kind: "add" }] },
      },
      { kind: "response_ended" },
      { kind: "tool_result", id: "i1", content: "add a.ts", isError: false },
    ]);
    assert.deepEqual(events.at(-1), {
      kind: "ended",
      ok: true,
      usage: { inputTokens: 40, outputTokens: 7, cacheReadTokens: 60 },
    });
  });
});

describe("gemini stream-json", () => {
  it("reads a recorded default-mode run: its write tool is not there, the error is the call's result", () => {
    const events = parseAll(createGeminiParser(), recorded("gemini-default"));
    assert.deepEqual(
      events.map((e) => e.kind),
      // The text comes in deltas, as streamed.
      [
        ...["session", "text", "text", "text"],
        ...["tool_call", "tool_result", "tool_call", "tool_result"],
        ...["text", "text", "text", "response_ended", "ended"],
      ],
    );
    assert.deepEqual(events[0], {
      kind: "session",
      id: "18698a74-b35a-442e-a597-03949ad93a5c",
      model: "auto",
    });
    assert.deepEqual(events[6], {
      kind: "tool_call",
      id: "write_file__write_file_1796476975329_0",
      name: "write_file",
      arguments: { file_path: "hello.txt", content: "hi\n" },
    });
    const refused = events[7] as Extract<RuntimeEvent, { kind: "tool_result" }>;
    assert.equal(refused.isError, true);
    assert.match(refused.content, /^Tool "write_file" not found/);
    assert.deepEqual(events.at(-1), {
      kind: "ended",
      ok: true,
      usage: { inputTokens: 40, outputTokens: 20 },
    });
  });

  it("a failed result ends with its error; an error line is a notice", () => {
    const events = parseAll(createGeminiParser(), [
      '{"type":"error","severity":"warning","message":"Loop detected"}',
      '{"type":"result","status":"error","error":{"type":"FatalAuthenticationError","message":"API key not valid\\nmore"}}',
    ]);
    assert.deepEqual(events, [
      { kind: "notice", level: "warning", text: "gemini: Loop detected" },
      { kind: "response_ended" },
      { kind: "ended", ok: false, error: "API key not valid" },
    ]);
  });
});

describe("opencode run --format json", () => {
  it("reads a recorded ask-mode run: its write refused (no one to ask), the run over when the stream ends", () => {
    const events = parseAll(createOpencodeParser(), recorded("opencode-ask"));
    assert.deepEqual(
      events.map((e) => e.kind),
      ["session", "text", "tool_call", "tool_result", "response_ended", "ended"],
    );
    assert.deepEqual(events[0], { kind: "session", id: "ses_db99ee974ffezriltq1ISnGMRj" });
    assert.deepEqual(events[2], {
      kind: "tool_call",
      id: "call_fake_0",
      name: "write",
      arguments: { filePath: "hello.txt", content: "hi\n" },
    });
    assert.deepEqual(events[3], {
      kind: "tool_result",
      id: "call_fake_0",
      content: "The user rejected permission to use this specific tool call.",
      isError: true,
    });
    assert.deepEqual(events.at(-1), { kind: "ended", ok: true });
  });

  it("an error line fails the run with its message; step costs add up", () => {
    const events = parseAll(createOpencodeParser(), [
      '{"type":"step_finish","sessionID":"s","part":{"tokens":{"input":10,"output":2,"reasoning":1,"cache":{"read":4,"write":0}},"cost":0.25}}',
      '{"type":"error","sessionID":"s","error":{"name":"APIError","data":{"message":"Unauthorized: bad key\\nmore"}}}',
    ]);
    assert.deepEqual(events.slice(1), [
      { kind: "response_ended", usage: { inputTokens: 10, outputTokens: 3, cacheReadTokens: 4 } },
      { kind: "notice", level: "error", text: "opencode: Unauthorized: bad key" },
      { kind: "ended", ok: false, error: "Unauthorized: bad key", costUsd: 0.25 },
    ]);
  });
});
