/**
 * `hearth engine install|status|rm` with a stand-in `npm` on PATH (a shell script: tests never reach the
 * registry). It records its arguments, prints npm-style download lines and installs a tiny package that answers
 * like node-llama-cpp, so the whole path runs: arguments, progress, the load check, removal.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { binaryPackages, ENGINE_VERSION } from "../providers/embedded-engine.ts";
import { runEngine } from "./engine-command.ts";

const skip = process.platform === "win32" ? "the stand-in npm is a shell script" : false;

/** A stand-in npm: writes its arguments to args.txt and installs a fake engine into --prefix. */
function fakeNpm(root: string, exitCode = 0): string {
  const bin = join(root, "bin");
  mkdirSync(bin, { recursive: true });
  const script = `#!/bin/sh
printf '%s\\n' "$@" > "${join(root, "args.txt")}"
prefix="$3"
echo "npm http fetch GET 200 https://registry.npmjs.org/node-llama-cpp 120ms (cache miss)" >&2
echo "npm http fetch GET 200 https://registry.npmjs.org/node-llama-cpp/-/node-llama-cpp-${ENGINE_VERSION}.tgz 800ms (cache miss)" >&2
echo "npm http cache chalk@https://registry.npmjs.org/chalk/-/chalk-5.6.2.tgz 0ms (cache hit)" >&2
[ ${exitCode} -ne 0 ] && { echo "npm error code E404" >&2; exit ${exitCode}; }
pkg="$prefix/node_modules/node-llama-cpp"
mkdir -p "$pkg" "$prefix/node_modules/@node-llama-cpp/linux-x64"
echo '{"name":"node-llama-cpp","version":"${ENGINE_VERSION}","type":"module","exports":{".":"./index.js"}}' > "$pkg/package.json"
echo 'export async function getLlama() { return { gpu: false }; } export class LlamaChat {}' > "$pkg/index.js"
echo "added 2 packages in 1s"
`;
  writeFileSync(join(bin, "npm"), script);
  chmodSync(join(bin, "npm"), 0o755);
  return bin;
}

function capture() {
  const io = { out: "", err: "" };
  return {
    io,
    deps: {
      stdout: (t: string) => {
        io.out += t;
      },
      stderr: (t: string) => {
        io.err += t;
      },
      tty: false,
    },
  };
}

test("install runs npm with only this platform's binary, shows downloads, checks the engine loads", {
  skip,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-engine-cmd-"));
  const dir = join(root, "engine");
  const env = { PATH: `${fakeNpm(root)}:${process.env.PATH}`, HEARTH_ENGINE_DIR: dir };
  const { io, deps } = capture();
  const code = await runEngine(["install", "--gpu", "cpu"], env, deps);
  assert.equal(code, 0, io.err);

  const args = readFileSync(join(root, "args.txt"), "utf8").trim().split("\n");
  const binaries = binaryPackages(process.platform, process.arch, "none") ?? [];
  assert.deepEqual(args, [
    "install",
    "--prefix",
    dir,
    "--no-save",
    "--omit=optional",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--loglevel=http",
    `node-llama-cpp@${ENGINE_VERSION}`,
    ...binaries,
  ]);
  assert.match(
    io.err,
    new RegExp(`package 1: node-llama-cpp-${ENGINE_VERSION.replaceAll(".", "\\.")}\\.tgz\\n`),
  );
  assert.match(io.err, /package 2: chalk-5\.6\.2\.tgz \(npm cache\)\n/);
  assert.doesNotMatch(
    io.err,
    /registry\.npmjs\.org\/node-llama-cpp 120ms/,
    "metadata requests are not shown",
  );
  assert.match(io.err, / {2}added 2 packages in 1s\n/);
  assert.match(io.out, new RegExp(`^installed node-llama-cpp ${ENGINE_VERSION} in ${dir} \\(`));
  assert.match(io.out, /\nloads: yes, on the CPU, in \d+ ms\n$/);

  // rm takes out what npm put there and nothing else.
  writeFileSync(join(dir, "keep.txt"), "mine");
  const removed = capture();
  assert.equal(await runEngine(["rm"], env, removed.deps), 0);
  assert.match(removed.io.out, /^removed the embedded engine from .* freed\)\n$/);
  assert.equal(existsSync(join(dir, "node_modules")), false);
  assert.equal(readFileSync(join(dir, "keep.txt"), "utf8"), "mine");
  const again = capture();
  assert.equal(await runEngine(["rm"], env, again.deps), 0);
  assert.match(again.io.out, /^nothing to remove/);
});

test("a failing npm, a missing npm and bad arguments are one line each", { skip }, async () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-engine-cmd-"));
  const env = { PATH: fakeNpm(root, 1), HEARTH_ENGINE_DIR: join(root, "engine") };
  const failed = capture();
  assert.equal(await runEngine(["install"], env, failed.deps), 1);
  assert.match(failed.io.err, / {2}npm error code E404\n/);
  assert.match(failed.io.err, /hearth: npm install failed \(exit 1\); see npm's output above/);

  const none = capture();
  const empty = mkdtempSync(join(tmpdir(), "hearth-no-npm-"));
  assert.equal(
    await runEngine(["install"], { PATH: empty, HEARTH_ENGINE_DIR: join(root, "e2") }, none.deps),
    1,
  );
  assert.match(none.io.err, /hearth: npm is not on PATH; install Node\.js with npm/);

  const gpu = capture();
  assert.equal(await runEngine(["install", "--gpu", "tpu"], env, gpu.deps), 2);
  assert.match(gpu.io.err, /--gpu must be one of auto, cpu, cuda, vulkan/);
  const action = capture();
  assert.equal(await runEngine(["frob"], env, action.deps), 2);
  assert.match(action.io.err, /unknown engine action "frob"/);
});

test("the binary packages per platform: CPU by default, GPU builds only where they exist", () => {
  const v = ENGINE_VERSION;
  assert.deepEqual(binaryPackages("linux", "x64", "none"), [`@node-llama-cpp/linux-x64@${v}`]);
  assert.deepEqual(binaryPackages("linux", "x64", "cuda"), [
    `@node-llama-cpp/linux-x64@${v}`,
    `@node-llama-cpp/linux-x64-cuda@${v}`,
    `@node-llama-cpp/linux-x64-cuda-ext@${v}`,
  ]);
  assert.deepEqual(binaryPackages("win32", "x64", "vulkan"), [
    `@node-llama-cpp/win-x64@${v}`,
    `@node-llama-cpp/win-x64-vulkan@${v}`,
  ]);
  assert.deepEqual(binaryPackages("darwin", "arm64", "cuda"), [`@node-llama-cpp/mac-arm64-metal@${v}`]);
  assert.equal(binaryPackages("freebsd", "x64", "none"), null);
});
