import assert from "node:assert/strict";
import { link, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ToolError } from "../protocol/tool-error.ts";
import { createWorkspace, isInside, type Workspace } from "./workspace.ts";

/** Shell variables in braces, spelled so that they are not template placeholders. */
const BRACED_HOME = ["$", "{HOME}"].join("");
const BRACED_XDG = ["$", "{XDG_CONFIG_HOME}"].join("");

describe("workspace", () => {
  let base: string;
  let root: string;
  let outside: string;
  let workspace: Workspace;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-ws-")));
    root = join(base, "ws");
    outside = join(base, "outside");
    await mkdir(join(root, "sub"), { recursive: true });
    await mkdir(join(base, "ws2"));
    await mkdir(outside);
    await writeFile(join(root, "file.txt"), "inside\n");
    await writeFile(join(outside, "secret.txt"), "secret\n");
    await symlink(outside, join(root, "link-dir"));
    await symlink(join(outside, "secret.txt"), join(root, "link-file"));
    await symlink(join(outside, "not-yet.txt"), join(root, "dangling"));
    await symlink(join(root, "file.txt"), join(root, "inner-link"));
    workspace = createWorkspace({ root });
  });
  after(() => rm(base, { recursive: true, force: true }));

  async function refused(path: string, intent: "read" | "write", pattern: RegExp) {
    await assert.rejects(workspace.resolve(path, intent), (error: unknown) => {
      assert.ok(error instanceof ToolError, "a ToolError");
      assert.match(error.message, pattern);
      return true;
    });
  }

  it("resolves relative, absolute and `..`-normalised paths inside the root", async () => {
    assert.equal(workspace.root, root);
    assert.equal(await workspace.resolve(".", "read"), root);
    assert.equal(await workspace.resolve("file.txt", "read"), join(root, "file.txt"));
    assert.equal(await workspace.resolve("sub/../file.txt", "write"), join(root, "file.txt"));
    assert.equal(await workspace.resolve(join(root, "sub"), "read"), join(root, "sub"));
  });

  it("refuses `..` escapes and says which path and which workspace", async () => {
    await refused(
      "../outside/secret.txt",
      "read",
      /path "\.\.\/outside\/secret\.txt" is outside the workspace/,
    );
    await refused("..", "read", new RegExp(`outside the workspace \\(${root}\\); use a path inside it`));
    await refused("sub/../../outside/secret.txt", "write", /outside the workspace/);
  });

  it("refuses absolute paths outside", async () => {
    await refused(join(outside, "secret.txt"), "read", /outside the workspace/);
    await refused("/etc/passwd", "read", /outside the workspace/);
  });

  it("refuses symlinks that point outside, for read and for write", async () => {
    for (const intent of ["read", "write"] as const) {
      await refused(
        "link-file",
        intent,
        /resolves to .*secret\.txt.*outside the workspace|outside the workspace/,
      );
      await refused("link-dir/secret.txt", intent, /outside the workspace/);
      await refused("link-dir/new.txt", intent, /outside the workspace/);
      await refused("dangling", intent, /outside the workspace/);
    }
  });

  it("follows symlinks that stay inside to their real path", async () => {
    assert.equal(await workspace.resolve("inner-link", "write"), join(root, "file.txt"));
  });

  it("resolves a not-yet-existing nested path inside the root", async () => {
    assert.equal(await workspace.resolve("a/b/c/new.txt", "write"), join(root, "a", "b", "c", "new.txt"));
    assert.equal(await workspace.resolve("sub/x/../y.txt", "write"), join(root, "sub", "y.txt"));
  });

  it("does not mistake a sibling with the same prefix for the root", async () => {
    await refused(join(base, "ws2", "x.txt"), "write", /outside the workspace/);
    await refused("../ws2/x.txt", "read", /outside the workspace/);
    assert.equal(isInside(join(base, "ws2"), root), false);
    assert.equal(isInside(join(root, "x"), root), true);
    assert.equal(isInside(root, root), true);
  });

  it("allows extra roots and read-only roots (read only)", async () => {
    const readOnly = join(base, "ro");
    await mkdir(readOnly);
    const wide = createWorkspace({ root, extraRoots: [outside], readOnlyRoots: [readOnly] });
    assert.equal(await wide.resolve(join(outside, "secret.txt"), "write"), join(outside, "secret.txt"));
    assert.equal(await wide.resolve(join(readOnly, "log.txt"), "read"), join(readOnly, "log.txt"));
    await assert.rejects(wide.resolve(join(readOnly, "log.txt"), "write"), /read-only/);
    await assert.rejects(wide.resolve(join(base, "ws2"), "read"), /outside the workspace/);
  });

  it("expands ~ to the home directory", async () => {
    const home = await realpath(homedir());
    const withHome = createWorkspace({ root, extraRoots: [home] });
    assert.equal(await withHome.resolve("~", "read"), home);
    await refused("~", "read", /outside the workspace/);
  });

  it("expands a leading $HOME and its braced form like ~, then confines", async () => {
    const home = await realpath(homedir());
    const withHome = createWorkspace({ root, extraRoots: [home] });
    assert.equal(await withHome.resolve("$HOME", "read"), home);
    assert.equal(await withHome.resolve("$HOME/x.txt", "write"), join(home, "x.txt"));
    assert.equal(await withHome.resolve(`${BRACED_HOME}/x.txt`, "write"), join(home, "x.txt"));
    await refused("$HOME/x.txt", "write", /outside the workspace/);
    await refused(`${BRACED_HOME}/.bashrc`, "write", /outside the workspace/);
  });

  it("refuses other leading variables and ~user instead of taking them literally", async () => {
    await refused(
      "$FOO/x.txt",
      "write",
      /starts with \$FOO, which hearth does not expand \(only ~ and \$HOME/,
    );
    await refused(`${BRACED_XDG}/x`, "write", /starts with \$\{XDG_CONFIG_HOME\}/);
    await refused("$HOME.bak/x", "write", /starts with \$HOME\.bak/);
    await refused("~root/.bashrc", "read", /starts with ~root/);
    // Not leading, or not a variable: an ordinary name.
    assert.equal(await workspace.resolve("sub/$FOO", "write"), join(root, "sub", "$FOO"));
    assert.equal(await workspace.resolve("$5.txt", "write"), join(root, "$5.txt"));
  });

  it("shows paths relative to the root, absolute elsewhere", () => {
    assert.equal(workspace.display(join(root, "sub", "a.txt")), "sub/a.txt");
    assert.equal(workspace.display(root), ".");
    assert.equal(workspace.display(join(outside, "secret.txt")), join(outside, "secret.txt"));
  });

  it("refuses empty paths", async () => {
    await refused("", "read", /empty/);
  });
});

describe("hard links", () => {
  it("refuses to write through a file hard-linked to one outside the workspace; reading is fine", async () => {
    const base = await realpath(await mkdtemp(join(tmpdir(), "hearth-hardlink-")));
    const ws = join(base, "ws");
    await mkdir(ws);
    await writeFile(join(base, "outside.txt"), "secret\n");
    await link(join(base, "outside.txt"), join(ws, "inside.txt"));
    const workspace = createWorkspace({ root: ws });
    assert.equal(await workspace.resolve("inside.txt", "read"), join(ws, "inside.txt"));
    await assert.rejects(workspace.resolve("inside.txt", "write"), /hard link shared with 1 other path/);
    assert.equal(await readFile(join(base, "outside.txt"), "utf8"), "secret\n");
  });
});
