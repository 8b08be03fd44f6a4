import assert from "node:assert/strict";
import { test } from "node:test";
import type { Command } from "../../protocol/commands.ts";
import type { SessionEvent } from "../../protocol/events.ts";
import type { OpenResult, RuntimeSession, SessionInfo } from "../../runtime/session-runtime.ts";
import { pendingSession } from "./pending-session.ts";

const INFO: SessionInfo = {
  sessionId: "",
  model: "",
  local: false,
  tools: [],
  cwd: "/w",
  permissionMode: "",
  version: "t",
  resumed: false,
};

/** A session whose events are `events` and which records what it was sent. */
function fakeSession(events: SessionEvent[]): RuntimeSession & { got: Command[] } {
  const got: Command[] = [];
  return {
    got,
    info: { ...INFO, sessionId: "s1", model: "fake/m" },
    events: (async function* () {
      yield* events;
    })(),
    submit: (command) => got.push(command),
    guarded: () => {
      throw new Error("unused");
    },
    closed: Promise.resolve(),
    idle: () => Promise.resolve(),
  };
}

function deferred() {
  let resolve: (result: OpenResult) => void = () => {};
  const promise = new Promise<OpenResult>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const opened: SessionEvent = {
  ...INFO,
  type: "session_info",
  sessionId: "s1",
  turn: 1,
  ts: 0,
  model: "fake/m",
};

test("commands typed while the session opens are handed over in order once it is open; answers and interrupts are not", async () => {
  const opening = deferred();
  const pending = pendingSession(() => opening.promise, INFO);
  assert.equal(pending.info.cwd, "/w", "the placeholder until then");
  pending.submit({ type: "prompt", text: "one" });
  pending.submit({ type: "interrupt" });
  pending.submit({ type: "answer_permission", requestId: "x", answer: { decision: "allow_once" } });
  pending.submit({ type: "set_mode", mode: "plan" });
  const session = fakeSession([opened]);
  opening.resolve({ ok: true, session });
  const seen: SessionEvent[] = [];
  for await (const event of pending.events) seen.push(event);
  assert.deepEqual(session.got, [
    { type: "prompt", text: "one" },
    { type: "set_mode", mode: "plan" },
  ]);
  assert.deepEqual(
    seen.map((e) => e.type),
    ["session_info"],
  );
  assert.equal(pending.info.model, "fake/m");
  pending.submit({ type: "prompt", text: "two" });
  assert.deepEqual(session.got.at(-1), { type: "prompt", text: "two" }, "straight through once open");
});

test("the opening's diagnostics come first as warnings; close before it is open cancels it; a failure is kept", async () => {
  let signal: AbortSignal | undefined;
  const pending = pendingSession(async (cancel, diagnostics) => {
    signal = cancel;
    diagnostics("settings.json: unknown setting x (ignored)\n");
    await new Promise((resolve) => cancel.addEventListener("abort", resolve, { once: true }));
    return { ok: false, exitCode: 130, message: "" };
  }, INFO);
  pending.submit({ type: "prompt", text: "never runs" });
  pending.submit({ type: "close" });
  assert.equal(signal?.aborted, true);
  const seen: SessionEvent[] = [];
  for await (const event of pending.events) seen.push(event);
  assert.equal(seen.length, 1);
  assert.ok(seen[0].type === "notice" && seen[0].level === "warning");
  assert.equal(seen[0].text, "settings.json: unknown setting x (ignored)");
  assert.deepEqual(pending.failure, { exitCode: 130, message: "" });
});
