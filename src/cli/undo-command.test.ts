import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { readConfinedFileSync } from "../policy/open-confined.ts";
import { createWorkspace } from "../policy/workspace.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { type Checkpoints, checkpointsDir, createCheckpoints, MANIFEST_NAME } from "../store/checkpoints.ts";
import { hearthPaths } from "../store/paths.ts";
import { createBuiltinTools } from "../tools/builtin-tools.ts";
import { createFileState } from "../tools/file-state.ts";
import type { AnyTool } from "../tools/tool.ts";
import { runUndo } from "./undo-command.ts";

/** One hearth run: real tools writing through a checkpoints instance, turn by turn. */
function session(root: string, env: NodeJS.ProcessEnv, sessionId: string) {
  const workspace = createWorkspace({ root });
  const checkpoints: Checkpoints = createCheckpoints({
    dir: checkpointsDir(hearthPaths(env).dataDir, sessionId),
    sessionId,
    cwd: root,
    rootOf: (path) => workspace.rootOf(path, "write"),
    read: readConfinedFileSync,
  });
  const tools = createBuiltinTools({
    workspace,
    fileState: createFileState(),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    spillDir: join(root, "..", "spill"),
    rgPath: null,
    beforeWrite: checkpoints.beforeWrite,
  });
  const tool = (name: string) => tools.find((t) => t.name === name) as AnyTool;
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await tool(name).execute(args, { signal: new AbortController().signal, callId: "c" });
    assert.notEqual(result.isError, true, result.content);
  };
  return {
    turn: (n: number) => checkpoints.beginTurn(n),
    end: () => checkpoints.endTurn(),
    write: (path: string, content: string) => call("write", { path, content }),
    edit: async (path: string, old_string: string, new_string: string) => {
      await call("read", { path });
      await call("edit", { path, old_string, new_string });
    },
    bash: (command: string) => call("bash", { command }),
  };
}

