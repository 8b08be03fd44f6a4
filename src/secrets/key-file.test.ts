import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keyFilePath, readKeyFile, writeKeyFile } from "./key-file.ts";

const posix = process.platform !== "win32";

describe("key file", () => {
  let base: string;
  let dir: string;
  let file: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), "hearth-key-file-"));
    dir = join(base, "config", "hearth");
    file = join(dir, "keys.json");
  });
  after(() => rm(base, { recursive: true, force: true }));

  it("lives under XDG_CONFIG_HOME, or ~/.config when that is unset or relative", () => {
    assert.equal(
      keyFilePath({ XDG_CONFIG_HOME: "/x/conf" }, "/home/u"),
      join("/x/conf", "hearth", "keys.json"),
    );
    assert.equal(keyFilePath({}, "/home/u"), join("/home/u", ".config", "hearth", "keys.json"));
    assert.equal(
      keyFilePath({ XDG_CONFIG_HOME: "rel" }, "/home/u"),
      join("/home/u", ".config", "hearth", "keys.json"),
    );
  });

  it("reads a missing file as no keys", () => {
    const read = readKeyFile(file);
    assert.deepEqual({ ...read.keys }, {});
    assert.equal(read.problem, undefined);
  });

  it("round-trips keys, creating the directory 0700 and the file 0600", async () => {
    assert.equal(writeKeyFile(file, { anthropic: "sk-ant-one", "my.local-llm_2": "k2" }), null);
    const read = readKeyFile(file);
    assert.equal(read.problem, undefined);
    assert.deepEqual({ ...read.keys }, { anthropic: "sk-ant-one", "my.local-llm_2": "k2" });
    if (posix) {
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
    }
  });

  it("leaves no temp files behind, and replaces the file whole", async () => {
    for (let i = 0; i < 5; i++) assert.equal(writeKeyFile(file, { openai: `sk-${i}` }), null);
    assert.deepEqual(await readdir(dir), ["keys.json"]);
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), { keys: { openai: "sk-4" } });
  });

  it("keeps the mode 0600 when rewriting a file that was loosened", {
    skip: !posix && "POSIX modes",
  }, async () => {
    await chmod(file, 0o644);
    assert.equal(writeKeyFile(file, { openai: "sk-5" }), null);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it("refuses a file group or others can read, with the chmod command", {
    skip: !posix && "POSIX modes",
  }, async () => {
    await chmod(file, 0o644);
    const read = readKeyFile(file);
    assert.deepEqual({ ...read.keys }, {});
    assert.equal(
      read.problem,
      `${file}: refusing to read keys from a file other users can access (mode 644); run \`chmod 600 ${file}\` (and consider rotating the keys in it)`,
    );
    assert.ok(!read.problem?.includes("sk-5"));
    await chmod(file, 0o640);
    assert.match(readKeyFile(file).problem ?? "", /mode 640.*chmod 600/);
    await chmod(file, 0o600);
    assert.deepEqual({ ...readKeyFile(file).keys }, { openai: "sk-5" });
  });

  it("reports a corrupt or misshapen file instead of throwing, without quoting it", async () => {
    await writeFile(file, '{"keys": {"openai": "sk-secret-half', { mode: 0o600 });
    const broken = readKeyFile(file);
    assert.deepEqual({ ...broken.keys }, {});
    assert.match(broken.problem ?? "", /keys\.json: invalid JSON; fix it, or delete it/);
    assert.ok(!broken.problem?.includes("sk-secret"));
    await writeFile(file, '{"keys": {"openai": 42}}');
    assert.match(readKeyFile(file).problem ?? "", /expected \{"keys": \{"<provider>": "<key>"\}\}/);
    await writeFile(file, "[]");
    assert.match(readKeyFile(file).problem ?? "", /expected/);
  });

  it("reports a directory in the file's place", async () => {
    const other = join(base, "other", "keys.json");
    await mkdir(other, { recursive: true });
    assert.match(readKeyFile(other).problem ?? "", /not a regular file|EISDIR/);
  });

  it("keeps a provider named like an Object property as a plain key", () => {
    assert.equal(writeKeyFile(file, Object.assign(Object.create(null), { constructor: "c1" })), null);
    const read = readKeyFile(file);
    assert.equal(read.keys.constructor, "c1");
    assert.equal(read.keys.toString, undefined);
  });

  it("removes the file when the last key goes", async () => {
    assert.equal(writeKeyFile(file, {}), null);
    assert.deepEqual(await readdir(dir), []);
    assert.deepEqual({ ...readKeyFile(file).keys }, {});
  });
});
