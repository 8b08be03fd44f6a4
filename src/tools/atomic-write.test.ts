/**
 * write and edit replace a file atomically: on a real full disk (a 64 KB tmpfs, mounted when this runs as root)
 * the original stays byte for byte and no temp file is left; the new file keeps the old one's mode and owner;
 * temp files a killed write left behind are cleared by the next write of the file.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmod,
  chown,
  lutimes,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createWorkspace } from "../policy/workspace.ts";
import { createEditTool } from "./edit.ts";
import { createFileState } from "./file-state.ts";
import { createReadTool } from "./read.ts";
import type { AnyTool } from "./tool.ts";
import { createWriteTool } from "./write.ts";

function toolsFor(root: string) {
  const workspace = createWorkspace({ root });
  const fileState = createFileState();
  const context = { signal: new AbortController().signal, callId: "t" };
  const run = (tool: AnyTool, args: Record<string, unknown>) => tool.execute(args, context);
  const read = createReadTool({ workspace, fileState });
  const write = createWriteTool({ workspace, fileState });
  const edit = createEditTool({ workspace, fileState });
  return {
    read: (path: string) => run(read, { path }),
    write: (path: string, content: string) => run(write, { path, content }),
    edit: (path: string, old_string: string, new_string: string) =>
      run(edit, { path, old_string, new_string }),
  };
}

/** A tiny tmpfs, or the reason there is none. */
function mountSmallDisk(dir: string): string | null {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "pipe" });
    return null;
  } catch (error) {
    return `cannot mount a small tmpfs here (${String((error as Error).message).split("\n")[0]}); needs root`;
  }
}

describe("atomic replacement on a full disk", () => {
  let disk: string;
  let skip: string | null;

  before(async () => {
    disk = await realpath(await mkdtemp(join(tmpdir(), "hearth-full-")));
    skip = mountSmallDisk(disk);
  });
  after(async () => {
    if (!skip) execFileSync("umount", [disk]);
    await rm(disk, { recursive: true, force: true });
  });

  it("write: ENOSPC leaves the original byte for byte and no temp file", async (t) => {
    if (skip) return t.skip(skip);
    const original = `${"the user's work\n".repeat(1000)}`; // 16 KB of a 64 KB disk
    await writeFile(join(disk, "work.txt"), original);
    const tools = toolsFor(disk);
    await tools.read("work.txt");
    await assert.rejects(
      tools.write("work.txt", "x".repeat(200_000)),
      /work\.txt was not changed: the disk is full/,
    );
    assert.equal(await readFile(join(disk, "work.txt"), "utf8"), original);
    assert.deepEqual(await readdir(disk), ["work.txt"]);
    // Space again: the same write goes through.
    await assert.doesNotReject(tools.write("work.txt", "small\n"));
    assert.equal(await readFile(join(disk, "work.txt"), "utf8"), "small\n");
  });

  it("edit: ENOSPC leaves the original byte for byte and no temp file", async (t) => {
    if (skip) return t.skip(skip);
    const original = `head\n${"line of text\n".repeat(2000)}tail\n`; // 24 KB
    await writeFile(join(disk, "edit.txt"), original);
    await rm(join(disk, "work.txt"), { force: true });
    const tools = toolsFor(disk);
    await tools.read("edit.txt");
    // The new copy does not fit beside the old one.
    await assert.rejects(
      tools.edit("edit.txt", "head", "x".repeat(40_000)),
      /edit\.txt was not changed: the disk is full/,
    );
    assert.equal(await readFile(join(disk, "edit.txt"), "utf8"), original);
    assert.deepEqual(await readdir(disk), ["edit.txt"]);
  });
});

describe("atomic replacement keeps the file's mode and owner", () => {
  let root: string;
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), "hearth-mode-")));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("an overwritten or edited file keeps its mode (and, as root, its owner)", async () => {
    const file = join(root, "script.sh");
    await writeFile(file, "#!/bin/sh\necho one\n");
    await chmod(file, 0o750);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await chown(file, 1234, 2345);
    const tools = toolsFor(root);
    await tools.read("script.sh");
    await tools.edit("script.sh", "one", "two");
    let info = await stat(file);
    assert.equal(info.mode & 0o7777, 0o750);
    await tools.write("script.sh", "#!/bin/sh\necho three\n");
    info = await stat(file);
    assert.equal(info.mode & 0o7777, 0o750);
    if (asRoot) assert.deepEqual([info.uid, info.gid], [1234, 2345]);
    assert.equal(await readFile(file, "utf8"), "#!/bin/sh\necho three\n");
    assert.deepEqual(await readdir(root), ["script.sh"], "no temp file left");
  });

  it("a new file gets the usual mode, not the temp file's owner-only one", async () => {
    const tools = toolsFor(root);
    await tools.write("new.txt", "hello\n");
    const umask = process.umask();
    assert.equal((await stat(join(root, "new.txt"))).mode & 0o777, 0o666 & ~umask);
  });
});

describe("temp files left by a write killed halfway", () => {
  let root: string;
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), "hearth-stale-")));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("the next write or edit of the file removes its own stale ones, and nothing else", async () => {
    const old = new Date(Date.now() - 2 * 60_000);
    const aged = async (name: string, content = "half a file") => {
      await writeFile(join(root, name), content);
      await utimes(join(root, name), old, old);
    };
    await writeFile(join(root, "notes.txt"), "notes\n");
    await aged(".notes.txt.hearth-1a2b3c4d5e.tmp"); // a killed write: removed
    await aged(".notes.txt.hearth-zz99.tmp"); // another: removed
    await writeFile(join(root, ".notes.txt.hearth-fresh1.tmp"), "a write under way"); // too new: kept
    await aged(".notes.txt.hearth-1a2b.tmp.bak"); // not the pattern: kept
    await aged(".notes.txt.hearth-UPPER.tmp"); // not the pattern: kept
    await aged(".other.txt.hearth-1a2b3c.tmp"); // another file's: kept
    await aged("notes.txt.hearth-1a2b3c.tmp"); // no leading dot: kept
    await mkdir(join(root, ".notes.txt.hearth-dir.tmp")); // a folder: kept
    await symlink("notes.txt", join(root, ".notes.txt.hearth-link.tmp")); // a symlink: kept
    await lutimes(join(root, ".notes.txt.hearth-link.tmp"), old, old);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      await aged(".notes.txt.hearth-theirs.tmp"); // someone else's: kept
      await chown(join(root, ".notes.txt.hearth-theirs.tmp"), 1234, 1234);
    }
    const kept = [
      ".notes.txt.hearth-1a2b.tmp.bak",
      ".notes.txt.hearth-UPPER.tmp",
      ".notes.txt.hearth-dir.tmp",
      ".notes.txt.hearth-fresh1.tmp",
      ".notes.txt.hearth-link.tmp",
      ...(asRoot ? [".notes.txt.hearth-theirs.tmp"] : []),
      ".other.txt.hearth-1a2b3c.tmp",
      "notes.txt",
      "notes.txt.hearth-1a2b3c.tmp",
    ];
    const tools = toolsFor(root);
    await tools.read("notes.txt");
    await tools.edit("notes.txt", "notes", "more notes");
    assert.deepEqual((await readdir(root)).sort(), kept);
    await aged(".notes.txt.hearth-again1.tmp");
    await tools.write("notes.txt", "rewritten\n");
    assert.deepEqual((await readdir(root)).sort(), kept);
    assert.equal(await readFile(join(root, "notes.txt"), "utf8"), "rewritten\n");
  });
});
