/**
 * The keychain for real, in child processes: a Secret Service started for the test (gnome-keyring under
 * dbus-run-session, in a temp HOME so the user's own keyring is never touched), and a Linux box with no
 * session bus, where hearth must fall back to the file quickly and say why.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { keyFilePath, writeKeyFile } from "./key-file.ts";

const script = fileURLToPath(new URL("./key-store-roundtrip.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const onLinux = process.platform === "linux";

function installed(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missing = ["dbus-run-session", "gnome-keyring-daemon"].filter((c) => !onLinux || !installed(c));
const keyringSkip = !onLinux
  ? "the Secret Service test runs on Linux only"
  : missing.length > 0
    ? `needs ${missing.join(" and ")} (apt-get install gnome-keyring dbus dbus-x11)`
    : false;

type Report = {
  backend: string;
  keychainLabel: string | null;
  keychainProblem: string | null;
  openMs: number;
  set?: { where: string; notice?: string };
  get?: { where: string; matches: boolean } | null;
  list?: { keys: Array<{ provider: string; where: string }>; problems: string[] };
  remove?: { removed: string[]; problems: string[] };
  afterRemove?: unknown;
  error?: string;
};

describe("keychain, for real", () => {
  let base: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), "hearth-keychain-"));
    const runtime = join(base, "run");
    await mkdir(runtime, { mode: 0o700 });
    // Nothing of the user's session: no bus, no running keyring, no display to prompt on.
    env = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (/^(DBUS_|GNOME_KEYRING|DISPLAY$|WAYLAND_|XDG_|HEARTH_)/.test(name)) continue;
      env[name] = value;
    }
    Object.assign(env, {
      HOME: base,
      XDG_CONFIG_HOME: join(base, "config"),
      XDG_DATA_HOME: join(base, "data"),
      XDG_RUNTIME_DIR: runtime,
      HEARTH_ROUNDTRIP_KEY: `sk-ant-canary-${process.pid}-${Date.now()}`,
    });
  });
  after(() => rm(base, { recursive: true, force: true }));

  function run(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Report {
    const result = spawnSync(command, args, {
      cwd: repoRoot,
      env: { ...env, ...extraEnv },
      encoding: "utf8",
      timeout: 60_000,
    });
    const line = result.stdout.trim().split("\n").at(-1) ?? "";
    assert.equal(
      result.status,
      0,
      `exit ${result.status}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
    assert.ok(!result.stdout.includes(env.HEARTH_ROUNDTRIP_KEY!), "the key value was printed");
    return JSON.parse(line) as Report;
  }

  it("round-trips a key through the Secret Service (gnome-keyring)", { skip: keyringSkip }, () => {
    // A copy left in the file by an earlier fallback goes once the keychain holds the key.
    const file = keyFilePath(env);
    assert.equal(writeKeyFile(file, { anthropic: "sk-ant-older-copy" }), null);
    const report = run("dbus-run-session", [
      "--",
      "sh",
      "-c",
      'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$0" --import tsx "$1" anthropic',
      process.execPath,
      script,
    ]);
    assert.equal(report.error, undefined);
    assert.equal(report.keychainProblem, null);
    assert.equal(report.backend, "keychain");
    assert.equal(report.keychainLabel, "Secret Service");
    assert.deepEqual(report.set, { where: "keychain" });
    assert.deepEqual(report.get, { where: "keychain", matches: true });
    assert.deepEqual(report.list, { keys: [{ provider: "anthropic", where: "keychain" }], problems: [] });
    assert.deepEqual(report.remove, { removed: ["keychain"], problems: [] });
    assert.equal(report.afterRemove, null);
    assert.equal(existsSync(file), false);
  });

  it("falls back to the 0600 file at once on Linux with no session bus, and says why", {
    skip: !onLinux,
  }, () => {
    const report = run(process.execPath, ["--import", "tsx", script, "openai"], {
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(base, "no-bus")}`,
    });
    assert.equal(report.error, undefined);
    assert.equal(report.backend, "file");
    assert.match(
      report.keychainProblem ?? "",
      /^(Secret Service: no D-Bus session bus|the optional package)/,
    );
    assert.ok(report.openMs < 1500, `opening the store took ${report.openMs} ms`);
    assert.deepEqual(report.set, { where: "file" });
    assert.deepEqual(report.get, { where: "file", matches: true });
    assert.deepEqual(report.list, { keys: [{ provider: "openai", where: "file" }], problems: [] });
    assert.deepEqual(report.remove, { removed: ["file"], problems: [] });
    assert.equal(report.afterRemove, null);
  });
});
