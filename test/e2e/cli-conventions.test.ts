/**
 * End to end: the command line a user brings. Typos get "did you mean", exit codes follow the README table,
 * Claude Code's and Codex's names work, the workspace is never the whole home directory by accident, and the
 * built bin stays executable.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { CLI, makeSandbox, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** A sandbox whose user settings point model fake/m at a fake server running `script`. */
async function withFake(script: FakeTurn[], settings: Record<string, unknown> = {}, sandbox = makeSandbox()) {
  const fake = await startFakeServer({ script });
  servers.push(fake);
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    sandbox: { enabled: false },
    ...settings,
  });
  return { fake, sandbox };
}

const bash = (command: string): FakeTurn => ({ toolCalls: [{ name: "bash", arguments: { command } }] });
const read = (path: string): FakeTurn => ({ toolCalls: [{ name: "read", arguments: { path } }] });

function toolResults(events: Array<Record<string, unknown>>) {
  return events.filter((e) => e.type === "tool_call_ended");
}

test("the built bin is executable (a rebuild keeps `npm install -g .`'s hearth runnable)", () => {
  assert.equal(statSync(CLI).mode & 0o111, 0o111, `mode ${(statSync(CLI).mode & 0o777).toString(8)}`);
});

test("typos get 'did you mean'; words without -p are not called interactive mode when they are a command", async () => {
  const sandbox = makeSandbox();
  const cases: Array<[string[], RegExp]> = [
    [["modles"], /^hearth: unknown command "modles"; did you mean "hearth models"\?\n/],
    [["sesions", "list"], /^hearth: unknown command "sesions"; did you mean "hearth sessions"\?\n/],
    [
      ["sessions", "shwo"],
      /^hearth: unknown sessions action "shwo"; did you mean "hearth sessions show"\?\n/,
    ],
    [["sessions", "--bogus"], /^hearth: unknown option '--bogus'\nUsage: hearth sessions/],
    [["undo", "--bogus"], /^hearth: unknown option '--bogus'\nUsage:\n/],
  ];
  for (const [args, expected] of cases) {
    const run = await runHearth(sandbox, args);
    assert.equal(run.code, 2, args.join(" "));
    assert.match(run.stderr, expected);
    assert.doesNotMatch(run.stderr, /interactive mode|To specify a positional/);
  }
});

test("hearth exec is hearth -p", async () => {
  const { fake, sandbox } = await withFake([{ text: "done by exec" }]);
  const run = await runHearth(sandbox, ["exec", "say hi"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "done by exec\n");
  const messages = fake.modelRequests[0].body?.messages as Array<{ role: string; content: string }>;
  assert.equal(messages.at(-1)?.content, "say hi");
});

test("no model, -c with no session, and fork --at a missing turn are usage errors (exit 2)", async () => {
  const bare = makeSandbox();
  const none = await runHearth(bare, ["-p", "hi"]);
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /no model configured and no local model server found/);

  const { sandbox } = await withFake([{ text: "first" }]);
  const continued = await runHearth(sandbox, ["-c", "-p", "more"]);
  assert.equal(continued.code, 2, continued.stderr);
  assert.match(continued.stderr, /no earlier session in .* to continue/);
  const resumed = await runHearth(sandbox, ["-r", "ffffffff", "-p", "more"]);
  assert.equal(resumed.code, 2, resumed.stderr);

  const first = await runHearth(sandbox, ["-p", "--output-format", "json", "hello"]);
  assert.equal(first.code, 0, first.stderr);
  const id = JSON.parse(first.stdout).session_id as string;
  const fork = await runHearth(sandbox, ["sessions", "fork", id, "--at", "9"]);
  assert.equal(fork.code, 2, fork.stderr);
  assert.match(fork.stderr, /has turns 1 to 1; --at 9 is not one of them/);
  const notANumber = await runHearth(sandbox, ["sessions", "fork", id, "--at", "two"]);
  assert.equal(notANumber.code, 2);
  assert.match(notANumber.stderr, /--at takes a turn number \(got "two"\)/);
});

test("a workspace of / or the home directory is refused unless --allow-home-workspace says it is meant", async () => {
  const { fake, sandbox } = await withFake([{ text: "ran at home" }]);
  const atHome: Sandbox = { ...sandbox, project: sandbox.home };
  const refused = await runHearth(atHome, ["-p", "hi"]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /^hearth: the workspace would be your home directory \(.*\): every file in it would be in the model's reach\. Run hearth in a project folder \(or --cwd <dir>\), or pass --allow-home-workspace if this is meant\n/,
  );
  const root = await runHearth(sandbox, ["-p", "--cwd", "/", "hi"]);
  assert.equal(root.code, 2);
  assert.match(root.stderr, /the workspace would be \/ \(the whole file system\)/);
  assert.equal(fake.modelRequests.length, 0);
  const allowed = await runHearth(atHome, ["-p", "--allow-home-workspace", "hi"]);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(allowed.stdout, "ran at home\n");
});

