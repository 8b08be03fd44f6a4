/**
 * The terminal UI's slash commands, completion and @mentions, end to end: the built hearth in tmux
 * (test/e2e/tmux.ts) against the fake model server. Asserted: the screen, the files, and what reached the server.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import type { FakeServer } from "../fake-server/server.ts";
import { fakeModelSandbox, type makeSandbox } from "./harness.ts";
import { hasTmux, openTerminal, type Terminal } from "./tmux.ts";

const skip = hasTmux() ? false : "tmux is not installed (apt-get install tmux)";
const servers: FakeServer[] = [];
const terminals: Terminal[] = [];
after(async () => {
  for (const terminal of terminals) terminal.close();
  await Promise.all(servers.map((s) => s.close()));
});

const withFake = (script: FakeTurn[], files: Record<string, string> = {}) =>
  fakeModelSandbox(servers, script, files, { contextWindow: 10000 });

function open(sandbox: ReturnType<typeof makeSandbox>, args: string[] = []) {
  const terminal = openTerminal(sandbox, args, { env: { NO_COLOR: "1" } });
  terminals.push(terminal);
  return terminal;
}

function requestText(fake: FakeServer, index: number): string {
  return JSON.stringify(fake.modelRequests[index]?.body?.messages ?? []);
}

/** The line the prompt is typed on (the last one starting with "› "). */
function inputLine(screen: string): string {
  return (
    screen
      .split("\n")
      .filter((line) => line.startsWith("› "))
      .at(-1)
      ?.trimEnd() ?? ""
  );
}

test("Tab completes /mo to /model; /model switches, and the next request uses the new model", {
  skip,
}, async () => {
  const { fake, sandbox } = await withFake([
    { text: "Answered by m2.", usage: { input: 2400, output: 100 } },
  ]);
  const term = open(sandbox);
  await term.waitFor(/fake\/m \[cloud\] · ask mode/);
  term.type("/mo");
  term.keys(["Tab"]);
  await term.waitFor((screen) => inputLine(screen) === "› /model");
  term.type("fake/m2");
  term.keys(["Enter"]);
  await term.waitFor(/now: fake\/m2/);
  term.type("which model?");
  term.keys(["Enter"]);
  const screen = await term.waitFor(/done in[\s\S]*context 25%/);
  assert.match(screen, /Answered by m2\./);
  assert.equal(fake.modelRequests.length, 1);
  assert.equal(fake.modelRequests[0].body?.model, "m2");
});

test("/resume: the picker lists this directory's sessions, filters, and the reopened session carries the earlier conversation", {
  skip,
}, async () => {
  const { fake, sandbox } = await withFake([
    { text: "Noted: banana." },
    { text: "Something else." },
    { text: "The word was banana." },
  ]);
  const first = open(sandbox, ["remember the word banana"]);
  await first.waitFor(/Noted: banana\./);
  first.keys(["C-d"]);
  await first.waitFor(/\[exited 0\]/);

  const term = open(sandbox, ["an unrelated question"]);
  await term.waitFor(/Something else\./);
  term.type("/resume");
  term.keys(["Enter"]);
  await term.waitFor(/resume a session of this directory \(1 of 1\)/);
  term.type("banana");
  await term.waitFor(/\(1 of 1\)[\s\S]*› \S+ +just now +remember the word banana/);
  term.keys(["Enter"]);
  await term.waitFor(
    (screen) => !/resume a session of this directory/.test(screen.split("\n").slice(-10).join("\n")),
  );
  term.type("what was the word?");
  term.keys(["Enter"]);
  await term.waitFor(/The word was banana\./);
  const last = requestText(fake, 2);
  assert.match(last, /remember the word banana/);
  assert.doesNotMatch(last, /an unrelated question/);
});

