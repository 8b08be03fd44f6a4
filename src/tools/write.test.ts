import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, realpath, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { createWorkspace } from "../policy/workspace.ts";
import { createFileState } from "./file-state.ts";
import { createReadTool } from "./read.ts";
import type { AnyTool, ToolResult } from "./tool.ts";
import { createWriteTool, type WriteDetails } from "./write.ts";

describe("write", () => {
  let root: string;
  let readTool: AnyTool;
  let writeTool: AnyTool;
  const context = () => ({ signal: new AbortController().signal, callId: "t" });
  const read = (path: string): Promise<ToolResult> => readTool.execute({ path }, context());
  const write = (path: string, content: string): Promise<ToolResult> =>
    writeTool.execute({ path, content }, context());

  beforeEach(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), "hearth-write-")));
    const workspace = createWorkspace({ root });
    const fileState = createFileState();
    readTool = createReadTool({ workspace, fileState });
    writeTool = createWriteTool({ workspace, fileState });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("creates a file and its parent directories", async () => {
    const result = await write("a/b/c/new.txt", "hello\nworld\n");
    assert.equal(result.content, "Created a/b/c/new.txt (2 lines, 12 bytes)");
    assert.equal((result.details as WriteDetails).created, true);
    assert.equal((result.details as WriteDetails).diff, undefined);
    assert.equal(await readFile(join(root, "a/b/c/new.txt"), "utf8"), "hello\nworld\n");
  });

  it("refuses to overwrite a file the model has not read", async () => {
    await writeFile(join(root, "existing.txt"), "original\n");
    await assert.rejects(
      write("existing.txt", "new\n"),
      /existing\.txt has not been read in this session; read it first/,
    );
    assert.equal(await readFile(join(root, "existing.txt"), "utf8"), "original\n");
  });

  it("overwrites a file after it was read", async () => {
    await writeFile(join(root, "existing.txt"), "original\n");
    await read("existing.txt");
    const result = await write("existing.txt", "new\n");
    assert.match(result.content, /^Overwrote existing\.txt/);
    assert.equal(await readFile(join(root, "existing.txt"), "utf8"), "new\n");
    assert.match(
      (result.details as WriteDetails).diff ?? "",
      /\n-original\n\+new$/,
      "what the replacement changed",
    );
    // Its own write counts as knowing the file.
    await write("existing.txt", "newer\n");
    assert.equal(await readFile(join(root, "existing.txt"), "utf8"), "newer\n");
  });

  it("refuses to overwrite a file that changed on disk after it was read", async () => {
    await writeFile(join(root, "moving.txt"), "v1\n");
    await read("moving.txt");
    await writeFile(join(root, "moving.txt"), "version 2 from the user\n");
    await assert.rejects(
      write("moving.txt", "model\n"),
      /moving\.txt changed on disk since you last read it; read it again/,
    );
    assert.equal(await readFile(join(root, "moving.txt"), "utf8"), "version 2 from the user\n");
    await read("moving.txt");
    await write("moving.txt", "model\n");
  });

  it("does not count a touch without a content change as a change", async () => {
    await writeFile(join(root, "touched.txt"), "same\n");
    await read("touched.txt");
    const later = new Date(Date.now() + 60_000);
    await utimes(join(root, "touched.txt"), later, later);
    await write("touched.txt", "changed by the model\n");
  });

  it("refuses a same-size change whose mtime was put back", async () => {
    const file = join(root, "sneaky.txt");
    await writeFile(file, "value = 1\n");
    const stamp = 1_700_000_000; // whole seconds, so putting it back is exact
    await utimes(file, stamp, stamp);
    await read("sneaky.txt");
    await writeFile(file, "value = 2\n");
    await utimes(file, stamp, stamp);
    await assert.rejects(write("sneaky.txt", "model\n"), /changed on disk since you last read it/);
    assert.equal(await readFile(file, "utf8"), "value = 2\n");
  });

  it("keeps an existing file's CRLF line endings and UTF-8 BOM", async () => {
    const file = join(root, "win.txt");
    await writeFile(file, "\uFEFFone\r\ntwo\r\n");
    await read("win.txt");
    await write("win.txt", "uno\ndos\ntres\n");
    assert.deepEqual(await readFile(file), Buffer.from("\uFEFFuno\r\ndos\r\ntres\r\n", "utf8"));
    // A new file is written exactly as sent.
    await write("fresh.txt", "a\nb\n");
    assert.deepEqual(await readFile(join(root, "fresh.txt")), Buffer.from("a\nb\n"));
  });

  it("refuses to write U+FFFD over a file that is not UTF-8 (the bytes read could not show)", async () => {
    const file = join(root, "latin.txt");
    const bytes = Buffer.from("caf\xe9\n", "latin1");
    await writeFile(file, bytes);
    await read("latin.txt");
    await assert.rejects(write("latin.txt", "caf\uFFFD!\n"), /latin\.txt is not UTF-8 text.*Use edit/);
    assert.deepEqual(await readFile(file), bytes);
  });

  it("does not create a folder named $HOME: the path expands, then confinement decides", async () => {
    await assert.rejects(write("$HOME/x.txt", "x"), /outside the workspace/);
    await assert.rejects(write("$FOO/x.txt", "x"), /starts with \$FOO, which hearth does not expand/);
    assert.deepEqual(await readdir(root), []);
  });

  it("refuses paths outside the workspace and directories", async () => {
    await assert.rejects(write("../escape.txt", "x"), /outside the workspace/);
    await write("dir/file.txt", "x");
    await assert.rejects(write("dir", "x"), /dir is a directory/);
  });
});