test("Claude Code's names: bypassPermissions is auto but a destructive command still needs a yes", async () => {
  const { sandbox } = await withFake([
    bash("touch auto.txt"),
    bash("git push --force origin main"),
    { text: "ok" },
  ]);
  const run = await runHearth(sandbox, [
    "-p",
    "--permission-mode",
    "bypassPermissions",
    "--output-format",
    "stream-json",
    "x",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.events[0].permissionMode, "auto");
  const [touch, push] = toolResults(run.events);
  assert.equal(touch.isError, false, String(touch.content));
  assert.equal(push.isError, true);
  assert.match(String(push.content), /Destructive commands always need a human yes/);
});

test("--allowedTools and --disallowedTools add rules for the run, in Claude Code's syntax", async () => {
  const { sandbox } = await withFake([bash("touch made.txt"), read("notes.txt"), { text: "ok" }]);
  writeFileSync(join(sandbox.project, "notes.txt"), "private notes\n");
  // Without the flag, ask mode refuses the command (headless has nobody to ask).
  const args = [
    "-p",
    "--output-format",
    "stream-json",
    "--allowedTools",
    "Bash(touch:*),Edit",
    "--disallowedTools",
    "Read(./notes.txt)",
    "go",
  ];
  const run = await runHearth(sandbox, args);
  assert.equal(run.code, 0, run.stderr);
  const [touch, denied] = toolResults(run.events);
  assert.equal(touch.isError, false, String(touch.content));
  assert.ok(existsSync(join(sandbox.project, "made.txt")));
  assert.equal(denied.isError, true);
  assert.match(String(denied.content), /denied by the rule "read\(\/notes\.txt\)"/);

  const bad = await runHearth(sandbox, ["-p", "--allowedTools", "Bash(git status", "x"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^hearth: --allowedTools "Bash\(git status" is not a valid rule: missing "\)"\n/);
});

test("--append-system-prompt ends the system prompt", async () => {
  const { fake, sandbox } = await withFake([{ text: "ok" }]);
  const run = await runHearth(sandbox, ["-p", "--append-system-prompt", "Always answer in French.", "hi"]);
  assert.equal(run.code, 0, run.stderr);
  const messages = fake.modelRequests[0].body?.messages as Array<{ role: string; content: string }>;
  assert.match(messages[0].content, /\n\nAlways answer in French\.$/);
});

test(".claude/settings.json permissions are a project layer: deny applies, allow waits for hearth trust", async () => {
  const { sandbox } = await withFake([
    read("secret.txt"),
    bash("touch by-claude-rule.txt"),
    { text: "first done" },
    bash("touch by-claude-rule.txt"),
    { text: "second done" },
  ]);
  writeFileSync(join(sandbox.project, "secret.txt"), "do not read\n");
  mkdirSync(join(sandbox.project, ".claude"));
  writeFileSync(
    join(sandbox.project, ".claude", "settings.json"),
    JSON.stringify({
      model: "opus",
      hooks: {},
      permissions: { allow: ["Bash(touch:*)", "WebFetch"], deny: ["Read(./secret.txt)"] },
    }),
  );
  const first = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "go"]);
  assert.equal(first.code, 0, first.stderr);
  const [secret, untrusted] = toolResults(first.events);
  assert.equal(secret.isError, true);
  assert.doesNotMatch(String(secret.content), /do not read/);
  assert.equal(untrusted.isError, true, "an untrusted project's allow rule does not apply");
  assert.match(first.stderr, /project rules ignored: 1 allow rule/);

  const trust = await runHearth(sandbox, ["trust"]);
  assert.equal(trust.code, 0, trust.stderr);
  const second = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "again"]);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(toolResults(second.events)[0].isError, false, String(toolResults(second.events)[0].content));
  assert.ok(existsSync(join(sandbox.project, "by-claude-rule.txt")));

  writeFileSync(join(sandbox.project, ".claude", "settings.json"), "{ not json");
  const broken = await runHearth(sandbox, ["-p", "x"]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /^hearth: \.claude\/settings\.json: not valid JSON/);
});

test("undo names the older session it falls back to; --session with no such session says so (exit 2)", async () => {
  const { sandbox } = await withFake(
    [
      { toolCalls: [{ name: "write", arguments: { path: "a.txt", content: "new\n" } }] },
      { text: "wrote" },
      { text: "just talk" },
    ],
    { permissionMode: "edits" },
  );
  const edit = await runHearth(sandbox, ["-p", "--output-format", "json", "write a.txt"]);
  assert.equal(edit.code, 0, edit.stderr);
  const editId = JSON.parse(edit.stdout).session_id as string;
  const talk = await runHearth(sandbox, ["-p", "--output-format", "json", "just talk"]);
  const talkId = JSON.parse(talk.stdout).session_id as string;

  const undo = await runHearth(sandbox, ["undo"]);
  assert.equal(undo.code, 0, undo.stderr);
  assert.match(
    undo.stderr,
    new RegExp(
      `^hearth: the latest session here, ${talkId}, has nothing to undo; using the older session ${editId} \\(started `,
    ),
  );
  assert.match(undo.stdout, new RegExp(`undid turn 1 of session ${editId}`));
  assert.ok(!existsSync(join(sandbox.project, "a.txt")));

  const nope = await runHearth(sandbox, ["undo", "--session", "nope"]);
  assert.equal(nope.code, 2);
  assert.match(nope.stderr, /"nope" is not a session id/);
  const missing = await runHearth(sandbox, ["undo", "--session", "ffffffff"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no session ffffffff/);
  const noEdits = await runHearth(sandbox, ["undo", "--session", talkId]);
  assert.equal(noEdits.code, 1);
  assert.match(
    noEdits.stderr,
    new RegExp(`session ${talkId} has nothing to undo: no turn of it edited files`),
  );
});
