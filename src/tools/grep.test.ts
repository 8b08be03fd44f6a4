import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createWorkspace } from "../policy/workspace.ts";
import { createGrepTool, type GrepDetails } from "./grep.ts";
import type { AnyTool, ToolResult } from "./tool.ts";

async function tree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

function findRipgrep(): string | null {
  const found = spawnSync("which", ["rg"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : null;
}

const engines: Array<{ name: string; rgPath: string | null }> = [{ name: "built-in", rgPath: null }];
const ripgrep = findRipgrep();
if (ripgrep) engines.push({ name: "ripgrep", rgPath: ripgrep });

for (const engine of engines) {
  describe(`grep (${engine.name})`, () => {
    let base: string;
    let root: string;
    let tool: AnyTool;
    const grep = (
      args: Record<string, unknown>,
      signal = new AbortController().signal,
    ): Promise<ToolResult> => tool.execute(args, { signal, callId: "t" });

    before(async () => {
      base = await realpath(await mkdtemp(join(tmpdir(), "hearth-grep-")));
      root = join(base, "ws");
      await tree(root, {
        ".gitignore": "ignored/\n*.log\n",
        "src/a.ts": "const foo = 1;\nbar\nbaz\nqux\nfoo again\n",
        "src/b.ts": "nothing here\n",
        "src/c.py": "FOO = 2\n",
        "src/.gitignore": "gen.ts\n",
        "src/gen.ts": "foo generated\n",
        "ignored/x.ts": "foo\n",
        "debug.log": "foo\n",
        "blob.bin": Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from("foo\n")]),
        "notes.md": "a foo in the docs\n",
      });
      tool = createGrepTool({ workspace: createWorkspace({ root }), rgPath: engine.rgPath });
    });
    after(() => rm(base, { recursive: true, force: true }));

    it("lists matching files by default, skipping ignored and binary files", async () => {
      const result = await grep({ pattern: "foo" });
      assert.equal(result.content, "notes.md\nsrc/a.ts");
      assert.equal((result.details as GrepDetails).engine, engine.rgPath ? "ripgrep" : "builtin");
    });

    it("refuses a FIFO as the path at once, and walks past one in a folder", async () => {
      execFileSync("mkfifo", [join(root, "src", "pipe")]);
      try {
        const started = Date.now();
        await assert.rejects(
          grep({ pattern: "foo", path: "src/pipe" }),
          /src\/pipe is a FIFO \(named pipe\), not a regular file; grep searches files and folders/,
        );
        const walked = await grep({ pattern: "foo", path: "src" });
        assert.equal(walked.content, "src/a.ts");
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      } finally {
        await rm(join(root, "src", "pipe"));
      }
    });

    it("prints path:line:text in content mode", async () => {
      const result = await grep({ pattern: "fo+", output_mode: "content", path: "src" });
      assert.equal(result.content, "src/a.ts:1:const foo = 1;\nsrc/a.ts:5:foo again");
    });

    it("prints context lines with - and separates groups with --", async () => {
      const result = await grep({ pattern: "foo", output_mode: "content", path: "src/a.ts", context: 1 });
      assert.equal(
        result.content,
        "src/a.ts:1:const foo = 1;\nsrc/a.ts-2-bar\n--\nsrc/a.ts-4-qux\nsrc/a.ts:5:foo again",
      );
    });

    it("counts matching lines per file", async () => {
      const result = await grep({ pattern: "foo", output_mode: "count" });
      assert.equal(result.content, "notes.md:1\nsrc/a.ts:2");
    });

    it("ignores case when asked", async () => {
      const result = await grep({ pattern: "foo", ignore_case: true, path: "src" });
      assert.equal(result.content, "src/a.ts\nsrc/c.py");
    });

    it("filters by glob", async () => {
      assert.equal((await grep({ pattern: "foo", glob: "*.md" })).content, "notes.md");
      const globbed = await grep({ pattern: "o", glob: "src/*.ts" });
      assert.equal(globbed.content, "src/a.ts\nsrc/b.ts", "a glob never brings back a gitignored file");
      // ripgrep's --glob would override .gitignore, so globbed searches use the built-in engine.
      assert.equal((globbed.details as GrepDetails).engine, "builtin");
    });

    it("caps results at head_limit with a note", async () => {
      const result = await grep({ pattern: "foo", output_mode: "content", head_limit: 1, path: "src" });
      assert.match(
        result.content,
        /^src\/a\.ts:1:const foo = 1;\n\n\(showing the first 1 lines; there are more/,
      );
      assert.equal((result.details as GrepDetails).truncated, true);
    });

    it("says when nothing matches", async () => {
      assert.equal((await grep({ pattern: "zebra" })).content, "No matches found.");
    });

    it("refuses paths outside the workspace", async () => {
      await assert.rejects(grep({ pattern: "x", path: ".." }), /outside the workspace/);
    });

    it("skips node_modules when there is no .gitignore", async () => {
      const plain = join(base, "plain");
      await tree(plain, { "index.js": "needle\n", "node_modules/dep/index.js": "needle\n" });
      const plainTool = createGrepTool({
        workspace: createWorkspace({ root: plain }),
        rgPath: engine.rgPath,
      });
      const result = await plainTool.execute(
        { pattern: "needle" },
        { signal: new AbortController().signal, callId: "t" },
      );
      assert.equal(result.content, "index.js");
    });

    if (engine.rgPath === null) {
      it("reports an invalid regular expression", async () => {
        await assert.rejects(grep({ pattern: "(" }), /invalid regular expression/);
      });

      it("skips files over 2 MB", async () => {
        await writeFile(join(root, "huge.txt"), `${"a".repeat(2 * 1024 * 1024)}\nunique-needle\n`);
        assert.equal((await grep({ pattern: "unique-needle" })).content, "No matches found.");
        await rm(join(root, "huge.txt"));
      });

      it("stops when the signal aborts", async () => {
        const controller = new AbortController();
        controller.abort();
        await assert.rejects(grep({ pattern: "foo" }, controller.signal), /abort/i);
      });
    }
  });
}
