import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createWorkspace } from "../policy/workspace.ts";
import { createFileState, type FileState } from "./file-state.ts";
import { createReadTool, type ReadDetails } from "./read.ts";
import type { AnyTool, ToolResult } from "./tool.ts";

describe("read", () => {
  let root: string;
  let tool: AnyTool;
  let fileState: FileState;
  const read = (args: Record<string, unknown>): Promise<ToolResult> =>
    tool.execute(args, { signal: new AbortController().signal, callId: "t" });

  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), "hearth-read-")));
    fileState = createFileState();
    tool = createReadTool({ workspace: createWorkspace({ root }), fileState });
    const ten = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n");
    await writeFile(join(root, "ten.txt"), `${ten}\n`);
    await writeFile(join(root, "many.txt"), `${Array.from({ length: 2500 }, () => "x").join("\n")}\n`);
    await writeFile(join(root, "long.txt"), `short\n${"y".repeat(3000)}\nend`);
    await writeFile(join(root, "crlf.txt"), "one\r\ntwo\r\n");
    await writeFile(join(root, "empty.txt"), "");
    await writeFile(join(root, "blob.bin"), Buffer.from([0x50, 0x4b, 0x00, 0x01, 0x02, 0x03]));
    await mkdir(join(root, "dir"));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("numbers lines like cat -n and records the file as read", async () => {
    const result = await read({ path: "ten.txt" });
    const lines = result.content.split("\n");
    assert.equal(lines.length, 10);
    assert.equal(lines[0], "     1\tline 1");
    assert.equal(lines[9], "    10\tline 10");
    assert.deepEqual(result.details as ReadDetails, {
      path: "ten.txt",
      startLine: 1,
      endLine: 10,
      totalLines: 10,
    });
    assert.deepEqual(await fileState.check(join(root, "ten.txt")), { status: "fresh" });
  });

  it("reads a range and says how to read on", async () => {
    const result = await read({ path: "ten.txt", offset: 3, limit: 2 });
    assert.equal(
      result.content,
      "     3\tline 3\n     4\tline 4\n\n(showing lines 3-4 of 10; read again with offset=5 to see more)",
    );
    const tail = await read({ path: "ten.txt", offset: 9 });
    assert.equal(tail.content, "     9\tline 9\n    10\tline 10");
  });

  it("reads 2000 lines by default", async () => {
    const result = await read({ path: "many.txt" });
    assert.match(result.content, /^ {5}1\tx\n/);
    assert.match(
      result.content,
      / {2}2000\tx\n\n\(showing lines 1-2000 of 2500; read again with offset=2001/,
    );
  });

  it("cuts very long lines with a marker", async () => {
    const result = await read({ path: "long.txt" });
    const lines = result.content.split("\n");
    assert.equal(lines[1], `     2\t${"y".repeat(2000)} [... line cut, 3000 chars in all]`);
    assert.equal(lines[2], "     3\tend");
  });

  it("shows CRLF files without carriage returns", async () => {
    assert.equal((await read({ path: "crlf.txt" })).content, "     1\tone\n     2\ttwo");
  });

  it("says when a file is empty", async () => {
    assert.match((await read({ path: "empty.txt" })).content, /empty/);
  });

  it("refuses binary files with their size", async () => {
    await assert.rejects(read({ path: "blob.bin" }), /binary file, 6 bytes/);
  });

  it("refuses directories and suggests ls", async () => {
    await assert.rejects(read({ path: "dir" }), /dir is a directory.*use ls/);
  });

  it("refuses a FIFO at once, without waiting for a writer", async () => {
    execFileSync("mkfifo", [join(root, "pipe")]);
    const started = Date.now();
    await assert.rejects(
      read({ path: "pipe" }),
      /^ToolError: pipe is a FIFO \(named pipe\), not a regular file; read only reads files/,
    );
    assert.ok(Date.now() - started < 1000);
  });

  it("refuses a socket with the same clear message", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(root, "sock"), resolve));
    try {
      await assert.rejects(read({ path: "sock" }), /sock is a socket, not a regular file/);
    } finally {
      server.close();
    }
  });

  it("names the missing file", async () => {
    await assert.rejects(read({ path: "nope/missing.txt" }), /file not found: nope\/missing\.txt/);
  });

  it("refuses an offset past the end", async () => {
    await assert.rejects(
      read({ path: "ten.txt", offset: 50 }),
      /offset 50 is past the end of ten\.txt, which has 10 lines/,
    );
  });

  it("refuses paths outside the workspace", async () => {
    await assert.rejects(read({ path: "../../etc/passwd" }), /outside the workspace/);
  });

  it("refuses a huge file without a range, and streams a range of it", async () => {
    const big = join(root, "big.txt");
    await writeFile(big, `first\nsecond\n${"z".repeat(1023)}\n`.repeat(11 * 1024));
    await assert.rejects(
      read({ path: "big.txt" }),
      /big\.txt is 12 MB, too big to read at once; pass offset and limit/,
    );
    const result = await read({ path: "big.txt", offset: 5, limit: 1 });
    assert.equal(
      result.content,
      "     5\tsecond\n\n(showing lines 5-5 of 33792; read again with offset=6 to see more)",
    );
  });
});
