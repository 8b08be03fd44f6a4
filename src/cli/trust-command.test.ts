import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { runTrust } from "./trust-command.ts";

describe("hearth trust", () => {
  let base: string;
  let env: NodeJS.ProcessEnv;
  let proj: string;
  let file: string;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-trust-cmd-")));
    env = { XDG_CONFIG_HOME: join(base, "config") };
    proj = join(base, "proj");
    file = join(base, "config", "hearth", "trusted-folders.json");
    await mkdir(join(proj, ".hearth"), { recursive: true });
    await mkdir(join(proj, "pkg"));
    await writeFile(
      join(proj, ".hearth", "settings.json"),
      '{ "permissions": { "allow": ["bash(npm test:*)", "edit(src/**)"] }, "permissionMode": "edits" }',
    );
  });
  after(() => rm(base, { recursive: true, force: true }));

  function run(args: string[], cwd = proj) {
    let stdout = "";
    let stderr = "";
    const code = runTrust(args, env, {
      cwd,
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    return { code, stdout, stderr };
  }

  it("lists nothing at first", () => {
    assert.deepEqual(run(["--list"]), {
      code: EXIT_OK,
      stdout: "no trusted folders (trust one with `hearth trust [dir]`)\n",
      stderr: "",
    });
  });

  it("trusts the current directory and says what that turns on", async () => {
    const result = run([]);
    assert.equal(result.code, EXIT_OK);
    assert.equal(
      result.stdout,
      `trusted: ${proj} (and the folders below it)\n` +
        "its .hearth/settings.json allow rules now apply: bash(npm test:*), edit(src/**)\n" +
        'its permissionMode "edits" now applies too\n',
    );
    const list = JSON.parse(await readFile(file, "utf8"));
    assert.deepEqual(list.folders, [proj]);
    // What was trusted: the settings file's hash and a digest per key; the absent layers as null.
    assert.match(list.files[join(proj, ".hearth", "settings.json")].sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(list.files[join(proj, ".hearth", "settings.json")].keys).sort(), [
      "permissionMode",
      "permissions.allow",
    ]);
    assert.equal(list.files[join(proj, ".mcp.json")], null);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it("is idempotent, and a folder below is already trusted", () => {
    assert.equal(run([proj]).stdout, `already trusted: ${proj}\n`);
    assert.equal(run(["pkg"]).stdout, `already trusted: ${join(proj, "pkg")} (through ${proj})\n`);
  });

  it("trusts a relative dir resolved against cwd, and lists in order", () => {
    const other = run(["../other-missing"]);
    assert.equal(other.code, EXIT_USAGE);
    assert.match(other.stderr, /other-missing is not a directory/);
    assert.equal(run(["config"], base).code, EXIT_OK);
    assert.equal(run(["--list"]).stdout, `${proj}\n${join(base, "config")}\n`);
  });

  it("removes a folder, and explains one trusted through a parent", async () => {
    const through = run(["--remove", "pkg"]);
    assert.equal(through.code, EXIT_FAILED);
    assert.match(through.stderr, /is trusted through .*hearth trust --remove/);
    const removed = run(["--remove"]);
    assert.equal(removed.code, EXIT_OK);
    assert.match(removed.stdout, /^no longer trusted: /);
    const list = JSON.parse(await readFile(file, "utf8"));
    assert.deepEqual(list.folders, [join(base, "config")]);
    assert.deepEqual(
      Object.keys(list.files).filter((path) => path.startsWith(proj)),
      [],
      "the removed folder's records go with it",
    );
    assert.equal(run(["--remove", proj]).stdout, `${proj} was not trusted\n`);
  });

  it("after the project settings change, trusting again says which keys changed, then they apply", async () => {
    assert.equal(run([]).code, EXIT_OK);
    const settings = join(proj, ".hearth", "settings.json");
    await writeFile(
      settings,
      '{ "permissions": { "allow": ["bash(*)"] }, "permissionMode": "edits", "sandbox": { "enabled": false } }',
    );
    const again = run([]);
    assert.equal(again.code, EXIT_OK);
    assert.equal(
      again.stdout.split("\n")[0],
      `trusted again: ${proj} as its project settings are now; .hearth/settings.json changed since you trusted ${proj} (permissions.allow, sandbox.enabled added)`,
    );
    assert.equal(run([]).stdout, `already trusted: ${proj}\n`);
    await writeFile(join(proj, ".mcp.json"), '{ "mcpServers": {} }');
    assert.match(run([]).stdout, /^trusted again: .*\.mcp\.json appeared since you trusted/);
    await rm(join(proj, ".mcp.json"));
    assert.equal(run(["--remove"]).code, EXIT_OK);
  });

  it("reports usage errors", () => {
    assert.equal(run(["--bogus"]).code, EXIT_USAGE);
    assert.equal(run(["a", "b"]).code, EXIT_USAGE);
    assert.equal(run(["--list", "a"]).code, EXIT_USAGE);
    assert.match(run(["--help"]).stdout, /^Usage:/);
  });

  it("reports a corrupt list instead of overwriting it", async () => {
    await writeFile(file, "{oops");
    const result = run([]);
    assert.equal(result.code, EXIT_FAILED);
    assert.match(result.stderr, /invalid JSON; fix it or delete it/);
    assert.equal(await readFile(file, "utf8"), "{oops");
  });
});