test("hearth -r with no id opens the same picker; Enter opens the session", { skip }, async () => {
  const { fake, sandbox } = await withFake([{ text: "Noted: kiwi." }, { text: "It was kiwi." }]);
  const first = open(sandbox, ["remember kiwi"]);
  await first.waitFor(/Noted: kiwi\./);
  first.keys(["C-d"]);
  await first.waitFor(/\[exited 0\]/);
  const term = open(sandbox, ["-r"]);
  await term.waitFor(/remember kiwi/);
  term.keys(["Enter"]);
  await term.waitFor(/fake\/m \[cloud\]/);
  term.type("and the word?");
  term.keys(["Enter"]);
  await term.waitFor(/It was kiwi\./);
  assert.match(requestText(fake, 1), /remember kiwi/);
});

test("/undo after an edit puts the file back", { skip }, async () => {
  const { sandbox } = await withFake(
    [
      { toolCalls: [{ name: "read", arguments: { path: "a.txt" } }] },
      { toolCalls: [{ name: "edit", arguments: { path: "a.txt", old_string: "old", new_string: "new" } }] },
      { text: "Edited." },
    ],
    { "a.txt": "old line\n" },
  );
  const term = open(sandbox, ["--permission-mode", "auto", "change it"]);
  await term.waitFor(/Edited\./);
  assert.equal(readFileSync(join(sandbox.project, "a.txt"), "utf8"), "new line\n");
  term.type("/undo");
  term.keys(["Enter"]);
  await term.waitFor(/undone: turn/);
  assert.equal(readFileSync(join(sandbox.project, "a.txt"), "utf8"), "old line\n");
});

test("@path: Tab completes it (fuzzy), the file's text reaches the model; a file a read may not see is refused", {
  skip,
}, async () => {
  const { fake, sandbox } = await withFake([{ text: "It exports a constant." }], {
    "src/answer.ts": "export const answer = 42;\n",
    "src/other.md": "other\n",
    ".env": "TOKEN=abc\n",
    ".gitignore": "ignored/\n",
    "ignored/answer.ts": "never offered\n",
  });
  const term = open(sandbox);
  await term.waitFor(/ask mode/);
  term.type("explain @answ");
  term.keys(["Tab"]);
  await term.waitFor((screen) => inputLine(screen) === "› explain @src/answer.ts");
  term.keys(["Enter"]);
  await term.waitFor(/It exports a constant\./);
  assert.match(requestText(fake, 0), /export const answer = 42;/);
  term.type("read @.env please");
  term.keys(["Enter"]);
  await term.waitFor(/cannot attach \.env/);
  assert.equal(fake.modelRequests.length, 1, "the refused prompt never reached the model");
});

test("/cost sums the prompts; /fork keeps the conversation; /clear starts a new session without it; /doctor prints its checks", {
  skip,
}, async () => {
  const { fake, sandbox } = await withFake([
    { text: "Noted: plum.", usage: { input: 1200, output: 30 } },
    { text: "Forked and remembering." },
    { text: "A fresh start." },
  ]);
  const term = open(sandbox, ["remember plum"]);
  await term.waitFor(/Noted: plum\./);
  term.type("/cost");
  term.keys(["Enter"]);
  await term.waitFor(/1 prompt · tokens: 1\.2k in, 30 out/);
  term.type("/fork");
  term.keys(["Enter"]);
  await term.waitFor(/opening a fork…/);
  term.type("still there?");
  term.keys(["Enter"]);
  await term.waitFor(/Forked and remembering\./);
  assert.match(requestText(fake, 1), /remember plum/);
  term.type("/clear");
  term.keys(["Enter"]);
  await term.waitFor((screen) => !/Forked and remembering/.test(screen));
  term.type("anything?");
  term.keys(["Enter"]);
  const cleared = await term.waitFor(/A fresh start\./);
  assert.doesNotMatch(requestText(fake, 2), /remember plum/);
  // Nothing above the new session: no stale copy of the prompt or status line left in the scrollback by a
  // redraw (tmux pushes the screen into history on an erase from the top-left corner).
  assert.equal(cleared.match(/ask mode/g)?.length, 1, cleared);
  assert.match(cleared.trimStart(), /^hearth /);
  term.type("/doctor");
  term.keys(["Enter"]);
  await term.waitFor(/^(ok|warn|fail) +user settings/m);
});

