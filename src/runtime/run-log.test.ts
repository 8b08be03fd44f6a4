import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { AgentEvent, AgentEventOf, AgentEventType } from "../protocol/events.ts";
import type { ToolCallPart } from "../protocol/messages.ts";
import { createRedactor } from "../secrets/redact.ts";
import { createDailyLog, type LogLevel } from "../store/daily-log.ts";
import { createRunLog } from "./run-log.ts";

const base = mkdtempSync(join(tmpdir(), "hearth-run-log-"));
after(() => rmSync(base, { recursive: true, force: true }));

const SECRET = "s3cr3t-Token-Value-9f8e7d6c";
const T0 = Date.UTC(2025, 5, 1, 10, 0, 0);

function event<K extends AgentEventType>(
  type: K,
  turn: number,
  ts: number,
  payload: object,
): AgentEventOf<K> {
  return { type, sessionId: "ses_1", turn, ts, ...payload } as unknown as AgentEventOf<K>;
}

const bashCall: ToolCallPart = {
  type: "tool_call",
  id: "call_bash",
  name: "bash",
  arguments: { command: `curl -H "Authorization: Bearer ${SECRET}" http://127.0.0.1:9/x && sleep 100` },
};
const grepCall: ToolCallPart = {
  type: "tool_call",
  id: "call_grep",
  name: "grep",
  arguments: { pattern: "TODO" },
};

/** A run log over an in-memory writer (the writer is injected; the daily log itself is tested on its own). */
function memoryLog(now: () => number) {
  const lines: Array<{ level: LogLevel; message: string }> = [];
  const redactor = createRedactor({ knownSecrets: [SECRET] });
  const runLog = createRunLog({
    log: { write: (level, message) => lines.push({ level, message }) },
    redact: redactor.redact,
    now,
  });
  return { lines, runLog };
}

