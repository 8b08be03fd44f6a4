import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { hearthPaths, unusableDirectory } from "./paths.ts";

describe("unusableDirectory", () => {
  const base = mkdtempSync(join(tmpdir(), "hearth-paths-"));

  it("creates the data and state directories and is null when both can be written", () => {
    const env = { XDG_DATA_HOME: join(base, "data"), XDG_STATE_HOME: join(base, "state") };
    assert.equal(unusableDirectory(hearthPaths(env, base), env), null);
    assert.ok(existsSync(join(base, "data", "hearth")));
    assert.ok(existsSync(join(base, "state", "hearth")));
  });

  it("names the directory, the reason and the variable to set (a path below a file fails for root too)", () => {
    const file = join(base, "file");
    writeFileSync(file, "");
    const env = { XDG_STATE_HOME: join(file, "x") };
    assert.equal(
      unusableDirectory(hearthPaths(env, join(base, "home")), env),
      `cannot use hearth's state directory ${join(file, "x", "hearth")} (ENOTDIR: a part of that path is a file, not a directory); ` +
        `XDG_STATE_HOME is ${join(file, "x")}: set it to a directory you can write, or fix that one`,
    );
    assert.equal(
      unusableDirectory(hearthPaths(env, join(base, "home")), env, ["data"]),
      null,
      "only the data dir",
    );
    const unset = {};
    const problem = unusableDirectory(hearthPaths(unset, file), unset);
    assert.match(problem ?? "", /^cannot use hearth's data directory .*XDG_DATA_HOME is not set: set it/);
  });
});
