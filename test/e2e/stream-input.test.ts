/**
 * End to end: `hearth -p --input-format stream-json --output-format stream-json`, driven as a client drives it:
 * commands written on stdin as JSON lines, events read on stdout, permission requests answered by the test.
 * Many prompts in one process and one session, one result object per prompt, a bad line refused and the run
 * going on, the end of stdin refusing what still waits and closing a session that `-c` continues.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import type { FakeServer } from "../fake-server/server.ts";
import { fakeModelSandbox, makeSandbox, runHearth, type Sandbox } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const STREAM = ["-p", "--input-format", "stream-json", "--output-format", "stream-json"];

type Event = Record<string, unknown>;

const withFake = (script: FakeTurn[], files: Record<string, string> = { "notes.txt": "hello\n" }) =>
  fakeModelSandbox(servers, script, files);

const line = (value: unknown) => `${JSON.stringify(value)}\n`;
const prompt = (text: string) => line({ type: "prompt", text });
const read = (id: string): FakeTurn => ({
  toolCalls: [{ id, name: "read", arguments: { path: "notes.txt" } }],
});
/** An edit of notes.txt (hello to bye), which asks in the default mode, after the read an edit needs. */
const edit = (id: string): FakeTurn => ({
  toolCalls: [
    { id: "call_read", name: "read", arguments: { path: "notes.txt" } },
    { id, name: "edit", arguments: { path: "notes.txt", old_string: "hello", new_string: "bye" } },
  ],
});

/** Runs a stream-json client: `onEvent` sees each stdout event and may write to stdin (or end it). */
function drive(
  sandbox: Sandbox,
  first: string,
  onEvent: (event: Event, stdin: NodeJS.WritableStream) => void,
  args: string[] = [],
) {
  return runHearth(sandbox, [...STREAM, ...args], {
    keepStdinOpen: true,
    onSpawn: (child: ChildProcess) => child.stdin?.write(first),
    onLine: (text, child) => {
      if (text.startsWith("{") && child.stdin) onEvent(JSON.parse(text) as Event, child.stdin);
    },
  });
}

function sessionFiles(sandbox: Sandbox): string[] {
  const dir = join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions");
  return readdirSync(dir).filter((name) => name.endsWith(".jsonl"));
}

/** The text of every message the model was sent in request `index`. */
function sent(fake: FakeServer, index: number): string {
  return JSON.stringify(fake.modelRequests[index].body?.messages);
}

test("three prompts over stdin in one process, a tool call each: one result per prompt, turns count on, one session", async () => {
  const { fake, sandbox } = await withFake([
    read("call_1"),
    { text: "first answer" },
    read("call_2"),
    { text: "second answer" },
    read("call_3"),
    { text: "third answer" },
  ]);
  const run = await runHearth(sandbox, STREAM, {
    stdin: prompt("read notes, 1") + prompt("read notes, 2") + prompt("read notes, 3"),
  });
  assert.equal(run.code, 0, run.stderr);
  const results = run.events.filter((e) => e.type === "result");
  assert.deepEqual(
    results.map((r) => [r.subtype, r.result, r.num_turns, r.is_error]),
    [
      ["success", "first answer", 2, false],
      ["success", "second answer", 2, false],
      ["success", "third answer", 2, false],
    ],
  );
  assert.equal(new Set(results.map((r) => r.session_id)).size, 1, "one session");
  // Each result comes right after its prompt's prompt_ended; the session closes after the last.
  const types = run.events.map((e) => e.type);
  types.forEach((type, i) => {
    if (type === "prompt_ended") assert.equal(types[i + 1], "result", `after event ${i}`);
  });
  assert.deepEqual(types.slice(-2), ["result", "session_closed"]);
  assert.equal(types.filter((t) => t === "session_info").length, 1);

  const turns = run.events.filter((e) => e.type === "user_message").map((e) => e.turn);
  assert.deepEqual(turns, [1, 2, 3], "the session's turn counts across prompts");
  const calls = run.events.filter((e) => e.type === "tool_call_ended") as Array<{ call: { id: string } }>;
  assert.deepEqual(
    calls.map((e) => e.call.id),
    ["call_1", "call_2", "call_3"],
  );
  assert.equal(sessionFiles(sandbox).length, 1);
  assert.equal(fake.modelRequests.length, 6);
  assert.match(sent(fake, 4), /read notes, 1.*first answer.*read notes, 2.*second answer.*read notes, 3/);
});

