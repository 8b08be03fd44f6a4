/**
 * grep, glob and ls against a folder (or a file) swapped for a symlink to `~/.ssh` right after it was checked:
 * after the path was resolved, or after the walk listed it and before it is opened. Nothing behind the link is
 * listed or read; ripgrep, which opens by path, is only used where it cannot be steered there.
 */
import assert from "node:assert/strict";
import { renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { findExecutable } from "../policy/find-executable.ts";
import { createWorkspace, type Workspace } from "../policy/workspace.ts";
import { createGlobTool } from "./glob.ts";
import { createGrepTool } from "./grep.ts";
import { createLsTool } from "./ls.ts";
import type { AnyTool } from "./tool.ts";

describe("searching a folder swapped for a symlink", () => {
  let base: string;
  let root: string;
  let secrets: string;
  let swapAfterResolve = false;
  let workspace: Workspace;
  const context = { signal: new AbortController().signal, callId: "t" };

  /** Moves `dir` away and puts a symlink to the secrets folder in its place. */
  function swapFolder(): void {
    renameSync(join(root, "dir"), join(root, "dir.moved"));
    symlinkSync(secrets, join(root, "dir"));
  }

  /** Puts a symlink to the secret key in place of `dir/id_ed25519`. */
  function swapFile(): void {
    renameSync(join(root, "dir", "id_ed25519"), join(root, "dir", "id_ed25519.moved"));
    symlinkSync(join(secrets, "id_ed25519"), join(root, "dir", "id_ed25519"));
  }

  /** The text of a result or of the error it threw. */
  async function run(tool: AnyTool, args: Record<string, unknown>): Promise<string> {
    try {
      return (await tool.execute(args, context)).content;
    } catch (error) {
      return (error as Error).message;
    }
  }

  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-search-swap-")));
    root = join(base, "ws");
    secrets = join(base, "home", ".ssh");
    await mkdir(join(root, "dir"), { recursive: true });
    await mkdir(secrets, { recursive: true });
    await writeFile(join(secrets, "id_ed25519"), "KEY PRIVATE-CANARY\n");
    await writeFile(join(secrets, "known_hosts_canary"), "KEY host\n");
    await writeFile(join(root, "dir", "id_ed25519"), "KEY harmless\n");
    const inner = createWorkspace({ root });
    workspace = {
      ...inner,
      async resolve(path, intent) {
        const real = await inner.resolve(path, intent);
        if (swapAfterResolve) {
          swapAfterResolve = false;
          swapFolder();
        }
        return real;
      },
    };
  });
  after(() => rm(base, { recursive: true, force: true }));

  const leaked = (text: string) => /PRIVATE-CANARY|known_hosts_canary/.test(text);

  it("grep: a folder swapped after the check is not searched", async () => {
    const grep = createGrepTool({ workspace, rgPath: null });
    swapAfterResolve = true;
    const text = await run(grep, { pattern: "KEY", path: "dir", output_mode: "content" });
    assert.ok(!leaked(text), text);
    assert.match(text, /symlink that appeared/);
  });

  it("grep: the folder of a file swapped after the check is not read through", async () => {
    const grep = createGrepTool({ workspace, rgPath: null });
    swapAfterResolve = true;
    const text = await run(grep, { pattern: "KEY", path: "dir/id_ed25519", output_mode: "content" });
    assert.ok(!leaked(text), text);
  });

  it("grep: a folder swapped after the walk listed it is skipped, not followed", async () => {
    // `hidden` is asked about each entry right after the listing and before it is opened: the worst moment.
    const hidden = (path: string) => {
      if (path === join(root, "dir")) swapFolder();
      return false;
    };
    const grep = createGrepTool({ workspace, rgPath: null, hidden });
    const text = await run(grep, { pattern: "KEY", output_mode: "content" });
    assert.ok(!leaked(text), text);
    assert.equal(text, "No matches found.");
  });

  it("grep: a file swapped for a symlink after the walk listed it is not read", async () => {
    const hidden = (path: string) => {
      if (path === join(root, "dir", "id_ed25519")) swapFile();
      return false;
    };
    const grep = createGrepTool({ workspace, rgPath: null, hidden });
    const text = await run(grep, { pattern: "KEY", output_mode: "content" });
    assert.ok(!leaked(text), text);
  });

  const rgPath = findExecutable("rg", process.env.PATH);
  const noRipgrep = rgPath === null ? "ripgrep is not installed" : false;

  it("ripgrep does not follow a symlink inside the tree, to a folder or a file", {
    skip: noRipgrep,
  }, async () => {
    symlinkSync(secrets, join(root, "link"));
    symlinkSync(join(secrets, "id_ed25519"), join(root, "dir", "key-link"));
    const grep = createGrepTool({ workspace, rgPath });
    for (const output_mode of ["content", "files_with_matches", "count"]) {
      const text = await run(grep, { pattern: "KEY", output_mode });
      assert.ok(!leaked(text) && !text.includes("link"), text);
      assert.match(text, /dir\/id_ed25519/);
    }
  });

  it("ripgrep: what it reads through a folder swapped after the check is dropped", {
    skip: noRipgrep,
  }, async () => {
    // ripgrep follows the path it is given: it does read the secret; its line is not the workspace's file.
    const grep = createGrepTool({ workspace, rgPath });
    for (const output_mode of ["content", "files_with_matches", "count"]) {
      swapAfterResolve = true;
      const text = await run(grep, { pattern: "KEY", path: "dir", output_mode });
      assert.ok(!leaked(text), `${output_mode}: ${text}`);
      assert.equal(text, "No matches found.");
      rmSync(join(root, "dir"));
      renameSync(join(root, "dir.moved"), join(root, "dir"));
    }
  });

  it("ripgrep: lines checked against the workspace's files are all kept", { skip: noRipgrep }, async () => {
    writeFileSync(join(root, "dir", "crlf.txt"), "KEY one\r\nnot\r\nKEY two\r\n");
    writeFileSync(join(root, "dir", "long.txt"), `KEY ${"é".repeat(400)}\nlone\rKEY\n`);
    const grep = createGrepTool({ workspace, rgPath });
    const text = await run(grep, { pattern: "KEY", output_mode: "content", context: 1 });
    assert.equal(
      text,
      [
        "dir/crlf.txt:1:KEY one",
        "dir/crlf.txt-2-not",
        "dir/crlf.txt:3:KEY two",
        "--",
        "dir/id_ed25519:1:KEY harmless",
        "--",
        `dir/long.txt:1:KEY ${"é".repeat(400)} [... omitted end of long line]`,
        "dir/long.txt:2:lone\rKEY",
      ].join("\n"),
    );
    const counted = await run(grep, { pattern: "KEY", output_mode: "count" });
    assert.equal(counted, "dir/crlf.txt:2\ndir/id_ed25519:1\ndir/long.txt:2");
  });

  it("glob: a folder swapped after the check is not listed", async () => {
    const glob = createGlobTool({ workspace });
    swapAfterResolve = true;
    const text = await run(glob, { pattern: "**/*", path: "dir" });
    assert.ok(!leaked(text), text);
  });

  it("glob: a folder swapped after the walk listed it is not listed", async () => {
    const hidden = (path: string) => {
      if (path === join(root, "dir")) swapFolder();
      return false;
    };
    const glob = createGlobTool({ workspace, hidden });
    const text = await run(glob, { pattern: "**/*" });
    assert.ok(!leaked(text), text);
  });

  it("ls: a folder swapped after the check is not listed", async () => {
    const ls = createLsTool({ workspace });
    swapAfterResolve = true;
    const text = await run(ls, { path: "dir" });
    assert.ok(!leaked(text), text);
    assert.match(text, /symlink that appeared/);
    assert.deepEqual(await readdir(secrets), ["id_ed25519", "known_hosts_canary"]);
  });
});
