/**
 * The session commands besides prompt, answer_permission and interrupt (session-runtime.test.ts): set_model,
 * set_mode, compact, undo and close, driven as a front drives them against the fake model server on loopback,
 * with real files, a real session file and real processes. And a local model on the embedded engine, which
 * stays loaded from one prompt to the next.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../../test/fake-server/script.ts";
import {
  answer,
  call,
  openRuntime,
  type RuntimeSetup,
  sessionRecords,
  setUpRuntime,
  untilEvent,
  untilPromptEnds,
} from "../../test/support/runtime-session.ts";
import type { Command } from "../protocol/commands.ts";
import type { SessionEvent } from "../protocol/events.ts";
import type { PermissionMode } from "../protocol/permissions.ts";
import { type LoadProgress, setLoadListener, unloadEmbeddedModel } from "../providers/embedded.ts";
import { engineDir, installedEngineVersion } from "../providers/embedded-engine.ts";
import type { SessionOptions } from "./session-options.ts";
import { openSession } from "./session-runtime.ts";

type Outcome = "notice" | "session_info" | "undo_done" | "context_compacted";
const OUTCOMES = new Set<string>(["notice", "session_info", "undo_done", "context_compacted"]);

/** A session and its events read in order, with the helpers every test here needs. */
async function drive(setup: RuntimeSetup, options: SessionOptions = {}) {
  const session = await openRuntime(setup, options);
  const events = session.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  const opened = await events.next();
  assert.equal(opened.value?.type, "session_info", "a session starts by saying what it runs with");
  seen.push(opened.value);
  return {
    session,
    seen,
    async prompt(text: string, onEvent?: (event: SessionEvent) => void) {
      session.submit({ type: "prompt", text });
      return untilPromptEnds(events, seen, onEvent);
    },
    /** Runs a command the person typed (`!cmd`) and reads until its tool call ends. */
    async shell(command: string, onEvent?: (event: SessionEvent) => void) {
      session.submit({ type: "shell", command });
      return untilEvent(events, seen, "tool_call_ended", onEvent);
    },
    /**
     * Submits a command and reads until its outcome: `type` (a notice of any level, or session_info, undo_done,
     * context_compacted). Another outcome first (an error notice, or a session_info when a refusal was
     * expected) fails the test.
     */
    async command(command: Command, type: Outcome) {
      session.submit(command);
      return untilEvent(events, seen, type, (event) => {
        if (event.type === type) return;
        if (
          OUTCOMES.has(event.type) &&
          (event.type !== "notice" || event.level === "error" || type === "notice")
        )
          assert.fail(`${command.type}: expected ${type}, got ${JSON.stringify(event)}`);
      });
    },
    async close() {
      session.submit({ type: "close" });
      while (true) {
        const next = await events.next();
        if (next.done) break;
        seen.push(next.value);
      }
      await session.closed;
    },
  };
}

const errors = (seen: SessionEvent[]) =>
  seen.flatMap((e) => (e.type === "notice" && e.level === "error" ? [e.text] : []));
const bodyOf = (setup: RuntimeSetup, index: number) =>
  JSON.stringify(setup.fake.modelRequests.at(index)?.body);

test("set_model: the next prompt goes to the new model, session_info and the session file say so, -c keeps it", async () => {
  const setup = await setUpRuntime([answer("from m"), answer("from m2"), answer("m2 again")]);
  const run = await drive(setup);
  await run.prompt("one");
  const info = await run.command({ type: "set_model", model: "fake/m2" }, "session_info");
  assert.ok(info.type === "session_info" && info.model === "fake/m2");
  assert.equal(info.resumed, false, "still the session opened new");
  assert.equal(run.session.info.model, "fake/m2");
  assert.equal((await run.prompt("two")).reason, "done");
  assert.deepEqual(
    setup.fake.modelRequests.map((r) => r.body?.model),
    ["m", "m2"],
  );
  assert.ok(bodyOf(setup, 1).includes("from m"), "the new model gets the conversation so far");
  await run.close();

  const records = sessionRecords(setup, run.session.info.sessionId);
  assert.equal(records[0].model, "fake/m");
  const change = records.findIndex((r) => r.type === "model");
  assert.deepEqual({ ...records[change], ts: 0 }, { type: "model", turn: 2, ts: 0, model: "fake/m2" });
  const second = records.findIndex(
    (r) => r.type === "message" && (r.message as { content: unknown }).content === "two",
  );
  assert.ok(change < second, "the change is recorded before the prompt it applies to");

  // Continued without a model, the session goes on with the one it changed to.
  const again = await drive(setup, { continue: true, model: undefined });
  assert.equal(again.session.info.model, "fake/m2");
  assert.equal(again.session.info.resumed, true);
  await again.prompt("three");
  assert.equal(setup.fake.modelRequests.at(-1)?.body?.model, "m2");
  await again.close();
});