test("!cmd runs a command under the policy (asked, then run), shows its output, and the model gets it with the next prompt; Esc stops a long one", {
  skip,
}, async () => {
  const { fake, sandbox } = await withFake([{ text: "I see it printed shown." }]);
  const term = open(sandbox);
  await term.waitFor(/ask mode/);
  term.type("!echo made > out.txt && echo shown && echo again");
  term.keys(["Enter"]);
  await term.waitFor(/\[y\] yes/);
  assert.ok(!existsSync(join(sandbox.project, "out.txt")), "nothing runs before the yes");
  term.type("y");
  const ran = await term.waitFor(/✓ \$ echo made[\s\S]*\n {4}shown\n {4}again\n› /);
  assert.doesNotMatch(ran, /\(exit code 0\)/, "the exit code is on the call's line, not repeated");
  assert.match(ran, /exit 0/);
  assert.equal(readFileSync(join(sandbox.project, "out.txt"), "utf8"), "made\n");
  assert.equal(fake.modelRequests.length, 0, "no model request for the person's command");
  term.type("what did it print?");
  term.keys(["Enter"]);
  await term.waitFor(/I see it printed shown\./);
  assert.match(requestText(fake, 0), /I ran this command myself:.*shown/);

  term.type("!sleep 30");
  term.keys(["Enter"]);
  await term.waitFor(/… \$ sleep 30/);
  const stopped = Date.now();
  term.keys(["Escape"]);
  await term.waitFor(/✗ \$ sleep 30|\$ sleep 30 · interrupted/);
  assert.ok(Date.now() - stopped < 5000, "Esc stops the person's command too");
});

test("/init: the model looks at the repository and writes AGENTS.md, asked like any write", {
  skip,
}, async () => {
  const agents = "# AGENTS.md\n\nBuild: npm run build\nTest: npm test\n";
  const { fake, sandbox } = await withFake(
    [
      { toolCalls: [{ name: "ls", arguments: { path: "." } }] },
      { toolCalls: [{ name: "write", arguments: { path: "AGENTS.md", content: agents } }] },
      { text: "Wrote AGENTS.md." },
    ],
    { "package.json": '{"scripts":{"test":"node --test"}}\n' },
  );
  const term = open(sandbox);
  await term.waitFor(/ask mode/);
  term.type("/in");
  term.keys(["Tab"]);
  await term.waitFor((screen) => inputLine(screen) === "› /init");
  term.keys(["Enter"]);
  await term.waitFor(/Allow write\?/);
  term.type("y");
  await term.waitFor(/Wrote AGENTS\.md\./);
  assert.equal(readFileSync(join(sandbox.project, "AGENTS.md"), "utf8"), agents);
  assert.match(requestText(fake, 0), /write AGENTS\.md at its root/);
});

test("/model alone: a picker of the models there are (filtered as you type); Enter switches the next prompt's model", {
  skip,
}, async () => {
  const { fake, sandbox } = await withFake([{ text: "From the picked model." }]);
  // The fake server is also the Ollama found on loopback: its model is listed as local.
  sandbox.env.OLLAMA_HOST = `127.0.0.1:${fake.port}`;
  const term = open(sandbox);
  await term.waitFor(/fake\/m \[cloud\] · ask mode/);
  term.type("/model");
  term.keys(["Enter"]);
  const picker = await term.waitFor(/ollama\/fake-model/);
  assert.match(picker, /model for the next prompts/);
  assert.match(picker, /fake\/m .*in use/);
  term.type("fake-mo");
  await term.waitFor(
    (screen) => !/fake\/m .*in use/.test(screen.slice(screen.lastIndexOf("model for the next"))),
  );
  term.keys(["Enter"]);
  await term.waitFor(/now: ollama\/fake-model/);
  term.type("hello");
  term.keys(["Enter"]);
  await term.waitFor(/From the picked model\./);
  assert.equal(fake.modelRequests[0].body?.model, "fake-model");
  assert.equal(fake.modelRequests[0].path, "/api/chat");
});
