/**
 * End to end in a real terminal: the built hearth in tmux (test/e2e/tmux.ts) against the fake model server.
 * What is asserted is what a person sees (the captured screen) and what happens to the files.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { FakeTurn } from "../fake-server/script.ts";
import type { FakeServer } from "../fake-server/server.ts";
import { CLI, fakeModelSandbox, type makeSandbox, runHearth } from "./harness.ts";
import { hasTmux, openTerminal, type Terminal } from "./tmux.ts";

const skip = hasTmux() ? false : "tmux is not installed (apt-get install tmux)";
/** Text only the terminal UI's code holds (it turns on bracketed paste). */
const UI_MARKER = "[?2004h";
/** Text only the ACP SDK holds. */
const ACP_MARKER = "session/request_permission";
const servers: FakeServer[] = [];
const terminals: Terminal[] = [];
after(async () => {
  for (const terminal of terminals) terminal.close();
  await Promise.all(servers.map((s) => s.close()));
});

const withFake = (script: FakeTurn[], files: Record<string, string> = {}) =>
  fakeModelSandbox(servers, script, files);

function open(
  sandbox: ReturnType<typeof makeSandbox>,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  const terminal = openTerminal(sandbox, args, { env });
  terminals.push(terminal);
  return terminal;
}

/** The text of the last message of a model request (the user's prompt or the tool result it answers). */
function requestText(fake: FakeServer, index: number): string {
  return JSON.stringify(fake.modelRequests[index]?.body?.messages ?? []);
}

test("a prompt typed in the terminal and its answer streamed on screen; Ctrl-D exits", { skip }, async () => {
  const { fake, sandbox } = await withFake([
    { text: "Hello from the fake model.\nA second line of the answer.", frameDelayMs: 20 },
  ]);
  const term = open(sandbox, [], { NO_COLOR: "1" });
  await term.waitFor(/fake\/m \[cloud\] · ask mode/);
  term.type("say hello");
  term.keys(["Enter"]);
  const screen = await term.waitFor(/done in/);
  assert.match(screen, /› say hello/);
  assert.match(screen, /Hello from the fake model\.\nA second line of the answer\./);
  assert.doesNotMatch(screen, /\x1b\[/, "NO_COLOR: no escape sequences leak");
  assert.match(requestText(fake, 0), /say hello/);
  term.keys(["C-d"]);
  await term.waitFor(/\[exited 0\]/);
});

test("a write in ask mode: the prompt shows the diff and the keys; y writes the file", { skip }, async () => {
  const { sandbox } = await withFake([
    { toolCalls: [{ name: "write", arguments: { path: "hello.txt", content: "hi there\n" } }] },
    { text: "Wrote hello.txt." },
  ]);
  const term = open(sandbox, ["--permission-mode", "ask", "create hello.txt"]);
  const prompt = await term.waitFor(/\[y\] yes/);
  assert.match(prompt, /Allow write\?/);
  assert.match(prompt, /\+hi there/);
  assert.match(prompt, /why it asks: /);
  assert.match(prompt, /\[s\] yes for this session/);
  assert.ok(!existsSync(join(sandbox.project, "hello.txt")), "nothing written before the yes");
  term.keys(["Enter"]);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!existsSync(join(sandbox.project, "hello.txt")), "Enter is not a yes");
  term.type("y");
  const screen = await term.waitFor(/done in/);
  assert.match(screen, /allowed once/);
  assert.match(screen, /✓ write hello\.txt/);
  assert.match(screen, /Wrote hello\.txt\./);
  assert.equal(readFileSync(join(sandbox.project, "hello.txt"), "utf8"), "hi there\n");
});

