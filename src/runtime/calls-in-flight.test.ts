import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../protocol/events.ts";
import { createCallsInFlight } from "./calls-in-flight.ts";

const common = { sessionId: "0192f0aa-bbbb-7ccc-8ddd-0123456789ab", turn: 1 };

test("an interrupt names each call still running and the request still waiting, with redacted, cut arguments", () => {
  let clock = 10_000;
  const inFlight = createCallsInFlight({
    sessionId: common.sessionId,
    kindOf: (name) => (name === "bash" ? "exec" : "read"),
    redact: (text) => text.replaceAll("sk-secret", "[REDACTED]"),
    now: () => clock,
  });
  const started = (id: string, name: string, args: Record<string, unknown>, ts: number): AgentEvent => ({
    ...common,
    type: "tool_call_started",
    ts,
    call: { type: "tool_call", id, name, arguments: args },
  });
  inFlight.event(started("c1", "bash", { command: `curl -H 'key: sk-secret' ${"x".repeat(300)}` }, 7_000));
  inFlight.event(started("c2", "read", { path: "a.txt" }, 9_000));
  inFlight.event({
    ...common,
    type: "tool_call_ended",
    ts: 9_500,
    call: { type: "tool_call", id: "c2", name: "read", arguments: { path: "a.txt" } },
    content: "",
    isError: false,
    durationMs: 500,
  });
  inFlight.event({ ...common, type: "request_sent", ts: 8_000, attempt: 1 });
  clock = 12_500;
  const lines = inFlight.interruptLines();
  assert.equal(lines.length, 2);
  assert.match(
    lines[0],
    /^interrupted: bash \(exec\) in session 456789ab, running 5\.5 s: \{"command":"curl -H 'key: \[REDACTED\]' x+…$/,
  );
  assert.ok(lines[0].length < 220);
  assert.ok(!lines.join("").includes("sk-secret"));
  assert.equal(lines[1], "interrupted: the model request of turn 1 in session 456789ab, waiting 4.5 s");
});

test("the watchdog line is only for a result the watchdog made", () => {
  const inFlight = createCallsInFlight({
    sessionId: common.sessionId,
    kindOf: () => "read",
    redact: (t) => t,
  });
  const ended = (details: unknown) =>
    ({
      ...common,
      type: "tool_call_ended",
      ts: 0,
      call: { type: "tool_call", id: "c", name: "read", arguments: { path: "pipe" } },
      content: "",
      isError: true,
      durationMs: 60_000,
      details,
    }) as Extract<AgentEvent, { type: "tool_call_ended" }>;
  assert.equal(
    inFlight.watchdogLine(ended({ watchdog: { kind: "read", timeoutMs: 60_000 } })),
    'watchdog: stopped read (read) in session 456789ab, running 60.0 s: {"path":"pipe"} (its limit: 60.0 s)',
  );
  assert.equal(inFlight.watchdogLine(ended({ exitCode: 1 })), null);
});
