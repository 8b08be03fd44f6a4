import assert from "node:assert/strict";
import { mkdir, mkdtemp, realpath, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createWorkspace } from "../policy/workspace.ts";
import { createGlobTool, type GlobDetails } from "./glob.ts";
import type { AnyTool, ToolResult } from "./tool.ts";

describe("glob", () => {
  let base: string;
  let root: string;
  let tool: AnyTool;
  const glob = (args: Record<string, unknown>): Promise<ToolResult> =>
    tool.execute(args, { signal: new AbortController().signal, callId: "t" });

  /** Writes files with mtimes one minute apart, in the order given (last is newest). */
  async function tree(dir: string, files: string[]): Promise<void> {
    const start = Date.now() / 1000 - 3600;
    for (const [index, path] of files.entries()) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), path);
      await utimes(join(dir, path), start + index * 60, start + index * 60);
    }
  }

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-glob-")));
    root = join(base, "ws");
    await tree(root, [
      ".gitignore",
      "src/old.ts",
      "src/lib/deep.ts",
      "README.md",
      "build/out.ts",
      "src/new.ts",
      "src/style.css",
    ]);
    await writeFile(join(root, ".gitignore"), "build/\n");
    tool = createGlobTool({ workspace: createWorkspace({ root }) });
  });
  after(() => rm(base, { recursive: true, force: true }));

  it("finds files recursively, newest first, skipping ignored ones", async () => {
    const result = await glob({ pattern: "**/*.ts" });
    assert.equal(result.content, "src/new.ts\nsrc/lib/deep.ts\nsrc/old.ts");
  });

  it("matches one directory level without **", async () => {
    assert.equal((await glob({ pattern: "src/*.ts" })).content, "src/new.ts\nsrc/old.ts");
    assert.equal((await glob({ pattern: "*.md" })).content, "README.md");
  });

  it("searches below path and prints workspace-relative paths", async () => {
    assert.equal((await glob({ pattern: "*.ts", path: "src/lib" })).content, "src/lib/deep.ts");
    assert.equal(
      (await glob({ pattern: "{*.css,lib/*.ts}", path: "src" })).content,
      "src/style.css\nsrc/lib/deep.ts",
    );
  });

  it("says when nothing matches", async () => {
    assert.equal((await glob({ pattern: "**/*.rs" })).content, "No files match **/*.rs.");
    assert.equal((await glob({ pattern: "nowhere/**/*.ts" })).content, "No files match nowhere/**/*.ts.");
  });

  it("refuses paths outside the workspace and files as path", async () => {
    await assert.rejects(glob({ pattern: "*", path: ".." }), /outside the workspace/);
    await assert.rejects(glob({ pattern: "../**/*.ts" }), /cannot go up/);
    await assert.rejects(glob({ pattern: "*", path: "README.md" }), /is a file/);
  });

  it("caps results at 200 with a note", async () => {
    const many = join(base, "many");
    await mkdir(many);
    for (let i = 0; i < 250; i++) await writeFile(join(many, `f${String(i).padStart(3, "0")}.txt`), "");
    const manyTool = createGlobTool({ workspace: createWorkspace({ root: many }) });
    const result = await manyTool.execute(
      { pattern: "*.txt" },
      { signal: new AbortController().signal, callId: "t" },
    );
    const lines = result.content.split("\n");
    assert.equal(lines.length, 202);
    assert.equal(lines[201], "(showing the 200 newest of 250 matches; narrow the pattern or path)");
    assert.deepEqual(result.details as GlobDetails, { matches: 250, shown: 200, truncated: true });
  });
});