test("a write answered n with a reason: nothing written, the model's next request carries the reason", {
  skip,
}, async () => {
  const { fake, sandbox } = await withFake([
    { toolCalls: [{ name: "write", arguments: { path: "hello.txt", content: "hi\n" } }] },
    { text: "Understood, I will not write it." },
  ]);
  const term = open(sandbox, ["--permission-mode", "ask"]);
  await term.waitFor(/ask mode/);
  term.type("create hello.txt");
  term.keys(["Enter"]);
  await term.waitFor(/\[n\] no \(say why\)/);
  term.type("n");
  await term.waitFor(/why not\?/);
  term.type("put it in notes.md instead");
  term.keys(["Enter"]);
  const screen = await term.waitFor(/done in/);
  assert.match(screen, /refused hello\.txt: put it in notes\.md instead/);
  assert.match(screen, /Understood, I will not write it\./);
  assert.ok(!existsSync(join(sandbox.project, "hello.txt")));
  assert.match(requestText(fake, 1), /put it in notes\.md instead/);
});

test("Esc interrupts a long command at once, and the next prompt runs", { skip }, async () => {
  const { fake, sandbox } = await withFake([
    { toolCalls: [{ name: "bash", arguments: { command: "sleep 30" } }] },
    { text: "Ready for the next thing." },
  ]);
  const term = open(sandbox, ["--permission-mode", "auto", "wait a while"]);
  await term.waitFor(/… \$ sleep 30/);
  const started = Date.now();
  term.keys(["Escape"]);
  await term.waitFor(/interrupted after/);
  assert.ok(Date.now() - started < 10000, `interrupt took ${Date.now() - started} ms`);
  term.type("what next?");
  term.keys(["Enter"]);
  const screen = await term.waitFor(/Ready for the next thing\./);
  assert.match(screen, /› what next\?/);
  assert.equal(fake.modelRequests.length, 2);
  term.keys(["C-c"]);
  term.keys(["C-c"]);
  await term.waitFor(/\[exited 0\]/);
});

test("the terminal UI loads only in interactive mode: --version, -p and acp never import it; the ACP SDK only acp", async () => {
  const dist = dirname(CLI);
  const chunks = readdirSync(join(dist, "chunks")).map((name) => join(dist, "chunks", name));
  const isUi = (path: string) => readFileSync(path, "utf8").includes(UI_MARKER);
  assert.ok(chunks.some(isUi), "some chunk holds the terminal UI");
  assert.ok(!isUi(join(dist, "run-cli.mjs")), "the CLI's entry chunk does not hold the terminal UI");

  const { sandbox } = await withFake([{ text: "headless answer" }]);
  const log = join(sandbox.home, "loaded.log");
  const hook = join(sandbox.home, "log-loads.mjs");
  writeFileSync(
    hook,
    `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(
  "import { appendFileSync } from 'node:fs';" +
  "export async function load(url, context, next) {" +
  "  if (url.startsWith('file:')) appendFileSync(process.env.HEARTH_LOADED_LOG, url + '\\\\n');" +
  "  return next(url, context); }"));
`,
  );
  const env = { NODE_OPTIONS: `--import ${hook}`, HEARTH_LOADED_LOG: log };
  const isAcp = (path: string) => readFileSync(path, "utf8").includes(ACP_MARKER);
  for (const args of [["--version"], ["-p", "hi"], ["acp"]]) {
    writeFileSync(log, "");
    // acp: stdin ends at once, so the client is gone and it exits.
    const run = await runHearth(sandbox, args, { env });
    assert.equal(run.code, 0, run.stderr);
    const loaded = readFileSync(log, "utf8").split("\n").filter(Boolean);
    if (args[0] === "-p")
      assert.ok(
        loaded.some((url) => url.endsWith("run-cli.mjs")),
        loaded.join("\n"),
      );
    const ui = loaded.filter((url) => url.includes("/dist/") && isUi(fileURLToPath(url)));
    assert.deepEqual(ui, [], `${args.join(" ")} imported the terminal UI`);
    const sdk = loaded.filter((url) => url.includes("/dist/") && isAcp(fileURLToPath(url)));
    if (args[0] === "acp") assert.ok(sdk.length > 0, "acp loads the ACP SDK");
    else assert.deepEqual(sdk, [], `${args.join(" ")} imported the ACP SDK`);
  }
});

