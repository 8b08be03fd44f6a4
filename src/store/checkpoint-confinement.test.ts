/**
 * Checkpoints and undo against a folder swapped for a symlink to `~/.ssh` right after the check: the copy saved
 * before a write never holds a file from outside, and undo writes, deletes and reads nothing there. A restore
 * that cannot complete (a full disk) leaves the file as it was.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { readConfinedFileSync } from "../policy/open-confined.ts";
import { createWorkspace } from "../policy/workspace.ts";
import { CONFINED_UNDO_FILES } from "../runtime/session-undo.ts";
import { createFileState } from "../tools/file-state.ts";
import { createReadTool } from "../tools/read.ts";
import type { AnyTool } from "../tools/tool.ts";
import { createWriteTool } from "../tools/write.ts";
import { performUndo, planUndo, type UndoFiles } from "./checkpoint-undo.ts";
import {
  checkpointsDir,
  createCheckpoints,
  loadManifest,
  MANIFEST_NAME,
  type Manifest,
} from "./checkpoints.ts";

describe("checkpoints and undo against a folder swapped for a symlink", () => {
  let base: string;
  let root: string;
  let secrets: string;
  let dataDir: string;
  const secretFiles = () =>
    Object.fromEntries(readdirSync(secrets).map((name) => [name, readFileSync(join(secrets, name), "utf8")]));
  const originalSecrets = {
    authorized_keys: "ssh-ed25519 AAAA user\n",
    id_ed25519: "PRIVATE KEY\n",
    "new.txt": "the user's own file outside the workspace\n",
  };

  /** Moves `dir` away and puts a symlink to the secrets folder in its place. */
  function swap(): void {
    renameSync(join(root, "dir"), join(root, "dir.moved"));
    symlinkSync(secrets, join(root, "dir"));
  }

  /** A run of hearth: the real read and write tools, checkpointed; `beforeCheckpoint` runs first. */
  function session(beforeCheckpoint: () => void = () => {}) {
    const problems: string[] = [];
    const workspace = createWorkspace({ root });
    const checkpoints = createCheckpoints({
      dir: checkpointsDir(dataDir, "s1"),
      sessionId: "s1",
      cwd: root,
      rootOf: (path) => workspace.rootOf(path, "write"),
      read: readConfinedFileSync,
      onProblem: (message) => problems.push(message),
    });
    const fileState = createFileState();
    const beforeWrite = (path: string) => {
      beforeCheckpoint();
      checkpoints.beforeWrite(path);
    };
    const context = { signal: new AbortController().signal, callId: "t" };
    const run = (tool: AnyTool, args: Record<string, unknown>) => tool.execute(args, context);
    const read = createReadTool({ workspace, fileState });
    const write = createWriteTool({ workspace, fileState, beforeWrite });
    return {
      problems,
      checkpoints,
      write: async (path: string, content: string) => {
        if (existsSync(join(root, path))) await run(read, { path });
        await run(write, { path, content });
      },
    };
  }

  const manifest = (): Manifest => {
    const loaded = loadManifest(join(checkpointsDir(dataDir, "s1"), MANIFEST_NAME));
    assert.ok("manifest" in loaded);
    return loaded.manifest;
  };
  const storedBlobs = () => {
    const blobs = join(checkpointsDir(dataDir, "s1"), "blobs");
    return existsSync(blobs) ? readdirSync(blobs).map((name) => readFileSync(join(blobs, name), "utf8")) : [];
  };

  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "hearth-cp-swap-")));
    root = join(base, "ws");
    secrets = join(base, "home", ".ssh");
    dataDir = join(base, "data");
    mkdirSync(join(root, "dir"), { recursive: true });
    mkdirSync(secrets, { recursive: true });
    for (const [name, text] of Object.entries(originalSecrets)) writeFileSync(join(secrets, name), text);
    writeFileSync(join(root, "dir", "id_ed25519"), "harmless\n");
    writeFileSync(join(root, "dir", "authorized_keys"), "harmless\n");
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("the copy saved before a write is never the secret behind the swapped folder", async () => {
    const run = session(swap);
    run.checkpoints.beginTurn(1);
    await run.write("dir/id_ed25519", "overwritten\n");
    run.checkpoints.endTurn();
    assert.deepEqual(
      storedBlobs().filter((text) => text.includes("PRIVATE KEY")),
      [],
      "the secret was copied into the checkpoint store",
    );
    assert.match(run.problems[0] ?? "", /cannot save a checkpoint of .*id_ed25519 .*symlink that appeared/);
  });

  it("what a turn left is not read through a folder swapped before the turn ends", async () => {
    const run = session();
    run.checkpoints.beginTurn(1);
    await run.write("dir/id_ed25519", "overwritten\n");
    swap();
    run.checkpoints.endTurn();
    assert.deepEqual(
      storedBlobs().filter((text) => text.includes("PRIVATE KEY")),
      [],
      "the secret was copied into the checkpoint store",
    );
    assert.equal(manifest().entries.filter((entry) => entry.type === "after").length, 0);
  });

  /** Turn 1 changes dir/authorized_keys and creates dir/new.txt; undo is planned with the real folder. */
  async function planned() {
    const run = session();
    run.checkpoints.beginTurn(1);
    await run.write("dir/authorized_keys", "changed by the turn\n");
    await run.write("dir/new.txt", "made by the turn\n");
    run.checkpoints.endTurn();
    const plan = planUndo(manifest(), readConfinedFileSync);
    assert.ok("plan" in plan);
    assert.deepEqual(plan.plan.conflicts, []);
    return plan.plan;
  }

  it("undo writes and deletes nothing behind a folder swapped after it was planned", async () => {
    const plan = await planned();
    swap();
    const done = await performUndo(manifest(), plan, CONFINED_UNDO_FILES);
    assert.match(done.problem ?? "", /cannot restore .*authorized_keys: .*symlink that appeared/);
    assert.deepEqual(secretFiles(), originalSecrets);
    assert.equal(readFileSync(join(root, "dir.moved", "authorized_keys"), "utf8"), "changed by the turn\n");
  });

  it("undo restores nothing there when the folder is swapped right after the file was checked", async () => {
    const plan = await planned();
    // Each file is read (checked) first and then replaced or deleted: the swap comes in between.
    let swapped = 0;
    const racing: UndoFiles = {
      ...CONFINED_UNDO_FILES,
      read(at, path) {
        const current = CONFINED_UNDO_FILES.read(at, path);
        if (swapped++ === 0) swap();
        return current;
      },
    };
    const done = await performUndo(manifest(), plan, racing);
    assert.match(done.problem ?? "", /symlink that appeared/);
    assert.deepEqual(secretFiles(), originalSecrets);
    // The same with the delete: the folder back, swapped between the check of new.txt and its removal.
    rmSync(join(root, "dir"));
    renameSync(join(root, "dir.moved"), join(root, "dir"));
    swapped = 0;
    const deleting = await performUndo(manifest(), { ...plan, restores: plan.restores.slice(1) }, racing);
    assert.match(deleting.problem ?? "", /cannot restore .*new\.txt: .*symlink that appeared/);
    assert.deepEqual(secretFiles(), originalSecrets);
    assert.equal(readFileSync(join(root, "dir.moved", "new.txt"), "utf8"), "made by the turn\n");
  });

  it("undo reads nothing behind the swapped folder when it plans", async () => {
    await planned();
    swap();
    const plan = planUndo(manifest(), readConfinedFileSync);
    assert.ok("problem" in plan);
    assert.match(plan.problem, /cannot check .*: .*symlink that appeared/);
    assert.doesNotMatch(plan.problem, /PRIVATE|ssh-ed25519/);
  });

  it("undo on a full disk leaves the file as it was and no temp file", async (t) => {
    const disk = join(base, "disk");
    mkdirSync(disk);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk], { stdio: "pipe" });
    } catch {
      return t.skip("cannot mount a small tmpfs here; needs root");
    }
    try {
      root = disk;
      mkdirSync(join(root, "dir"));
      writeFileSync(join(root, "dir", "big.txt"), "the user's work\n".repeat(2000)); // 32 KB of 64 KB
      const run = session();
      run.checkpoints.beginTurn(1);
      await run.write("dir/big.txt", "small\n");
      run.checkpoints.endTurn();
      writeFileSync(join(root, "filler"), "x".repeat(40_000)); // the old 32 KB no longer fits
      const undo = planUndo(manifest(), readConfinedFileSync);
      assert.ok("plan" in undo);
      const done = await performUndo(manifest(), undo.plan, CONFINED_UNDO_FILES);
      assert.match(done.problem ?? "", /cannot restore .*big\.txt: ENOSPC/);
      assert.equal(readFileSync(join(root, "dir", "big.txt"), "utf8"), "small\n");
      assert.deepEqual(readdirSync(join(root, "dir")), ["big.txt"], "no temp file left");
    } finally {
      execFileSync("umount", [disk]);
    }
  });
});
