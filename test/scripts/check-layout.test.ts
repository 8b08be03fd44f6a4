/**
 * scripts/check-layout.mjs, run as `npm run lint` runs it, on small trees written for each rule: imports point
 * inward along DESIGN.md's diagram, no two layers import each other, source under src/ never imports test/.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = join(ROOT, "scripts/check-layout.mjs");
const trees: string[] = [];
after(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

/** Runs the check in `cwd`; its exit code and everything it printed. */
function check(cwd: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [SCRIPT], { cwd, encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

/** A tree of files (path -> text) under a fresh temp folder; checked there. */
function checkTree(files: Record<string, string>): { status: number | null; output: string } {
  const tree = mkdtempSync(join(tmpdir(), "hearth-layout-"));
  trees.push(tree);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  }
  return check(tree);
}

test("this repository's own layout passes", () => {
  const { status, output } = check(ROOT);
  assert.equal(status, 0, output);
  assert.match(output, /layout ok/);
});

test("an inward import passes; an outward one fails, naming the file and the layers", () => {
  const inward = checkTree({
    "src/tools/read.ts": 'import { ToolError } from "../protocol/tool-error.ts";\n',
    "src/protocol/tool-error.ts": "export class ToolError extends Error {}\n",
  });
  assert.equal(inward.status, 0, inward.output);
  const outward = checkTree({
    "src/protocol/tool-error.ts": 'import type { AnyTool } from "../tools/tool.ts";\n',
    "src/tools/tool.ts": "export type AnyTool = unknown;\n",
  });
  assert.equal(outward.status, 1);
  assert.match(outward.output, /src\/protocol\/tool-error\.ts: the protocol layer must not import tools/);
});

test("two layers that import each other fail, with one import each way", () => {
  const { status, output } = checkTree({
    "src/providers/model-resolution.ts": 'import { hearthPaths } from "../store/paths.ts";\n',
    "src/store/paths.ts": 'export { API_IDS } from "../providers/provider.ts";\n',
    "src/providers/provider.ts": "export const API_IDS = [];\n",
  });
  assert.equal(status, 1);
  assert.match(
    output,
    /the providers and store layers import each other: src\/providers\/model-resolution\.ts \(\.\.\/store\/paths\.ts\) and src\/store\/paths\.ts \(\.\.\/providers\/provider\.ts\)/,
  );
});

test("the same cycle through a dynamic import or a bare import is caught too", () => {
  const { status, output } = checkTree({
    "src/policy/workspace.ts": 'const tool = await import("../tools/tool.ts");\n',
    "src/tools/tool.ts": 'import "../policy/workspace.ts";\n',
  });
  assert.equal(status, 1);
  assert.match(output, /the policy and tools layers import each other/);
});

test("only cli imports runtime; runtime imports anything but cli", () => {
  const fine = checkTree({
    "src/cli/main.ts": 'import { openSession } from "../runtime/session.ts";\n',
    "src/runtime/session.ts": 'import { runAgent } from "../agent/agent-loop.ts";\n',
    "src/agent/agent-loop.ts": "export const runAgent = 1;\n",
  });
  assert.equal(fine.status, 0, fine.output);
  const { status, output } = checkTree({
    "src/tools/bash.ts": 'import { openSession } from "../runtime/session.ts";\n',
    "src/runtime/session.ts": 'import { parseArgs } from "../cli/args.ts";\n',
    "src/cli/args.ts": "export const parseArgs = 1;\n",
  });
  assert.equal(status, 1);
  assert.match(output, /src\/tools\/bash\.ts: the tools layer must not import runtime/);
  assert.match(output, /src\/runtime\/session\.ts: the runtime layer must not import cli/);
});

test("source under src/ must not import test/; a *.test.ts file may", () => {
  const { status, output } = checkTree({
    "src/providers/adapter-kit.ts": 'import { startFakeServer } from "../../test/fake-server/server.ts";\n',
    "src/providers/openai-chat.test.ts":
      'import { startFakeServer } from "../../test/fake-server/server.ts";\n',
    "test/fake-server/server.ts": "export const startFakeServer = 1;\n",
  });
  assert.equal(status, 1);
  assert.match(output, /src\/providers\/adapter-kit\.ts: source under src\/ must not import test code/);
  assert.doesNotMatch(output, /openai-chat\.test\.ts/);
});

test("a folder under src/ that is no layer fails instead of escaping the rules", () => {
  const { status, output } = checkTree({ "src/helpers/misc.ts": 'import "../cli/main.ts";\n' });
  assert.equal(status, 1);
  assert.match(output, /src\/helpers is not a layer/);
});

test("a file over 800 lines fails, under src/ and under test/", () => {
  const long = "export {};\n".repeat(801);
  const { status, output } = checkTree({ "src/store/big.ts": long, "test/e2e/big.test.ts": long });
  assert.equal(status, 1);
  assert.match(output, /src\/store\/big\.ts: 802 lines \(cap 800\)/);
  assert.match(output, /test\/e2e\/big\.test\.ts: 802 lines \(cap 800\)/);
});
