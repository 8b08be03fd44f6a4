import assert from "node:assert/strict";
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { walk } from "./walk.ts";

async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

async function collect(dir: string, options: Parameters<typeof walk>[1] = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const path of walk(dir, options)) out.push(path);
  return out;
}

describe("walk", () => {
  let base: string;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-walk-")));
  });
  after(() => rm(base, { recursive: true, force: true }));

  it("honours root and nested .gitignore files, negation included, and skips .git", async () => {
    const root = join(base, "repo");
    await tree(root, {
      ".gitignore": "dist/\n*.log\n!keep.log\n",
      ".git/HEAD": "ref",
      "a.txt": "",
      "debug.log": "",
      "keep.log": "",
      "dist/out.js": "",
      "src/index.ts": "",
      "src/.gitignore": "generated.ts\n",
      "src/generated.ts": "",
      "src/deep/generated.ts": "",
      "src/deep/x.ts": "",
      "other/generated.ts": "",
      "node_modules/pkg/index.js": "",
    });
    assert.deepEqual(await collect(root), [
      ".gitignore",
      "a.txt",
      "keep.log",
      "node_modules/pkg/index.js",
      "other/generated.ts",
      "src/.gitignore",
      "src/deep/x.ts",
      "src/index.ts",
    ]);
  });

  it("applies .gitignore files above the start directory when given an ignore root", async () => {
    const root = join(base, "nested");
    await tree(root, { ".gitignore": "*.tmp\n", "sub/a.ts": "", "sub/b.tmp": "" });
    assert.deepEqual(await collect(join(root, "sub"), { ignoreRoot: root }), ["a.ts"]);
    assert.deepEqual(await collect(join(root, "sub")), ["a.ts", "b.tmp"]);
  });

  it("applies the start directory's own .gitignore when walking below an ignore root", async () => {
    const root = join(base, "own");
    await tree(root, {
      "sub/.gitignore": "gen.ts\n",
      "sub/gen.ts": "",
      "sub/deep/gen.ts": "",
      "sub/x.ts": "",
    });
    assert.deepEqual(await collect(join(root, "sub"), { ignoreRoot: root }), [".gitignore", "x.ts"]);
  });

  it("skips node_modules when there is no .gitignore", async () => {
    const root = join(base, "plain");
    await tree(root, { "index.js": "", "node_modules/x/index.js": "", "lib/node_modules/y.js": "" });
    assert.deepEqual(await collect(root), ["index.js"]);
  });

  it("does not follow symlinked directories", async () => {
    const root = join(base, "links");
    await tree(root, { "real/file.txt": "" });
    await symlink(join(root, "real"), join(root, "alias"));
    await symlink(base, join(root, "up"));
    assert.deepEqual(await collect(root), ["real/file.txt"]);
  });

  it("can list directories too", async () => {
    const root = join(base, "dirs");
    await tree(root, { "a/b/c.txt": "" });
    assert.deepEqual(await collect(root, { includeDirectories: true }), ["a/", "a/b/", "a/b/c.txt"]);
  });

  it("stops when the signal aborts", async () => {
    const root = join(base, "abort");
    await tree(root, { "a/1.txt": "", "b/2.txt": "" });
    const controller = new AbortController();
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const path of walk(root, { signal: controller.signal })) {
        seen.push(path);
        controller.abort();
      }
    }, /abort/i);
    assert.deepEqual(seen, ["a/1.txt"]);
  });
});