test("set_model: an unknown provider, an unknown name or no model is refused with the reason; the model stays", async () => {
  const setup = await setUpRuntime([answer("still m")]);
  const run = await drive(setup);
  for (const [model, reason] of [
    ["nosuch/model", /unknown provider "nosuch" in model "nosuch\/model"; known providers: .*fake/],
    ["no-such-model-anywhere", /no model or provider is called "no-such-model-anywhere"/],
    ["  ", /set_model needs a model/],
  ] as const) {
    const refused = await run.command({ type: "set_model", model }, "notice");
    assert.ok(refused.type === "notice" && refused.level === "error", JSON.stringify(refused));
    assert.match(refused.text, reason);
  }
  assert.equal(run.session.info.model, "fake/m");
  assert.equal(run.seen.filter((e) => e.type === "session_info").length, 1, "only the opening one");
  await run.prompt("are you there");
  assert.equal(setup.fake.modelRequests[0].body?.model, "m");
  await run.close();
});

test("set_model: commands run after the switch do not see the new provider's key", async () => {
  const setup = await setUpRuntime(
    [call("bash", { command: "printenv OTHER_LLM_ACCESS || echo key:absent" }), answer("checked")],
    {},
    // The same fake server under another name, with its own key.
    { providers: { other: { apiKeyEnv: "OTHER_LLM_ACCESS" } } },
  );
  setup.env.OTHER_LLM_ACCESS = "open-sesame-42";
  const run = await drive(setup, { permissionMode: "auto" });
  await run.command({ type: "set_model", model: "other/m2" }, "session_info");
  await run.prompt("check the env");
  assert.equal(setup.fake.modelRequests[0].headers.authorization, "Bearer open-sesame-42");
  const ran = run.seen.find((e) => e.type === "tool_call_ended");
  assert.ok(ran?.type === "tool_call_ended" && !ran.isError, JSON.stringify(ran));
  assert.match(ran.content, /key:absent/);
  await run.close();
});