describe("run log", () => {
  it("writes the trail of a run and, on Ctrl-C, one diagnostic line of what was in flight", () => {
    let time = T0;
    const redactor = createRedactor({ knownSecrets: [SECRET] });
    const stateDir = join(base, "state");
    const log = createDailyLog({ stateDir, redact: redactor.redact, now: () => time, pid: 77 });
    const runLog = createRunLog({ log, redact: redactor.redact, now: () => time });
    runLog.start({
      sessionId: "ses_1",
      model: "ollama/qwen2.5-coder:7b",
      cwd: "/tmp/my project",
      permissionMode: "auto",
      version: "0.1.0",
    });
    const events: AgentEvent[] = [
      event("agent_started", 0, T0, { model: "ollama/qwen2.5-coder:7b" }),
      event("turn_started", 1, T0, {}),
      event("request_sent", 1, T0, { attempt: 1 }),
      event("text_delta", 1, T0 + 100, { text: "Let me look." }),
      event("message_ended", 1, T0 + 900, {
        message: {
          role: "assistant",
          content: [bashCall, grepCall],
          stopReason: "tool_use",
          usage: { inputTokens: 1200, outputTokens: 40 },
        },
        timing: { ttftMs: 100, durationMs: 900, outputTokens: 40, tokensPerSecond: 50 },
      }),
      event("tool_call_started", 1, T0 + 1000, { call: bashCall }),
      event("tool_call_started", 1, T0 + 1500, { call: grepCall }),
    ];
    for (const e of events) runLog.event(e);
    time = T0 + 13_300;
    runLog.diagnose("interrupted");
    runLog.event(
      event("tool_call_ended", 1, T0 + 13_310, {
        call: bashCall,
        content: "(no output)\n\n(interrupted; the command and its child processes were killed)",
        isError: true,
        durationMs: 12_310,
        details: {
          exitCode: null,
          signal: "SIGKILL",
          timedOut: false,
          interrupted: true,
          totalBytes: 0,
          durationMs: 12_310,
        },
      }),
    );
    runLog.event(
      event("tool_call_ended", 1, T0 + 13_320, {
        call: grepCall,
        content: "no matches",
        isError: false,
        durationMs: 11_820,
      }),
    );
    time = T0 + 13_400;
    runLog.event(
      event("agent_ended", 1, T0 + 13_400, {
        reason: "aborted",
        messages: [],
        usage: { inputTokens: 1200, outputTokens: 40 },
        turns: 1,
      }),
    );

    const text = readFileSync(log.currentPath(), "utf8");
    assert.doesNotMatch(text, /s3cr3t/, "the secret in the tool arguments never reaches the file");
    const lines = text
      .trimEnd()
      .split("\n")
      .map((l) => l.replace(/^\S+ 77 /, ""));
    assert.deepEqual(lines.slice(0, 4), [
      'info run_started session=ses_1 model=ollama/qwen2.5-coder:7b version=0.1.0 permission_mode=auto cwd="/tmp/my project"',
      "info request_sent turn=1 attempt=1",
      "info response turn=1 stop=tool_use ttft_ms=100 duration_ms=900 input_tokens=1200 output_tokens=40 tokens_per_s=50.0",
      `info tool_started turn=1 call=call_bash name=bash args={"command":"curl -H \\"Authorization: Bearer [REDACTED]\\" http://127.0.0.1:9/x && sleep 100"}`,
    ]);
    assert.equal(lines[4], 'info tool_started turn=1 call=call_grep name=grep args={"pattern":"TODO"}');
    const diagnostic = lines[5];
    assert.match(diagnostic, /^warn diagnostic cause=interrupted tools_in_flight=2 /);
    assert.match(
      diagnostic,
      /\[bash call_bash running 12\.3s args=\{"command":"curl .*Bearer \[REDACTED\].*sleep 100"\}\]/,
    );
    assert.match(diagnostic, /\[grep call_grep running 11\.8s args=\{"pattern":"TODO"\}\]/);
    assert.match(diagnostic, / model_request=none /);
    assert.match(
      diagnostic,
      /killed="bash call_bash: its process group was sent SIGKILL; grep call_grep: its ripgrep process, if one was running, was sent SIGTERM"$/,
    );
    assert.equal(
      lines[6],
      'warn tool_ended turn=1 call=call_bash name=bash duration_ms=12310 signal=SIGKILL interrupted=true outcome=error error="(no output)"',
    );
    assert.equal(lines[7], "info tool_ended turn=1 call=call_grep name=grep duration_ms=11820 outcome=ok");
    assert.equal(
      lines[8],
      "info run_ended reason=aborted turns=1 duration_ms=13400 input_tokens=1200 output_tokens=40 cache_read_tokens=0",
    );
    assert.equal(lines.length, 9, "deltas, turn and agent start events are not logged");
  });

  it("after the calls end, a diagnostic lists nothing in flight; a caller's `killed` is used as given", () => {
    const { lines, runLog } = memoryLog(() => T0 + 5000);
    runLog.event(event("tool_call_started", 1, T0, { call: grepCall }));
    runLog.event(
      event("tool_call_ended", 1, T0 + 10, { call: grepCall, content: "x", isError: false, durationMs: 10 }),
    );
    runLog.diagnose("interrupted");
    assert.equal(
      lines.at(-1)?.message,
      'diagnostic cause=interrupted tools_in_flight=0 model_request=none killed="nothing (no tool or model request was running)"',
    );
    runLog.event(event("request_sent", 2, T0 + 1000, { attempt: 1 }));
    runLog.diagnose("interrupted", "the whole process (second Ctrl-C)");
    assert.equal(
      lines.at(-1)?.message,
      'diagnostic cause=interrupted tools_in_flight=0 model_request=turn:2,attempt:1,sent:4.0s_ago killed="the whole process (second Ctrl-C)"',
    );
  });

  it("diagnoses the idle watchdog from a retry_scheduled timeout, and not other retries", () => {
    let time = T0;
    const { lines, runLog } = memoryLog(() => time);
    runLog.event(event("request_sent", 3, T0, { attempt: 1 }));
    time = T0 + 300_000;
    runLog.event(
      event("retry_scheduled", 3, time, {
        attempt: 1,
        delayMs: 2000,
        error: { kind: "timeout", retryable: true, message: "ollama sent nothing for 300 s; retrying" },
      }),
    );
    assert.deepEqual(
      lines.map((l) => [l.level, l.message]),
      [
        ["info", "request_sent turn=3 attempt=1"],
        [
          "warn",
          'diagnostic cause=watchdog tools_in_flight=0 model_request=turn:3,attempt:1,sent:300.0s_ago killed="model request (turn 3, attempt 1, sent 300.0s ago) aborted: ollama sent nothing for 300 s; retrying"',
        ],
        [
          "warn",
          'retry_scheduled turn=3 attempt=1 delay_ms=2000 kind=timeout error="ollama sent nothing for 300 s; retrying"',
        ],
      ],
    );
    runLog.event(event("request_sent", 3, time, { attempt: 2 }));
    runLog.event(
      event("retry_scheduled", 3, time, {
        attempt: 2,
        delayMs: 4000,
        error: {
          kind: "rate_limit",
          status: 429,
          retryable: true,
          message: "anthropic: rate limited (429)\nbody",
        },
      }),
    );
    assert.equal(
      lines.at(-1)?.message,
      'retry_scheduled turn=3 attempt=2 delay_ms=4000 kind=rate_limit status=429 error="anthropic: rate limited (429)"',
    );
    assert.equal(lines.filter((l) => l.message.startsWith("diagnostic")).length, 1);
  });

  it("diagnoses a command killed by its own timeout", () => {
    const { lines, runLog } = memoryLog(() => T0 + 120_500);
    const call: ToolCallPart = {
      type: "tool_call",
      id: "c9",
      name: "bash",
      arguments: { command: "npm test", timeout: 120 },
    };
    runLog.event(event("tool_call_started", 2, T0, { call }));
    runLog.event(
      event("tool_call_ended", 2, T0 + 120_500, {
        call,
        content: "...\n\n(timed out after 120s; the command and its child processes were killed)",
        isError: true,
        durationMs: 120_400,
        details: {
          exitCode: null,
          signal: "SIGTERM",
          timedOut: true,
          interrupted: false,
          totalBytes: 3,
          durationMs: 120_400,
        },
      }),
    );
    assert.equal(lines.length, 3);
    assert.equal(
      lines[1].message,
      'diagnostic cause=watchdog tools_in_flight=1 [bash c9 running 120.5s args={"command":"npm test","timeout":120}] ' +
        'model_request=none killed="bash c9 timed out after 120.4s; its process group was sent SIGTERM, then SIGKILL after 1 s"',
    );
    assert.match(
      lines[2].message,
      /^tool_ended turn=2 call=c9 name=bash duration_ms=120400 signal=SIGTERM timed_out=true outcome=error /,
    );
  });

  it("redacts arguments before shortening them, so a key at the cut is not half-written", () => {
    const { lines, runLog } = memoryLog(() => T0);
    const key = `sk-ant-api03-${"Zq7".repeat(30)}`;
    const call: ToolCallPart = {
      type: "tool_call",
      id: "c1",
      name: "write",
      arguments: { path: "a.txt", content: `${"x".repeat(170)}${key}${"y".repeat(500)}` },
    };
    runLog.event(event("tool_call_started", 1, T0, { call }));
    const message = lines[0].message;
    assert.doesNotMatch(message, /Zq7/);
    assert.match(message, /\.\.\.\(\d+ chars\)$/);
    assert.ok(message.length < 320, `short: ${message.length}`);
  });

  it("logs a failed run at error level with the first line of the error", () => {
    const { lines, runLog } = memoryLog(() => T0);
    runLog.event(
      event("agent_ended", 1, T0, {
        reason: "error",
        error: {
          kind: "auth",
          status: 401,
          retryable: false,
          message: "anthropic rejected the key (401); run hearth keys set anthropic",
        },
        messages: [],
        usage: { inputTokens: 0, outputTokens: 0 },
        turns: 1,
      }),
    );
    assert.deepEqual(lines, [
      {
        level: "error",
        message:
          'run_ended reason=error turns=1 input_tokens=0 output_tokens=0 cache_read_tokens=0 error="anthropic rejected the key (401); run hearth keys set anthropic"',
      },
    ]);
  });
});
