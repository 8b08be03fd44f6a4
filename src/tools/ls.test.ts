import assert from "node:assert/strict";
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createWorkspace } from "../policy/workspace.ts";
import { createLsTool, type LsDetails } from "./ls.ts";
import type { AnyTool, ToolResult } from "./tool.ts";

describe("ls", () => {
  let root: string;
  let tool: AnyTool;
  const ls = (args: Record<string, unknown>): Promise<ToolResult> =>
    tool.execute(args, { signal: new AbortController().signal, callId: "t" });

  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), "hearth-ls-")));
    await mkdir(join(root, "src"));
    await mkdir(join(root, ".git"));
    await mkdir(join(root, "empty"));
    await writeFile(join(root, "b.txt"), "");
    await writeFile(join(root, "A.md"), "");
    await writeFile(join(root, "src", "index.ts"), "");
    await symlink("b.txt", join(root, "link"));
    await mkdir(join(root, "many"));
    for (let i = 0; i < 520; i++) await writeFile(join(root, "many", `f${String(i).padStart(3, "0")}`), "");
    tool = createLsTool({ workspace: createWorkspace({ root }) });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("lists entries sorted, directories with a trailing slash", async () => {
    const result = await ls({});
    assert.equal(result.content, ".git/\nA.md\nb.txt\nempty/\nlink -> b.txt\nmany/\nsrc/");
    assert.equal((await ls({ path: "src" })).content, "index.ts");
  });

  it("says when a directory is empty", async () => {
    assert.equal((await ls({ path: "empty" })).content, "(empty is empty)");
  });

  it("caps at 500 entries with a note", async () => {
    const result = await ls({ path: "many" });
    const lines = result.content.split("\n");
    assert.equal(lines.length, 502);
    assert.equal(lines[499], "f499");
    assert.match(lines[501], /showing the first 500 of 520 entries/);
    assert.equal((result.details as LsDetails).truncated, true);
  });

  it("errors on files, missing paths and paths outside", async () => {
    await assert.rejects(ls({ path: "b.txt" }), /b\.txt is a file, not a directory; use read/);
    await assert.rejects(ls({ path: "nope" }), /directory not found: nope/);
    await assert.rejects(ls({ path: "/" }), /outside the workspace/);
  });
});
