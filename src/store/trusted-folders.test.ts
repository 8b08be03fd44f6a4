import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  isTrustedFolder,
  layerFingerprints,
  readTrustedFolders,
  trustedFoldersPath,
  trustingFolder,
  writeTrustedFolders,
} from "./trusted-folders.ts";

describe("trusted folders", () => {
  let base: string;
  let file: string;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-trust-")));
    file = trustedFoldersPath({ XDG_CONFIG_HOME: join(base, "config") });
  });
  after(() => rm(base, { recursive: true, force: true }));

  it("lives in $XDG_CONFIG_HOME/hearth, else ~/.config/hearth", () => {
    assert.equal(file, join(base, "config", "hearth", "trusted-folders.json"));
    assert.equal(
      trustedFoldersPath({}, "/home/u"),
      join("/home/u", ".config", "hearth", "trusted-folders.json"),
    );
  });

  it("a missing file is an empty list", () => {
    assert.deepEqual(readTrustedFolders(join(base, "nope", "trusted-folders.json")), {
      folders: [],
      files: {},
    });
  });

  it("round-trips, with mode 0600, through a temp file and a rename", async () => {
    assert.equal(writeTrustedFolders(file, { folders: ["/a/b", "/c"] }), null);
    assert.deepEqual(readTrustedFolders(file), { folders: ["/a/b", "/c"], files: {} });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const before = (await stat(file)).ino;
    assert.equal(writeTrustedFolders(file, { folders: ["/c"] }), null);
    // A rename puts a new file in place; writing in place would keep the inode.
    assert.notEqual((await stat(file)).ino, before);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(base, "config", "hearth")), ["trusted-folders.json"]);
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), { folders: ["/c"] });
  });

  it("a failed write is reported, leaves no temp file and does not throw", async () => {
    const dir = join(base, "blocked");
    const target = join(dir, "trusted-folders.json");
    await mkdir(target, { recursive: true }); // a directory where the file should be: rename fails
    const problem = writeTrustedFolders(target, { folders: ["/x"] });
    assert.match(problem ?? "", /trusted-folders\.json: cannot write: E/);
    assert.deepEqual(await readdir(dir), ["trusted-folders.json"]);
  });

  it("a corrupt file is reported, not thrown, and trusts nothing", async () => {
    const bad = join(base, "bad.json");
    for (const text of ["{not json", '{"folders": "x"}', '{"folders": ["relative/path"]}', "[]"]) {
      await writeFile(bad, text);
      const list = readTrustedFolders(bad);
      assert.deepEqual(list.folders, []);
      assert.match(list.problem ?? "", /bad\.json: (invalid JSON|expected)/, text);
      assert.deepEqual(isTrustedFolder(bad, "/a"), { trusted: false, problem: list.problem });
    }
  });

  it("trust is bound to the project files' content: a change, a new file or an unrecorded one untrusts", async () => {
    const proj = join(base, "bound");
    const settings = join(proj, ".hearth", "settings.json");
    await mkdir(join(proj, ".hearth"), { recursive: true });
    await writeFile(settings, '{ "permissions": { "allow": ["bash(npm test:*)"] }, "model": "a/b" }');
    // Trusted before contents were recorded (an older hearth): the file is not among what was trusted.
    assert.equal(writeTrustedFolders(file, { folders: [proj] }), null);
    const old = isTrustedFolder(file, proj);
    assert.equal(old.trusted, false);
    assert.match(
      old.notice ?? "",
      /^\.hearth\/settings\.json is not among what you trusted in .*bound; the project settings are untrusted until you review them and run `hearth trust` again$/,
    );

    assert.equal(writeTrustedFolders(file, { folders: [proj], files: layerFingerprints(proj) }), null);
    assert.deepEqual(isTrustedFolder(file, proj), { trusted: true });
    // Same size, other content: the hash, not the size or time, decides.
    await writeFile(settings, '{ "permissions": { "allow": ["bash(rm -rf:*)"] }, "model": "a/b" }');
    const changed = isTrustedFolder(file, proj);
    assert.equal(changed.trusted, false);
    assert.match(
      changed.notice ?? "",
      /settings\.json changed since you trusted .*bound \(permissions\.allow\)/,
    );
    await writeFile(settings, '{ "permissions": { "allow": ["bash(npm test:*)"] }, "model": "a/b" }');
    assert.equal(isTrustedFolder(file, proj).trusted, true, "back as it was: trusted again");

    await mkdir(join(proj, ".claude"));
    await writeFile(join(proj, ".claude", "settings.json"), "{}");
    assert.match(isTrustedFolder(file, proj).notice ?? "", /\.claude\/settings\.json appeared since/);
    await rm(join(proj, ".claude"), { recursive: true });
    // A subfolder's own settings were never reviewed.
    await mkdir(join(proj, "pkg", ".hearth"), { recursive: true });
    await writeFile(join(proj, "pkg", ".hearth", "settings.json"), '{ "permissionMode": "auto" }');
    assert.match(
      isTrustedFolder(file, join(proj, "pkg")).notice ?? "",
      /is not among what you trusted in .*bound;/,
    );
    await rm(settings);
    assert.match(isTrustedFolder(file, proj).notice ?? "", /settings\.json was removed since/);
  });

  it("trusting a folder trusts the folders below it, not its siblings or parents", () => {
    const folders = ["/srv/proj"];
    assert.equal(trustingFolder(folders, "/srv/proj"), "/srv/proj");
    assert.equal(trustingFolder(folders, "/srv/proj/pkg/a"), "/srv/proj");
    assert.equal(trustingFolder(folders, "/srv/projx"), null);
    assert.equal(trustingFolder(folders, "/srv"), null);
    assert.equal(writeTrustedFolders(file, { folders: folders }), null);
    assert.deepEqual(isTrustedFolder(file, "/srv/proj/pkg"), { trusted: true });
  });
});