describe("hearth undo", () => {
  let base: string;
  let root: string;
  let env: NodeJS.ProcessEnv;
  const file = (name: string) => join(root, name);
  const text = (name: string) => readFileSync(file(name), "utf8");

  async function undo(args: string[], cwd = root) {
    let stdout = "";
    let stderr = "";
    const code = await runUndo(args, env, {
      cwd,
      now: () => Date.UTC(2026, 1, 3),
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    return { code, stdout, stderr };
  }

  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "hearth-undo-")));
    root = join(base, "project");
    mkdirSync(root);
    env = { XDG_DATA_HOME: join(base, "data") };
    writeFileSync(file("app.ts"), "const a = 1;\nconst b = 2;\n");
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** Turn 1 edits app.ts and creates notes.md; turn 2 edits app.ts again and creates src/new/util.ts. */
  async function twoTurns(id = "0001-session") {
    const run = session(root, env, id);
    run.turn(1);
    await run.edit("app.ts", "const a = 1;", "const a = 10;");
    await run.write("notes.md", "# notes\n");
    run.turn(2);
    await run.edit("app.ts", "const b = 2;", "const b = 20;");
    await run.write("src/new/util.ts", "export {};\n");
    run.end();
  }

  it("undoes the last turn, then the one before, in a folder that is not a git repository", async () => {
    await twoTurns();
    assert.equal(existsSync(join(root, ".git")), false);
    const first = await undo([]);
    assert.deepEqual(first, {
      code: EXIT_OK,
      stdout:
        "restored app.ts\ndeleted src/new/util.ts\nundid turn 2 of session 0001-session: 1 restored, 1 deleted\n",
      stderr: "",
    });
    assert.equal(text("app.ts"), "const a = 10;\nconst b = 2;\n");
    assert.equal(existsSync(file("src")), false);
    assert.equal(text("notes.md"), "# notes\n");

    const second = await undo([]);
    assert.equal(second.code, EXIT_OK);
    assert.equal(
      second.stdout,
      "restored app.ts\ndeleted notes.md\nundid turn 1 of session 0001-session: 1 restored, 1 deleted\n",
    );
    assert.equal(text("app.ts"), "const a = 1;\nconst b = 2;\n");
    assert.equal(existsSync(file("notes.md")), false);

    const third = await undo([]);
    assert.equal(third.code, EXIT_FAILED);
    assert.equal(
      third.stderr,
      "hearth: nothing to undo in session 0001-session: every turn is already undone\n",
    );
  });

  it("undoes turn N and every later turn", async () => {
    await twoTurns();
    const result = await undo(["--turn", "1"]);
    assert.equal(result.code, EXIT_OK);
    assert.equal(
      result.stdout,
      "restored app.ts\ndeleted notes.md\ndeleted src/new/util.ts\n" +
        "undid turns 1, 2 of session 0001-session: 1 restored, 2 deleted\n",
    );
    assert.equal(text("app.ts"), "const a = 1;\nconst b = 2;\n");
    assert.deepEqual(
      ["notes.md", "src"].map((name) => existsSync(file(name))),
      [false, false],
    );
  });

  it("refuses with the diff when the user changed a file since, changes nothing, and --force restores", async () => {
    await twoTurns();
    writeFileSync(file("app.ts"), "const a = 10;\nconst b = 20;\n// mine\n");
    const manifest = join(checkpointsDir(hearthPaths(env).dataDir, "0001-session"), MANIFEST_NAME);
    const manifestBefore = readFileSync(manifest, "utf8");

    const refused = await undo([]);
    assert.equal(refused.code, EXIT_FAILED);
    assert.equal(refused.stdout, "");
    assert.equal(
      refused.stderr,
      "hearth: app.ts changed after turn 2 left it (by you, or by a command):\n" +
        "--- app.ts\n+++ app.ts\n@@ -1,2 +1,3 @@\n const a = 10;\n const b = 20;\n+// mine\n" +
        "hearth: not undoing turn 2: 1 file changed outside hearth's edits (diff above); nothing was changed. " +
        "Keep those changes, or run `hearth undo --turn 2 --force` to overwrite them\n",
    );
    assert.equal(text("app.ts"), "const a = 10;\nconst b = 20;\n// mine\n");
    assert.equal(text("src/new/util.ts"), "export {};\n");
    assert.equal(readFileSync(manifest, "utf8"), manifestBefore);

    const forced = await undo(["--turn", "2", "--force"]);
    assert.equal(forced.code, EXIT_OK);
    assert.equal(text("app.ts"), "const a = 10;\nconst b = 2;\n");
    assert.equal(existsSync(file("src/new/util.ts")), false);
  });

  it("does not undo edits made by bash commands, and keeps file modes", async () => {
    writeFileSync(file("run.sh"), "echo one\n");
    chmodSync(file("run.sh"), 0o755);
    const run = session(root, env, "0002-session");
    run.turn(1);
    await run.edit("run.sh", "one", "two");
    await run.bash("echo made by bash > by-bash.txt");
    run.end();
    const result = await undo([]);
    assert.equal(
      result.stdout,
      "restored run.sh\nundid turn 1 of session 0002-session: 1 restored, 0 deleted\n",
    );
    assert.equal(text("run.sh"), "echo one\n");
    assert.equal(statSync(file("run.sh")).mode & 0o777, 0o755);
    assert.equal(text("by-bash.txt"), "made by bash\n");
  });

  it("lists the turns, and picks the latest session in this folder with edits left to undo", async () => {
    await twoTurns("0001-older");
    const elsewhere = join(base, "elsewhere");
    mkdirSync(elsewhere);
    const other = session(elsewhere, env, "0003-elsewhere");
    other.turn(1);
    await other.write("x.txt", "x\n");
    other.end();
    const newer = session(root, env, "0002-newer");
    newer.turn(1);
    await newer.write("b.txt", "b\n");
    newer.end();

    assert.equal(
      (await undo(["--list"])).stdout,
      `session 0002-newer in ${root}\nturn 1\n  created    b.txt\n` +
        "other sessions in this folder (pick with --session ID): 0001-older\n",
    );
    assert.equal(
      (await undo([])).stdout,
      "deleted b.txt\nundid turn 1 of session 0002-newer: 0 restored, 1 deleted\n",
    );
    // 0002-newer has nothing left: the next undo goes to the older session; the other folder is left alone.
    const list = await undo(["--list"]);
    assert.match(
      list.stdout,
      /^session 0001-older in .*\nturn 1\n {2}modified {3}app\.ts\n {2}created {4}notes\.md\n/,
    );
    assert.match((await undo([])).stdout, /undid turn 2 of session 0001-older/);
    assert.equal(readFileSync(join(elsewhere, "x.txt"), "utf8"), "x\n");
    assert.match((await undo(["--list", "--cwd", elsewhere])).stdout, /^session 0003-elsewhere/);

    const bySession = await undo(["--session", "0003", "--list"], base);
    assert.match(bySession.stdout, /^session 0003-elsewhere/);
    const undone = await undo(["--session", "0002-newer", "--list"]);
    assert.match(undone.stdout, /turn 1 \(undone\)\n {2}created {4}b\.txt\n$/);
  });

  it("says what is wrong with bad input, or when there is nothing to undo", async () => {
    assert.deepEqual(await undo([]), {
      code: EXIT_FAILED,
      stdout: "",
      stderr: `hearth: nothing to undo: no hearth session has edited files in ${root}\n`,
    });
    await twoTurns();
    assert.equal((await undo(["--turn", "0"])).code, EXIT_USAGE);
    assert.match(
      (await undo(["--turn", "x"])).stderr,
      /--turn takes a turn number; see them with hearth undo --list/,
    );
    assert.match(
      (await undo(["--turn", "9"])).stderr,
      /turn 9 edited no files; the last turn with edits is 2\n$/,
    );
    assert.equal((await undo(["--list", "--force"])).code, EXIT_USAGE);
    assert.equal((await undo(["extra"])).code, EXIT_USAGE);
    assert.equal((await undo(["--bogus"])).code, EXIT_USAGE);
    assert.match((await undo(["--help"])).stdout, /^Usage:\n {2}hearth undo /);
    const nope = await undo(["--session", "nope"]);
    assert.equal(nope.code, EXIT_USAGE);
    assert.match(nope.stderr, /"nope" is not a session id/);
    const missing = await undo(["--cwd", join(base, "missing")]);
    assert.equal(missing.code, EXIT_USAGE);
    assert.match(missing.stderr, /--cwd ".*missing" is not a directory/);
    assert.equal(text("app.ts"), "const a = 10;\nconst b = 20;\n");
  });
});
