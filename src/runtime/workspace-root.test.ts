import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runWorkspaceRoot } from "./workspace-root.ts";

describe("runWorkspaceRoot", () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "hearth-root-")));
  const home = join(base, "home", "me");
  const project = join(home, "project");
  mkdirSync(project, { recursive: true });

  it("refuses /, the home directory and a folder holding it, naming the flag", () => {
    assert.throws(
      () => runWorkspaceRoot("/", false, home),
      /the workspace would be \/ \(the whole file system\).*--allow-home-workspace/,
    );
    assert.throws(() => runWorkspaceRoot(home, false, home), /your home directory \(.*\/home\/me\)/);
    assert.throws(() => runWorkspaceRoot(join(base, "home"), false, home), /which holds your home directory/);
    // Through a symlinked or dotted path too: the real path decides.
    assert.throws(() => runWorkspaceRoot(join(project, ".."), false, home), /your home directory/);
  });

  it("takes a project folder, and / or home when the flag says so", () => {
    assert.equal(runWorkspaceRoot(project, false, home), project);
    assert.equal(runWorkspaceRoot(home, true, home), home);
    assert.equal(runWorkspaceRoot("/", true, home), "/");
  });
});