test("a permission request answered allow_once by the client: the edit runs", async () => {
  const { sandbox } = await withFake([edit("call_edit"), { text: "edited" }]);
  const run = await drive(sandbox, prompt("change hello to bye"), (event, stdin) => {
    if (event.type === "permission_requested")
      stdin.write(
        line({ type: "answer_permission", requestId: event.requestId, answer: { decision: "allow_once" } }),
      );
    if (event.type === "result") stdin.end();
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(join(sandbox.project, "notes.txt"), "utf8"), "bye\n");
  const asked = run.events.find((e) => e.type === "permission_requested")!;
  assert.equal(asked.tool, "edit");
  assert.match(String(asked.diff), /-hello\n\+bye/);
  const resolved = run.events.find((e) => e.type === "permission_resolved")!;
  assert.deepEqual(
    [resolved.requestId, resolved.decision, resolved.by, resolved.answer],
    [asked.requestId, "allow", "answer", "allow_once"],
  );
  const result = run.events.find((e) => e.type === "result")!;
  assert.deepEqual([result.subtype, result.result, result.permission_denials], ["success", "edited", []]);
  assert.doesNotMatch(run.stderr, /refused/);
});

test("malformed answers are no yes; a deny with a reason reaches the model in the next request", async () => {
  const { fake, sandbox } = await withFake([edit("call_edit"), { text: "left it" }]);
  const run = await drive(sandbox, prompt("change hello to bye"), (event, stdin) => {
    if (event.type === "result") stdin.end();
    if (event.type !== "permission_requested") return;
    const requestId = event.requestId;
    for (const answer of [{ decision: "yes" }, { decision: "allow_once", reason: null }, null])
      stdin.write(line({ type: "answer_permission", requestId, answer }));
    stdin.write(line({ type: "answer_permission", requestId, answer: { decision: "allow_once" }, extra: 1 }));
    stdin.write(
      line({
        type: "answer_permission",
        requestId,
        answer: { decision: "deny", reason: "keep the greeting as it is" },
      }),
    );
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(join(sandbox.project, "notes.txt"), "utf8"), "hello\n");
  const errors = run.events.filter((e) => e.type === "notice" && e.level === "error");
  assert.deepEqual(
    errors.map((e) => String(e.text).replace(/; send e\.g\. .*$/, "")),
    [
      'stdin line 2 ignored: answer_permission: answer.decision: must be one of "allow_once", "allow_session", "allow_always", "deny"',
      'stdin line 3 ignored: answer_permission: answer: unknown key "reason"',
      "stdin line 4 ignored: answer_permission: answer: expected object, received null",
      'stdin line 5 ignored: answer_permission: unknown key "extra"',
    ],
  );
  assert.match(sent(fake, 1), /keep the greeting as it is/);
  const resolved = run.events.find((e) => e.type === "permission_resolved")!;
  assert.deepEqual(
    [resolved.decision, resolved.by, resolved.reason],
    ["deny", "answer", "keep the greeting as it is"],
  );
  const result = run.events.find((e) => e.type === "result")!;
  assert.deepEqual(result.permission_denials, [
    {
      tool_name: "edit",
      tool_use_id: "call_edit",
      tool_input: { path: "notes.txt", old_string: "hello", new_string: "bye" },
    },
  ]);
});

test("stdin ends while a request waits: refused, the process exits, and -c continues the session", async () => {
  const { fake, sandbox } = await withFake([
    edit("call_edit"),
    { text: "could not edit" },
    { text: "continued" },
  ]);
  const run = await drive(sandbox, prompt("change hello to bye"), (event, stdin) => {
    if (event.type === "permission_requested") stdin.end();
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(join(sandbox.project, "notes.txt"), "utf8"), "hello\n");
  const resolved = run.events.find((e) => e.type === "permission_resolved")!;
  assert.deepEqual([resolved.decision, resolved.by], ["deny", "answer"]);
  assert.match(String(resolved.reason), /^the client closed its input/);
  assert.match(sent(fake, 1), /the client closed its input/);
  assert.match(run.stderr, /hearth: refused edit "notes\.txt": the client closed its input\n/);
  const types = run.events.map((e) => e.type);
  assert.deepEqual(types.slice(-3), ["prompt_ended", "result", "session_closed"]);
  assert.equal(run.events.find((e) => e.type === "result")?.result, "could not edit");

  const continued = await runHearth(sandbox, ["-c", "-p", "carry on"]);
  assert.equal(continued.code, 0, continued.stderr);
  assert.equal(continued.stdout, "continued\n");
  assert.match(sent(fake, 2), /change hello to bye.*could not edit.*carry on/);
  assert.equal(sessionFiles(sandbox).length, 1);
});

test("a request asked after stdin ended is refused at once; the queued prompts still run", async () => {
  const { sandbox } = await withFake([{ text: "one" }, edit("call_edit"), { text: "two" }]);
  const run = await runHearth(sandbox, STREAM, { stdin: prompt("first") + prompt("change hello to bye") });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(join(sandbox.project, "notes.txt"), "utf8"), "hello\n");
  const resolved = run.events.find((e) => e.type === "permission_resolved")!;
  assert.deepEqual([resolved.decision, resolved.by], ["deny", "answer"]);
  assert.match(String(resolved.reason), /^the client closed its input/);
  assert.deepEqual(
    run.events.filter((e) => e.type === "result").map((e) => e.result),
    ["one", "two"],
  );
});

test("a malformed line in the middle gets one error line, and the next prompt still runs", async () => {
  const { fake, sandbox } = await withFake([{ text: "one" }, { text: "two" }]);
  const run = await runHearth(sandbox, STREAM, {
    stdin: [
      prompt("first"),
      "{not json\n",
      line({ type: "answer_permission", requestId: "perm_1", answer: { decision: null } }),
      line({ type: "approve" }),
      "\n",
      line({ type: "user", message: { role: "user", content: [{ type: "text", text: "second" }] } }),
    ].join(""),
  });
  assert.equal(run.code, 0, run.stderr);
  const errors = run.events.filter((e) => e.type === "notice" && e.level === "error");
  assert.equal(errors.length, 3, JSON.stringify(errors));
  assert.match(String(errors[0].text), /^stdin line 2 ignored: not JSON \(.+\); send one JSON object a line/);
  assert.match(
    String(errors[1].text),
    /^stdin line 3 ignored: answer_permission: answer\.decision: must be one of "allow_once", .*; send e\.g\. /,
  );
  assert.match(String(errors[2].text), /^stdin line 4 ignored: unknown type "approve"; send /);
  for (const error of errors) assert.equal(typeof error.sessionId, "string");
  assert.match(run.stderr, /^hearth: stdin line 2 ignored: not JSON/m);
  assert.deepEqual(
    run.events.filter((e) => e.type === "result").map((e) => [e.subtype, e.result]),
    [
      ["success", "one"],
      ["success", "two"],
    ],
  );
  assert.match(sent(fake, 1), /"second"/);
});

test("a prompt argument runs first; the exit code is the last failing prompt's", async () => {
  const { sandbox } = await withFake([
    { text: "from the argument" },
    { status: 400, errorBody: JSON.stringify({ error: { message: "bad request: no such thing" } }) },
    { text: "after the failure" },
  ]);
  const run = await runHearth(sandbox, [...STREAM, "the argument"], {
    stdin: prompt("this one fails") + prompt("this one works"),
  });
  assert.equal(run.code, 1, run.stderr);
  const results = run.events.filter((e) => e.type === "result");
  assert.deepEqual(
    results.map((r) => [r.subtype, r.is_error]),
    [
      ["success", false],
      ["error", true],
      ["success", false],
    ],
  );
  assert.equal(results[0].result, "from the argument");
  assert.match(String(results[1].error), /no such thing/);
});

test("Ctrl-C interrupts the running prompt, closes the session and exits 130", async () => {
  const { sandbox } = await withFake([{ hang: true }]);
  let interrupted = false;
  const run = await runHearth(sandbox, STREAM, {
    keepStdinOpen: true,
    onSpawn: (child) => child.stdin?.write(prompt("wait forever")),
    onLine: (text, child) => {
      if (!interrupted && text.includes('"type":"request_sent"')) {
        interrupted = true;
        child.kill("SIGINT");
      }
    },
  });
  assert.equal(run.code, 130, run.stderr);
  const types = run.events.map((e) => e.type);
  assert.deepEqual(types.slice(-3), ["prompt_ended", "result", "session_closed"]);
  assert.equal(run.events.find((e) => e.type === "result")?.subtype, "interrupted");
  assert.match(run.stderr, /^hearth: interrupted$/m);
});

test("--input-format stream-json needs -p and --output-format stream-json (exit 2, one line)", async () => {
  const sandbox = makeSandbox();
  const cases: Array<[string[], RegExp]> = [
    [["-p", "--input-format", "stream-json"], /needs --output-format stream-json \(got "text"\)/],
    [
      ["-p", "--input-format", "stream-json", "--output-format", "claude-stream-json"],
      /needs --output-format stream-json \(got "claude-stream-json"\)/,
    ],
    [["--input-format", "stream-json", "--output-format", "stream-json"], /is for headless runs: hearth -p/],
    [["-p", "--input-format", "yaml", "x"], /--input-format must be one of text, stream-json \(got "yaml"\)/],
  ];
  for (const [args, expected] of cases) {
    const run = await runHearth(sandbox, args);
    assert.equal(run.code, 2, args.join(" "));
    assert.match(
      run.stderr,
      new RegExp(`^hearth: .*${expected.source}.*\\nRun hearth --help for usage\\.\\n$`),
    );
    assert.equal(run.stdout, "");
  }
});
