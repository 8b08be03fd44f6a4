import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { waitGone } from "../../test/support/processes.ts";
import { createWorkspace } from "../policy/workspace.ts";
import { type BashDetails, createBashTool } from "./bash.ts";
import { createFileState } from "./file-state.ts";
import { createReadTool } from "./read.ts";
import type { AnyTool, ToolResult } from "./tool.ts";

const SECRET_NAME = "HEARTH_BASH_TEST_SECRET";

describe("bash", () => {
  let base: string;
  let root: string;
  let spillDir: string;
  let tool: AnyTool;
  let readTool: AnyTool;
  const run = (args: Record<string, unknown>, signal = new AbortController().signal): Promise<ToolResult> =>
    tool.execute(args, { signal, callId: "call_1" });

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-bash-")));
    root = join(base, "ws");
    spillDir = join(base, "spill");
    await mkdir(root);
    process.env[SECRET_NAME] = "leaked";
    const workspace = createWorkspace({ root, readOnlyRoots: [spillDir] });
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", GREETING: "hello from deps" };
    tool = createBashTool({ workspace, env, spillDir });
    readTool = createReadTool({ workspace, fileState: createFileState() });
  });
  after(async () => {
    delete process.env[SECRET_NAME];
    await rm(base, { recursive: true, force: true });
  });

  it("returns output and exit code 0", async () => {
    const result = await run({ command: "echo hi" });
    assert.equal(result.content, "hi\n\n(exit code 0)");
    assert.equal(result.isError, false);
    assert.equal((result.details as BashDetails).exitCode, 0);
  });

  it("reports a non-zero exit as an error that still carries the output", async () => {
    const result = await run({ command: "echo partial; exit 3" });
    assert.equal(result.isError, true);
    assert.equal(result.content, "partial\n\n(exit code 3)");
  });

  it("captures stderr interleaved with stdout", async () => {
    const result = await run({ command: "echo one; echo two >&2; echo three; ls /no/such/path" });
    assert.match(result.content, /^one\ntwo\nthree\nls: .*no\/such\/path.*\n\n\(exit code [12]\)$/);
  });

  it("runs in the workspace root with exactly the injected environment", async () => {
    const result = await run({ command: `pwd; echo "$GREETING"; echo "\${${SECRET_NAME}-absent}"` });
    assert.equal(result.content, `${root}\nhello from deps\nabsent\n\n(exit code 0)`);
  });

  it("kills a hanging command on timeout", async () => {
    const started = Date.now();
    const result = await run({ command: "sleep 100", timeout: 1 });
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    assert.equal(result.isError, true);
    assert.match(result.content, /timed out after 1s/);
    assert.equal((result.details as BashDetails).timedOut, true);
  });

  it("kills the whole process group, grandchildren included", async () => {
    const started = Date.now();
    const result = await run({ command: "bash -c 'sleep 100 & echo $!; sleep 100'", timeout: 1 });
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    const pid = Number(result.content.split("\n")[0]);
    assert.ok(pid > 0, `grandchild pid in ${JSON.stringify(result.content)}`);
    assert.ok(await waitGone(pid, 1500), `grandchild ${pid} still running`);
  });

  it("stops on abort and says interrupted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const result = await run({ command: "echo started; sleep 100" }, controller.signal);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(result.isError, true);
    assert.match(result.content, /^started\n\n\(interrupted/);
    assert.equal((result.details as BashDetails).interrupted, true);
  });

  it("does not wait for a background process that keeps the pipes open", async () => {
    const started = Date.now();
    const result = await run({ command: "sleep 30 & echo $!" });
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    const pid = Number(result.content.split("\n")[0]);
    assert.equal(result.isError, false);
    process.kill(pid, "SIGKILL");
  });

  it("caps 50 MB of output; the spill file keeps its first and last 8 MB and a line saying what was cut", async () => {
    // Numbered lines, so the kept head and tail can be checked: 50 MB of "line N".
    const command = "seq -f 'line %.0f' 1 5000000 | head -c 50000000";
    const started = Date.now();
    const result = await run({ command });
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    assert.ok(result.content.length < 40_000, `content is ${result.content.length} chars`);
    const details = result.details as BashDetails;
    assert.equal(details.totalBytes, 50_000_000);
    assert.ok(details.spillPath?.startsWith(spillDir));
    assert.match(result.content, /omitted/);
    assert.ok(
      result.content.includes(
        `the output is in ${details.spillPath}, cut to its first 8.4 MB and last 8.4 MB`,
      ),
      result.content.slice(-500),
    );
    assert.match(result.content, /\(exit code 0\)/);
    const spilled = readFileSync(details.spillPath!, "utf8");
    assert.ok(spilled.length > 16_000_000 && spilled.length < 16.9 * 1024 * 1024, `${spilled.length} bytes`);
    assert.ok(spilled.startsWith("line 1\nline 2\n"));
    const note =
      /\n\n\.\.\. \[[\d.]+ MB cut here: this file keeps the first 8 MB and the last 8 MB of the output\] \.\.\.\n\n/.exec(
        spilled,
      );
    assert.ok(note, "a line says what was cut");
    // The cut falls between whole lines, and the file ends where the output ended.
    assert.match(spilled.slice(0, note.index).split("\n").at(-2)!, /^line \d+$/);
    assert.ok(spilled.slice(0, note.index).endsWith("\n"), "the head ends with a whole line");
    assert.match(spilled.slice(note.index + note[0].length).split("\n")[0], /^line \d+$/);
    const end = execFileSync("bash", ["-c", `${command} | tail -c 100`], { encoding: "utf8" });
    assert.ok(spilled.endsWith(end));
    await rm(details.spillPath!);
  });

  it("waits for nobody: no editor, pager or prompt, and stdin is empty", async () => {
    const repo = join(base, "repo");
    execFileSync("git", ["init", "-q", repo]);
    // A user's editor that would wait for a person (vim on a terminal), as the inherited environment has it.
    const waiting = createBashTool({
      workspace: createWorkspace({ root: repo }),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        EDITOR: "sleep 60 #",
        GIT_EDITOR: "sleep 60 #",
        HOME: base,
      },
      spillDir,
    });
    const started = Date.now();
    const result = await waiting.execute(
      {
        command:
          "git -c user.name=t -c user.email=t@t commit -q --allow-empty; " +
          'read -r line; echo "read=$? pager=$PAGER/$GIT_PAGER prompt=$GIT_TERMINAL_PROMPT"',
        timeout: 20,
      },
      { signal: new AbortController().signal, callId: "c" },
    );
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    assert.equal((result.details as BashDetails).timedOut, false);
    assert.match(result.content, /Please supply the message using either -m or -F option/);
    assert.match(result.content, /read=1 pager=cat\/cat prompt=0/);
  });

  it("keeps the head and the tail, and the spill file can be read with read", async () => {
    const result = await run({ command: "seq 1 100000" });
    const details = result.details as BashDetails;
    assert.ok(result.content.startsWith("1\n2\n3\n"));
    assert.match(result.content, /\n99999\n100000\n\n\(exit code 0\)/);
    const part = await readTool.execute(
      { path: details.spillPath, offset: 50_000, limit: 2 },
      { signal: new AbortController().signal, callId: "r" },
    );
    assert.match(part.content, /^ {1}50000\t50000\n 50001\t50001\n/);
  });

  it("says when there was no output", async () => {
    assert.equal((await run({ command: "true" })).content, "(no output)\n\n(exit code 0)");
  });
});

describe("bash spill redaction", () => {
  it("what goes to the spill file passes through the redactor, line by line; the model's view is untouched", async () => {
    const base = await realpath(await mkdtemp(join(tmpdir(), "hearth-bash-redact-")));
    const secret = "canary-secret-value-4f2a9e";
    const tool = createBashTool({
      workspace: createWorkspace({ root: base }),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      spillDir: join(base, "spill"),
      redact: (text) => text.replaceAll(secret, "[REDACTED]"),
    });
    // 200,000 lines: far past the in-memory cap, so the output spills; the secret sits on many chunk boundaries.
    const result = await tool.execute(
      { command: `for i in $(seq 1 200000); do echo "line $i ${secret}"; done` },
      { signal: new AbortController().signal, callId: "r1" },
    );
    const details = result.details as BashDetails;
    assert.ok(details.spillPath, "the output spilled");
    const spilled = readFileSync(details.spillPath!, "utf8");
    assert.ok(!spilled.includes(secret), "the secret reached the disk");
    assert.equal(spilled.split("\n").filter((l) => l.endsWith("[REDACTED]")).length, 200000);
    await rm(base, { recursive: true, force: true });
  });
});