test("a destructive command: a warning, Enter does nothing, y runs it", { skip }, async () => {
  const { sandbox } = await withFake([
    { toolCalls: [{ name: "bash", arguments: { command: "rm -rf ~/scratch" } }] },
    { text: "Removed it." },
  ]);
  mkdirSync(join(sandbox.home, "scratch"));
  const term = open(sandbox, ["--permission-mode", "auto", "clean up"]);
  const prompt = await term.waitFor(/\[y\] yes, run it/);
  assert.match(prompt, /!! DESTRUCTIVE: /);
  assert.doesNotMatch(prompt, /\[s\]|\[a\]/);
  term.keys(["Enter"]);
  await term.waitFor(/press a key: y, n/);
  assert.ok(existsSync(join(sandbox.home, "scratch")), "Enter is not a yes");
  term.type("y");
  await term.waitFor(/Removed it\./);
  assert.ok(!existsSync(join(sandbox.home, "scratch")));
});

test("yes for this session: the same call again runs without a second prompt", { skip }, async () => {
  const touch = { toolCalls: [{ name: "bash", arguments: { command: "touch marker" } }] };
  const { fake, sandbox } = await withFake([touch, touch, { text: "Touched twice." }]);
  const term = open(sandbox, ["--permission-mode", "ask", "touch it twice"]);
  await term.waitFor(/\[s\] yes for this session/);
  term.type("s");
  const screen = await term.waitFor(/Touched twice\./);
  assert.equal(screen.match(/✓ \$ touch marker/g)?.length, 2, screen);
  assert.equal(screen.match(/allowed for this session/g)?.length, 1, screen);
  assert.equal(fake.modelRequests.length, 3);
  assert.ok(existsSync(join(sandbox.project, "marker")));
});

