import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  isEnvFileName,
  readProtectedReason,
  SECRET_STORES,
  secretStorePaths,
  secretStoreReason,
} from "./secret-paths.ts";

const HOME = join("/", "home", "u");

describe("secret paths", () => {
  it("secret stores below home, and nothing that only looks like one", () => {
    assert.equal(secretStoreReason(join(HOME, ".ssh", "id_rsa"), HOME), "ssh keys (~/.ssh/id_rsa)");
    assert.equal(secretStoreReason(join(HOME, ".ssh"), HOME), "ssh keys (~/.ssh)");
    assert.match(secretStoreReason(join(HOME, ".config", "gcloud", "x.json"), HOME) ?? "", /Google Cloud/);
    assert.equal(secretStoreReason(join(HOME, ".sshx"), HOME), null);
    assert.equal(secretStoreReason(join(HOME, "src", ".ssh", "id_rsa"), HOME), null);
    assert.equal(secretStoreReason(HOME, HOME), null);
    assert.equal(secretStorePaths(HOME).length, SECRET_STORES.length);
    assert.ok(secretStorePaths(HOME).includes(join(HOME, ".aws")));
  });

  it(".env files, not their committed examples", () => {
    for (const name of [".env", ".env.local", ".env.production"]) assert.ok(isEnvFileName(name), name);
    for (const name of [
      ".env.example",
      ".env.sample",
      ".env.template",
      ".env.dist",
      ".envrc",
      "env",
      "x.env",
    ]) {
      assert.ok(!isEnvFileName(name), name);
    }
  });

  it("hearth's config directory is read-protected, the default or the one given", () => {
    assert.match(
      readProtectedReason(join(HOME, ".config", "hearth", "keys.json"), { home: HOME }) ?? "",
      /hearth's own/,
    );
    const configDir = join("/", "cfg", "hearth");
    assert.match(
      readProtectedReason(join(configDir, "settings.json"), { home: HOME, configDir }) ?? "",
      /hearth's/,
    );
    assert.equal(readProtectedReason(join("/", "srv", "p", "README.md"), { home: HOME }), null);
  });
});
