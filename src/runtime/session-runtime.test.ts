/**
 * The session runtime driven as a front drives it: commands in, events out, against the fake model server on
 * loopback (a real HTTP server), with real files, a real session file and real processes.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  answer,
  call,
  openRuntime as open,
  sessionRecords,
  setUpRuntime as setUp,
  untilPromptEnds,
} from "../../test/support/runtime-session.ts";
import type { SessionEvent } from "../protocol/events.ts";
import type { SessionOptions } from "./session-options.ts";

test("three prompts in one session, a tool call in each: turns count on, each request carries the earlier ones", async () => {
  const setup = await setUp(
    [
      call("read", { path: "a.txt" }),
      answer("first"),
      call("ls", { path: "." }),
      answer("second"),
      call("grep", { pattern: "alpha" }),
      answer("third"),
    ],
    { "a.txt": "alpha\n" },
  );
  const session = await open(setup);
  const events = session.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  for (const text of ["one", "two", "three"]) {
    session.submit({ type: "prompt", text });
    const ended = await untilPromptEnds(events, seen);
    assert.equal(ended.reason, "done");
  }
  session.submit({ type: "close" });
  while (!(await events.next()).done) {}
  const users = seen.filter((e) => e.type === "user_message");
  assert.deepEqual(
    users.map((e) => e.turn),
    [1, 2, 3],
  );
  const results = seen.filter((e) => e.type === "tool_call_ended");
  assert.equal(results.length, 3);
  assert.ok(results.every((e) => e.type === "tool_call_ended" && !e.isError));
  // The last request holds all three prompts and the earlier answers.
  const last = JSON.stringify(setup.fake.modelRequests.at(-1)?.body);
  for (const text of ["one", "two", "three", "first", "second"]) assert.ok(last.includes(text), text);
  const turns = sessionRecords(setup, session.info.sessionId)
    .filter((r) => r.type === "message" && (r.message as { role: string }).role === "user")
    .map((r) => r.turn);
  assert.deepEqual(turns, [1, 2, 3]);
});

test("permission requests: allow once asks again, allow for the session does not, deny's reason reaches the model", async () => {
  const write = (content: string) => call("write", { path: "notes.txt", content });
  const setup = await setUp([
    write("one"),
    answer("ok"),
    write("one"),
    answer("ok"),
    write("two"),
    answer("ok"),
    write("two"),
    answer("ok"),
    call("write", { path: "elsewhere/three.txt", content: "three" }),
    answer("ok"),
  ]);
  const session = await open(setup, { permissionMode: "ask" });
  const events = session.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  const answering = (decision: "allow_once" | "allow_session" | "deny") => (event: SessionEvent) => {
    if (event.type !== "permission_requested") return;
    session.submit({
      type: "answer_permission",
      requestId: event.requestId,
      answer: decision === "deny" ? { decision, reason: "not that file, use docs/notes.md" } : { decision },
    });
  };
  const requests = () => seen.filter((e) => e.type === "permission_requested").length;

  session.submit({ type: "prompt", text: "write one" });
  await untilPromptEnds(events, seen, answering("allow_once"));
  assert.equal(readFileSync(join(setup.project, "notes.txt"), "utf8"), "one");
  const first = seen.find((e) => e.type === "permission_requested");
  assert.ok(first?.type === "permission_requested");
  assert.equal(first.tool, "write");
  assert.equal(first.cause, "mode");
  assert.match(first.diff ?? "", /\+one/);
  session.submit({ type: "prompt", text: "write one again" });
  await untilPromptEnds(events, seen, answering("allow_once"));
  assert.equal(requests(), 2, "allow once: the same call asks again");

  session.submit({ type: "prompt", text: "write two" });
  await untilPromptEnds(events, seen, answering("allow_session"));
  session.submit({ type: "prompt", text: "write two again" });
  await untilPromptEnds(events, seen, answering("deny"));
  assert.equal(requests(), 3, "allow for the session: no second request for the same call");
  assert.equal(readFileSync(join(setup.project, "notes.txt"), "utf8"), "two");

  session.submit({ type: "prompt", text: "write three" });
  await untilPromptEnds(events, seen, answering("deny"));
  assert.ok(!existsSync(join(setup.project, "elsewhere", "three.txt")), "denied: not written");
  const denied = seen.filter((e) => e.type === "permission_resolved" && e.decision === "deny");
  assert.equal(denied.length, 1);
  // The model's next request carries the person's reason.
  assert.ok(
    JSON.stringify(setup.fake.modelRequests.at(-1)?.body).includes("not that file, use docs/notes.md"),
  );
  session.submit({ type: "close" });
  await session.closed;
});

test("allow always saves the suggested rule in the user's settings, keeping what was there", async () => {
  const setup = await setUp([call("write", { path: "src.txt", content: "x" }), answer("ok")]);
  const session = await open(setup, { permissionMode: "ask" });
  const events = session.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  session.submit({ type: "prompt", text: "write" });
  await untilPromptEnds(events, seen, (event) => {
    if (event.type === "permission_requested")
      session.submit({
        type: "answer_permission",
        requestId: event.requestId,
        answer: { decision: "allow_always" },
      });
  });
  const requested = seen.find((e) => e.type === "permission_requested");
  assert.ok(requested?.type === "permission_requested" && requested.suggestedRules?.length);
  const saved = JSON.parse(readFileSync(setup.userSettings, "utf8"));
  assert.deepEqual(saved.permissions.allow, requested.suggestedRules);
  assert.ok(saved.providers.fake, "the rest of the file is kept");
  const resolved = seen.find((e) => e.type === "permission_resolved");
  assert.ok(resolved?.type === "permission_resolved" && resolved.savedTo === setup.userSettings);
  session.submit({ type: "close" });
  await session.closed;
});

test("an interrupt during a request, then during a command: each prompt ends aborted, the next prompt runs", async () => {
  const setup = await setUp([{ hang: true }, call("bash", { command: "sleep 30" }), answer("still here")]);
  const session = await open(setup, { permissionMode: "auto" });
  const events = session.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  session.submit({ type: "prompt", text: "hang" });
  const hung = await untilPromptEnds(events, seen, (event) => {
    if (event.type === "request_sent") setTimeout(() => session.submit({ type: "interrupt" }), 100);
  });
  assert.equal(hung.reason, "aborted");
  const started = Date.now();
  session.submit({ type: "prompt", text: "sleep" });
  const slept = await untilPromptEnds(events, seen, (event) => {
    if (event.type === "tool_call_started") setTimeout(() => session.submit({ type: "interrupt" }), 300);
  });
  assert.equal(slept.reason, "aborted");
  assert.ok(Date.now() - started < 10_000, "the command was stopped, not waited for");
  session.submit({ type: "prompt", text: "are you there" });
  const last = await untilPromptEnds(events, seen);
  assert.equal(last.reason, "done");
  const text = seen
    .filter((e) => e.type === "text_delta")
    .map((e) => (e.type === "text_delta" ? e.text : ""))
    .join("");
  assert.ok(text.endsWith("still here"), text);
  session.submit({ type: "close" });
  await session.closed;
});

test("idle: resolves once every submitted command has run, queued ones included; at once when nothing runs", async () => {
  const setup = await setUp([answer("one"), answer("two")]);
  const session = await open(setup);
  await session.idle();
  const seen: SessionEvent[] = [];
  const reading = (async () => {
    for await (const event of session.events) seen.push(event);
  })();
  session.submit({ type: "prompt", text: "first" });
  session.submit({ type: "set_mode", mode: "plan" });
  session.submit({ type: "prompt", text: "second" });
  await session.idle();
  assert.equal(setup.fake.modelRequests.length, 2, "both prompts ran before idle resolved");
  session.submit({ type: "close" });
  await reading;
  await session.idle();
  const types = seen.map((e) => e.type);
  assert.equal(types.filter((t) => t === "prompt_ended").length, 2);
  assert.equal(types.at(-1), "session_closed");
});

test("-c: a file read in an earlier run counts as read for an edit; changed on disk since, the edit is refused", async () => {
  const setup = await setUp(
    [
      call("read", { path: "code.txt" }),
      answer("read it"),
      call("edit", { path: "code.txt", old_string: "before", new_string: "after" }),
      answer("edited"),
      call("read", { path: "other.txt" }),
      answer("read it"),
      call("edit", { path: "other.txt", old_string: "before", new_string: "after" }),
      answer("tried"),
    ],
    { "code.txt": "before\n", "other.txt": "before\n" },
  );
  const runOnce = async (options: SessionOptions, text: string) => {
    const session = await open(setup, { permissionMode: "edits", ...options });
    const events = session.events[Symbol.asyncIterator]();
    const seen: SessionEvent[] = [];
    session.submit({ type: "prompt", text });
    await untilPromptEnds(events, seen);
    session.submit({ type: "close" });
    await session.closed;
    return seen;
  };
  await runOnce({}, "read code.txt");
  const edited = await runOnce({ continue: true }, "edit it");
  const result = edited.find((e) => e.type === "tool_call_ended");
  assert.ok(result?.type === "tool_call_ended" && !result.isError, JSON.stringify(result));
  assert.equal(readFileSync(join(setup.project, "code.txt"), "utf8"), "after\n");

  await runOnce({ continue: true }, "read other.txt");
  writeFileSync(join(setup.project, "other.txt"), "before, and the user's change\n");
  const refused = await runOnce({ continue: true }, "edit other.txt");
  const stale = refused.find((e) => e.type === "tool_call_ended");
  assert.ok(stale?.type === "tool_call_ended" && stale.isError);
  assert.match(stale.content, /changed|modified|since/i);
  assert.equal(readFileSync(join(setup.project, "other.txt"), "utf8"), "before, and the user's change\n");
  assert.ok(existsSync(setup.userSettings));
});

test("a running command reports its last line of output as tool_progress", async () => {
  const setup = await setUp([
    call("bash", { command: "echo building; sleep 0.8; echo linking; sleep 0.8; echo done" }),
    answer("built"),
  ]);
  const session = await open(setup, { permissionMode: "auto" });
  const events = session.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  session.submit({ type: "prompt", text: "build" });
  await untilPromptEnds(events, seen);
  const progress = seen.filter((e) => e.type === "tool_progress");
  const texts = progress.map((e) => (e.type === "tool_progress" ? e.text : ""));
  assert.ok(texts.includes("building") && texts.includes("linking"), JSON.stringify(texts));
  const started = seen.find((e) => e.type === "tool_call_started");
  assert.ok(
    progress.every(
      (e) =>
        e.type === "tool_progress" &&
        e.tool === "bash" &&
        started?.type === "tool_call_started" &&
        e.callId === started.call.id,
    ),
  );
  session.submit({ type: "close" });
  await session.closed;
});

test("attachments: a file's text goes before the prompt and counts as read; a secret, a symlink out or a missing file is refused", async () => {
  const setup = await setUp(
    [call("edit", { path: "app.ts", old_string: "old", new_string: "new" }), answer("changed")],
    { "app.ts": "const x = 'old';\n", ".env": "TOKEN=abc\n" },
  );
  symlinkSync("/etc/passwd", join(setup.project, "out.txt"));
  const session = await open(setup, { permissionMode: "edits" });
  const events = session.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  for (const path of [".env", "out.txt", "missing.ts"]) {
    session.submit({ type: "prompt", text: "look", attachments: [{ type: "file", path }] });
    const refused = await untilPromptEnds(events, seen);
    assert.equal(refused.reason, "error", path);
    assert.match(refused.error ?? "", new RegExp(`cannot attach ${path.replace(".", "\\.")}`));
  }
  assert.equal(setup.fake.modelRequests.length, 0, "nothing refused reached the model");
  session.submit({ type: "prompt", text: "rename it", attachments: [{ type: "file", path: "app.ts" }] });
  const ended = await untilPromptEnds(events, seen);
  assert.equal(ended.reason, "done");
  const sent = JSON.stringify(setup.fake.modelRequests[0].body);
  assert.ok(sent.includes("<file path=\\\"app.ts\\\">\\nconst x = 'old';\\n</file>\\n\\nrename it"), sent);
  const edited = seen.find((e) => e.type === "tool_call_ended");
  assert.ok(edited?.type === "tool_call_ended" && !edited.isError, "an attached file counts as read");
  assert.equal(readFileSync(join(setup.project, "app.ts"), "utf8"), "const x = 'new';\n");
  session.submit({ type: "close" });
  await session.closed;
});