test("set_model to a server that takes the connection and never answers: interrupt and close end the wait; the model stays", {
  timeout: 15_000,
}, async () => {
  const asked: string[] = [];
  const silent = createServer((request) => asked.push(request.url ?? ""));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as AddressInfo;
  after(() => {
    silent.closeAllConnections();
    silent.close();
  });
  // An Ollama server: hearth asks it for the model's window before switching.
  const setup = await setUpRuntime(
    [answer("still m")],
    {},
    {
      providers: { silent: { api: "ollama", baseUrl: `http://127.0.0.1:${port}` } },
    },
  );
  const run = await drive(setup);
  run.session.submit({ type: "set_model", model: "silent/qwen" });
  while (asked.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const interrupted = await run.command({ type: "interrupt" }, "notice");
  assert.ok(interrupted.type === "notice");
  assert.match(interrupted.text, /set_model silent\/qwen interrupted; still using fake\/m/);
  assert.equal(run.session.info.model, "fake/m");
  await run.prompt("are you there");
  assert.equal(setup.fake.modelRequests[0].body?.model, "m");

  run.session.submit({ type: "set_model", model: "silent/qwen" });
  while (asked.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
  const started = Date.now();
  await run.close();
  assert.ok(Date.now() - started < 5_000, "close did not wait for the server");
  assert.deepEqual(asked, ["/api/show", "/api/show"]);
  assert.equal(run.seen.filter((e) => e.type === "session_info").length, 1, "the model never changed");
});

test("set_mode: ask -> edits runs an edit without asking, plan refuses it, an unknown mode is refused", async () => {
  const write = (path: string) => call("write", { path, content: `${path}\n` });
  const setup = await setUpRuntime([
    write("a.txt"),
    answer("ok"),
    write("b.txt"),
    answer("ok"),
    write("c.txt"),
    answer("ok"),
  ]);
  const run = await drive(setup, { permissionMode: "ask" });
  const asked = () => run.seen.filter((e) => e.type === "permission_requested").length;
  await run.prompt("write a", (event) => {
    if (event.type === "permission_requested")
      run.session.submit({
        type: "answer_permission",
        requestId: event.requestId,
        answer: { decision: "allow_once" },
      });
  });
  assert.equal(asked(), 1, "ask mode asks before a write");
  assert.ok(existsSync(join(setup.project, "a.txt")));

  const edits = await run.command({ type: "set_mode", mode: "edits" }, "session_info");
  assert.ok(edits.type === "session_info" && edits.permissionMode === "edits");
  await run.prompt("write b");
  assert.equal(asked(), 1, "edits mode writes in the workspace without asking");
  assert.equal(readFileSync(join(setup.project, "b.txt"), "utf8"), "b.txt\n");

  const plan = await run.command({ type: "set_mode", mode: "plan" }, "session_info");
  assert.ok(plan.type === "session_info" && plan.permissionMode === "plan");
  await run.prompt("write c");
  assert.equal(asked(), 1, "plan mode refuses without asking");
  assert.ok(!existsSync(join(setup.project, "c.txt")));
  const refused = run.seen.findLast((e) => e.type === "tool_call_ended");
  assert.ok(refused?.type === "tool_call_ended" && refused.isError);
  assert.match(refused.content, /plan mode is read-only/);
  assert.match(bodyOf(setup, 4), /Permission mode: plan/, "the prompt tells the model the mode");

  const bad = await run.command({ type: "set_mode", mode: "yolo" as PermissionMode }, "notice");
  assert.ok(bad.type === "notice" && bad.level === "error");
  assert.match(bad.text, /"yolo".*ask, edits, auto, plan/);
  assert.equal(run.session.info.permissionMode, "plan");
  await run.close();
  const modes = sessionRecords(setup, run.session.info.sessionId).filter((r) => r.type === "mode");
  assert.deepEqual(
    modes.map((r) => [r.turn, r.mode]),
    [
      [1, "ask"],
      [2, "edits"],
      [3, "plan"],
    ],
  );
});

test("compact: a short conversation is left as it is, without a model call", async () => {
  const setup = await setUpRuntime([answer("hello")]);
  const run = await drive(setup);
  await run.command({ type: "compact" }, "notice");
  await run.prompt("hi");
  const notice = await run.command({ type: "compact" }, "notice");
  assert.ok(notice.type === "notice");
  assert.match(notice.text, /nothing to compact/);
  assert.equal(setup.fake.modelRequests.length, 1, "no summary was asked for");
  assert.ok(!run.seen.some((e) => e.type === "context_compacted"));
  await run.close();
});

/**
 * Two big files read in two prompts and a short third, in a 12,000-token window: far from full, but worth
 * summarising. `then` scripts the requests after those three prompts (the summary's first).
 */
async function bigConversation(then: FakeTurn[]) {
  const big = (marker: string) => `${marker}\n${"x".repeat(90)}\n`.repeat(60);
  const setup = await setUpRuntime(
    [
      call("read", { path: "one.txt" }),
      answer("read one"),
      call("read", { path: "two.txt" }),
      answer("read two"),
      answer("short answer"),
      ...then,
    ],
    { "one.txt": big("MARKER-ONE"), "two.txt": big("MARKER-TWO") },
    { providers: { fake: { contextWindow: 12_000 } } },
  );
  const run = await drive(setup, { permissionMode: "edits" });
  for (const text of ["read one.txt", "read two.txt", "and now?"]) await run.prompt(text);
  assert.ok(!run.seen.some((e) => e.type === "context_compacted"), "not compacted on its own");
  return { setup, run };
}

test("compact: the older turns are summarised now; the next request, and the session continued, carry the summary", async () => {
  const { setup, run } = await bigConversation([
    answer("SUMMARY: read one.txt and two.txt"),
    answer("after compaction"),
    answer("continued"),
  ]);
  const compacted = await run.command({ type: "compact" }, "context_compacted");
  assert.ok(compacted.type === "context_compacted");
  assert.equal(compacted.method, "summarised");
  assert.ok(compacted.afterTokens < compacted.beforeTokens, JSON.stringify(compacted));
  assert.match(compacted.summary ?? "", /SUMMARY: read one.txt and two.txt/);
  assert.match(bodyOf(setup, 5), /MARKER-ONE/, "the summary request saw the older turns");

  await run.prompt("go on");
  const next = bodyOf(setup, 6);
  assert.match(next, /SUMMARY: read one\.txt and two\.txt/);
  assert.match(next, /The task: read one\.txt/);
  assert.doesNotMatch(next, /MARKER-ONE/, "the older turns are gone from the request");
  assert.match(next, /go on/);
  await run.close();
  const records = sessionRecords(setup, run.session.info.sessionId);
  assert.equal(records.filter((r) => r.type === "compaction").length, 1);

  const again = await drive(setup, { continue: true });
  await again.prompt("continue");
  const continued = bodyOf(setup, 7);
  assert.match(continued, /SUMMARY: read one\.txt/);
  assert.doesNotMatch(continued, /MARKER-ONE/);
  await again.close();
});

test("compact: a summary request that fails or is interrupted leaves the conversation as it was", async () => {
  const { setup, run } = await bigConversation([
    { status: 400, errorBody: JSON.stringify({ error: { message: "no summaries today" } }) },
    { hang: true },
    answer("still whole"),
  ]);
  const failed = await run.command({ type: "compact" }, "notice");
  assert.ok(failed.type === "notice" && failed.level === "error", JSON.stringify(failed));
  assert.match(failed.text, /no summary.*left as it was/);
  run.session.submit({ type: "compact" });
  while (setup.fake.modelRequests.length < 7) await new Promise((resolve) => setTimeout(resolve, 20));
  const interrupted = await run.command({ type: "interrupt" }, "notice");
  assert.ok(interrupted.type === "notice");
  assert.match(interrupted.text, /compact interrupted; the conversation is left as it was/);
  assert.ok(!run.seen.some((e) => e.type === "context_compacted"));

  await run.prompt("go on");
  assert.match(bodyOf(setup, 7), /MARKER-ONE/, "the older turns are all still there");
  await run.close();
  assert.ok(!sessionRecords(setup, run.session.info.sessionId).some((r) => r.type === "compaction"));
});

test("undo: the last prompt that changed files is put back byte for byte; then there is nothing left to undo", async () => {
  const original = Buffer.from("line one\r\nold value\r\nno newline at the end");
  const setup = await setUpRuntime([
    call("read", { path: "app.txt" }),
    {
      toolCalls: [
        { name: "edit", arguments: { path: "app.txt", old_string: "old value", new_string: "new value" } },
        { name: "write", arguments: { path: "created.txt", content: "made by hearth\n" } },
      ],
    },
    answer("changed"),
    answer("nothing changed this time"),
  ]);
  writeFileSync(join(setup.project, "app.txt"), original);
  const run = await drive(setup, { permissionMode: "edits" });
  await run.prompt("change app.txt");
  assert.equal(
    readFileSync(join(setup.project, "app.txt"), "utf8"),
    "line one\r\nnew value\r\nno newline at the end",
  );
  assert.ok(existsSync(join(setup.project, "created.txt")));
  await run.prompt("just talk");

  const undone = await run.command({ type: "undo" }, "undo_done");
  assert.ok(undone.type === "undo_done");
  assert.equal(undone.undoneTurn, 1);
  assert.deepEqual([...undone.files].sort(), [
    join(setup.project, "app.txt"),
    join(setup.project, "created.txt"),
  ]);
  assert.deepEqual(readFileSync(join(setup.project, "app.txt")), original);
  assert.ok(!existsSync(join(setup.project, "created.txt")), "a file the prompt created is removed");

  const nothing = await run.command({ type: "undo" }, "notice");
  assert.ok(nothing.type === "notice" && nothing.level === "error");
  assert.match(nothing.text, /already undone/);
  assert.deepEqual(readFileSync(join(setup.project, "app.txt")), original);
  await run.close();
});

test("undo: nothing changed yet says so; a file changed since hearth edited it is left alone", async () => {
  const setup = await setUpRuntime(
    [
      answer("hello"),
      call("read", { path: "a.txt" }),
      call("edit", { path: "a.txt", old_string: "a", new_string: "b" }),
      answer("done"),
    ],
    { "a.txt": "a\n" },
  );
  const run = await drive(setup, { permissionMode: "edits" });
  const before = await run.command({ type: "undo" }, "notice");
  assert.ok(before.type === "notice" && before.level === "error");
  assert.match(before.text, /no turn of this session changed files yet/);
  await run.prompt("hi");
  const talked = await run.command({ type: "undo" }, "notice");
  assert.ok(talked.type === "notice");
  assert.match(talked.text, /no turn of this session changed files yet/);

  await run.prompt("edit a.txt");
  assert.equal(readFileSync(join(setup.project, "a.txt"), "utf8"), "b\n");
  writeFileSync(join(setup.project, "a.txt"), "b\nand the user's line\n");
  const conflict = await run.command({ type: "undo" }, "notice");
  assert.ok(conflict.type === "notice" && conflict.level === "error");
  assert.match(conflict.text, /a\.txt changed since hearth edited/);
  assert.equal(readFileSync(join(setup.project, "a.txt"), "utf8"), "b\nand the user's line\n");
  assert.ok(!run.seen.some((e) => e.type === "undo_done"));
  await run.close();
});

test("close: the events end, closed resolves, later commands are ignored, the lock is released for -c", async () => {
  const setup = await setUpRuntime([answer("first"), answer("second")]);
  const run = await drive(setup);
  await run.prompt("one");
  // While it is open, the session is locked: a second runtime cannot continue it.
  const locked = await openSession(
    { cwd: setup.project, model: "fake/m", continue: true },
    { version: "test", env: setup.env, diagnostics: (text) => assert.fail(text) },
  );
  assert.ok(!locked.ok);
  assert.match(locked.message, /is open in another hearth/);

  await run.close();
  assert.equal(run.seen.at(-1)?.type, "session_closed");
  run.session.submit({ type: "prompt", text: "too late" });
  run.session.submit({ type: "set_mode", mode: "auto" });
  run.session.submit({ type: "answer_permission", requestId: "r1", answer: { decision: "allow_once" } });
  run.session.submit({ type: "interrupt" });
  run.session.submit({ type: "close" });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(setup.fake.modelRequests.length, 1, "nothing ran after close");

  const again = await drive(setup, { continue: true });
  assert.equal(again.session.info.sessionId, run.session.info.sessionId);
  await again.prompt("two");
  assert.equal(again.seen.find((e) => e.type === "user_message")?.turn, 2);
  await again.close();
});

const GGUF = join(import.meta.dirname ?? ".", "../../test/fixtures/llama-2-tiny-random.gguf");
const ENGINE_DIR = engineDir(process.env);
const noEngine = installedEngineVersion(ENGINE_DIR)
  ? false
  : `the embedded engine is not installed in ${ENGINE_DIR}: run hearth engine install (or set HEARTH_ENGINE_DIR)`;

after(async () => {
  setLoadListener(undefined);
  await unloadEmbeddedModel();
});

test("a local model on the embedded engine stays loaded: three prompts and a set_model to it, one load", {
  skip: noEngine,
}, async () => {
  const setup = await setUpRuntime([], {}, { maxOutputTokens: 16, local: { threads: 1 } });
  const models = join(setup.env.XDG_DATA_HOME as string, "hearth", "models");
  mkdirSync(models, { recursive: true });
  copyFileSync(GGUF, join(models, "tiny.gguf"));
  setup.env.HEARTH_ENGINE_DIR = ENGINE_DIR;
  const loads: LoadProgress[] = [];
  setLoadListener((progress) => loads.push(progress));
  // Plan mode: the random weights may call any tool; nothing is asked or changed.
  const run = await drive(setup, { model: "local/tiny", permissionMode: "plan", maxTurns: 1 });
  assert.equal(run.session.info.model, "local/tiny");
  for (const text of ["one", "two"]) {
    const ended = await run.prompt(text);
    assert.notEqual(ended.reason, "error", ended.error);
  }
  await run.command({ type: "set_model", model: "local/tiny" }, "session_info");
  await run.prompt("three");
  const responses = run.seen.filter((e) => e.type === "message_ended");
  assert.ok(responses.length >= 3, "each prompt got a response from the model");
  assert.ok(
    responses.every((e) => e.type === "message_ended" && (e.message.usage?.outputTokens ?? 0) > 0),
    "the model generated",
  );
  const ready = loads.filter((p) => p.stage === "ready");
  assert.equal(ready.length, 1, `loaded once: ${JSON.stringify(loads.filter((p) => p.stage !== "model"))}`);
  assert.deepEqual(errors(run.seen), []);
  await run.close();
});

test("session_info carries the model's window: from the settings, from Ollama's probe, and again after set_model", async () => {
  const setup = await setUpRuntime([], {}, { providers: { fake: { contextWindow: 32000 }, other: {} } });
  const ollama = { ...setup, env: { ...setup.env, OLLAMA_HOST: `127.0.0.1:${setup.fake.port}` } };
  const run = await drive(ollama);
  const first = run.seen[0];
  assert.ok(first.type === "session_info");
  assert.equal(first.contextWindow, 32000);
  // Ollama: the fake server's /api/show reports 8192, which is the num_ctx hearth sends and so the window.
  const probed = await run.command({ type: "set_model", model: "ollama/qwen2.5-coder:7b" }, "session_info");
  assert.ok(probed.type === "session_info");
  assert.equal(probed.contextWindow, 8192);
  const unknown = await run.command({ type: "set_model", model: "other/x" }, "session_info");
  assert.ok(unknown.type === "session_info");
  assert.equal(unknown.contextWindow, undefined, "no window is made up for a model nobody described");
  await run.close();
});

test("shell (the UI's !cmd): runs under the policy without a model request; its output reaches the model with the next prompt", async () => {
  const setup = await setUpRuntime([answer("It printed printed.")], { "keep.txt": "keep\n" });
  mkdirSync(join(setup.project, "sub"));
  const run = await drive(setup, { permissionMode: "auto" });
  const requests: Array<{ cause: string; decision: "allow_once" | "deny" }> = [];
  const answering = (decision: "allow_once" | "deny") => (event: SessionEvent) => {
    if (event.type !== "permission_requested") return;
    requests.push({ cause: event.cause, decision });
    run.session.submit({ type: "answer_permission", requestId: event.requestId, answer: { decision } });
  };

  const ran = await run.shell("echo made > made.txt && echo printed", answering("allow_once"));
  assert.ok(ran.call.id.startsWith("shell_"), ran.call.id);
  assert.equal(ran.isError, false, ran.content);
  assert.match(ran.content, /printed/);
  assert.equal(readFileSync(join(setup.project, "made.txt"), "utf8"), "made\n");
  assert.equal(setup.fake.modelRequests.length, 0, "no model request for the person's own command");

  // A destructive command asks even in auto mode, and a no leaves the folder as it was.
  const refused = await run.shell("rm -rf sub", answering("deny"));
  assert.equal(requests.at(-1)?.cause, "destructive");
  assert.ok(refused.isError);
  assert.ok(existsSync(join(setup.project, "sub")), "not run");

  await run.prompt("what did it print?");
  const sent = bodyOf(setup, 0);
  assert.match(sent, /I ran this command myself:\\n\$ echo made > made\.txt && echo printed\\nprinted/);
  assert.match(sent, /\$ rm -rf sub\\n.*not run/);

  // Plan mode: refused without a question.
  const before = requests.length;
  await run.command({ type: "set_mode", mode: "plan" }, "session_info");
  const planned = await run.shell("touch planned.txt", answering("allow_once"));
  assert.ok(planned.isError);
  assert.match(planned.content, /plan mode/);
  assert.equal(requests.length, before);
  assert.ok(!existsSync(join(setup.project, "planned.txt")));

  const blank = await run.command({ type: "shell", command: "  " }, "notice");
  assert.ok(blank.type === "notice" && blank.level === "error");
  assert.match(blank.text, /shell needs a command/);
  await run.close();
  const said = sessionRecords(setup, run.session.info.sessionId).filter(
    (r) => r.type === "message" && (r.message as { role: string }).role === "user",
  );
  assert.equal(said.length, 4, "two commands, a prompt and the planned command, each the person's message");
});