test("a Markdown answer: heading, bullets and a code block on screen without their markup", {
  skip,
}, async () => {
  const answer = [
    "# The plan",
    "",
    "- first **step**",
    "- second `step`",
    "",
    "```ts",
    "const x = 1; // one",
    "```",
    "All *done*.",
  ].join("\n");
  const { sandbox } = await withFake([{ text: answer, frameDelayMs: 10 }]);
  const term = open(sandbox, ["explain"]);
  const screen = await term.waitFor(/done in/);
  assert.match(screen, /^The plan$/m);
  assert.match(screen, /^• first step\n• second step$/m);
  assert.match(screen, /^─── ts\n {2}const x = 1; \/\/ one\n───\nAll done\.$/m);
  assert.doesNotMatch(screen, /\*\*|```|^# /m);
});

test("an edit allowed without asking: its diff is printed in the history", { skip }, async () => {
  const { sandbox } = await withFake(
    [
      { toolCalls: [{ name: "read", arguments: { path: "notes.md" } }] },
      {
        toolCalls: [
          { name: "edit", arguments: { path: "notes.md", old_string: "beta", new_string: "gamma" } },
        ],
      },
      { text: "Edited the notes." },
    ],
    { "notes.md": "alpha\nbeta\ndelta\n" },
  );
  const term = open(sandbox, ["--permission-mode", "edits", "fix the notes"]);
  const screen = await term.waitFor(/done in/);
  assert.match(screen, /✓ read notes\.md/);
  assert.match(screen, /✓ edit notes\.md.*\n {4}@@ .* @@\n {5}alpha\n {4}-beta\n {4}\+gamma\n {5}delta\n/);
  assert.equal(readFileSync(join(sandbox.project, "notes.md"), "utf8"), "alpha\ngamma\ndelta\n");
});

test("up-arrow in a second session recalls the first one's prompt; a large paste is a placeholder", {
  skip,
}, async () => {
  const { fake, sandbox } = await withFake([{ text: "First answer." }, { text: "Second answer." }]);
  const first = open(sandbox);
  await first.waitFor(/ask mode/);
  first.type("remember this prompt");
  first.keys(["Enter"]);
  await first.waitFor(/done in/);
  first.keys(["C-d"]);
  await first.waitFor(/\[exited 0\]/);

  const second = open(sandbox);
  await second.waitFor(/ask mode/);
  second.keys(["Up"]);
  await second.waitFor(/^› remember this prompt\s*$/m);
  second.keys(["C-u"]);
  const pasted = Array.from({ length: 42 }, (_, i) => `pasted line ${i}`).join("\n");
  second.type("look at ");
  second.paste(pasted);
  await second.waitFor(/^› look at \[pasted 42 lines\]\s*$/m);
  second.keys(["Enter"]);
  await second.waitFor(/Second answer\./);
  assert.match(requestText(fake, 1), /pasted line 0\\npasted line 1\\n[\s\S]*pasted line 41/);
});

test("a resize to 60 columns mid-stream: the answer completes, lines fit, nothing is cleared or left behind", {
  skip,
}, async () => {
  const paragraph = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
  const answer = `Intro line.\nAlpha ${paragraph}\n- a bullet ${paragraph}\nEND of answer.`;
  const { sandbox } = await withFake([{ text: answer, frameDelayMs: 1200 }]);
  const term = open(sandbox, ["resize me"]);
  await term.waitFor(/Alpha word/);
  term.resize(60, 24);
  const screen = await term.waitFor(/done in/);
  assert.match(screen, /^hearth \d/m, "the history above is still there");
  const after = screen.slice(screen.indexOf("› resize me")).split("\n");
  for (const line of after) assert.ok(line.length <= 60, `wider than 60: ${line}`);
  assert.equal(screen.match(/Alpha/g)?.length, 1, screen);
  assert.equal(screen.match(/fake\/m \[cloud\]/g)?.length, 1, screen);
  assert.match(screen, /^• a bullet word0/m);
  assert.match(screen, /word39\nEND of answer\.\n/);
});

test("the prompt is drawn before the session has opened; a prompt typed meanwhile runs once it is open", {
  skip,
}, async () => {
  // An Ollama that holds its answer to /api/show (asked while the session opens) until released; its chat
  // requests go on to the fake server.
  const { createServer, request } = await import("node:http");
  const { fake, sandbox } = await withFake([{ text: "Answered after opening." }]);
  let release: () => void = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  const ollama = createServer((req, res) => {
    if (req.url === "/api/show") {
      void released.then(() =>
        res.end(
          JSON.stringify({ model_info: { "general.architecture": "llama", "llama.context_length": 8192 } }),
        ),
      );
      return;
    }
    const upstream = request(
      `${fake.url}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => ollama.listen(0, "127.0.0.1", r));
  after(() => ollama.close());
  const port = (ollama.address() as { port: number }).port;
  const term = open(sandbox, ["--model", "ollama/qwen:1b"], { OLLAMA_HOST: `127.0.0.1:${port}` });
  await term.waitFor(/› *\nopening the session…/);
  term.type("hello early");
  term.keys(["Enter"]);
  await term.waitFor(/queued: hello early/);
  assert.equal(fake.modelRequests.length, 0);
  release();
  const screen = await term.waitFor(/Answered after opening\./);
  assert.match(screen, /ollama\/qwen:1b \[local\]/);
  assert.match(requestText(fake, 0), /hello early/);
});

test("a session that cannot open: the terminal is put back, one line says why, exit 2", {
  skip,
}, async () => {
  const { sandbox } = await withFake([]);
  const term = open(sandbox, ["--model", "nosuch/model"]);
  const screen = await term.waitFor(/\[exited 2\]/);
  assert.match(screen, /hearth: .*nosuch/);
  assert.doesNotMatch(screen, /opening the session…/, "the live region is cleared");
});
