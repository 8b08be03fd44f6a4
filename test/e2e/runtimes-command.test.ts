/**
 * End to end: `hearth runtimes` lists the agent CLIs with their versions (found on PATH first, then in hearth's
 * own node_modules/.bin), `hearth doctor` has a row for them, and a runtime too old to run is refused in one line.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { findExecutable } from "../../src/policy/find-executable.ts";
import { makeSandbox, runHearth } from "./harness.ts";

/** The pinned version of a devDependency, as package.json says. */
const pinned = (name: string) =>
  (JSON.parse(readFileSync("package.json", "utf8")) as { devDependencies: Record<string, string> })
    .devDependencies[name];

function oldClaudeOnPath(home: string): string {
  const bin = join(home, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "claude"), '#!/bin/sh\necho "0.2.9 (Claude Code)"\n');
  chmodSync(join(bin, "claude"), 0o755);
  return bin;
}

test("hearth runtimes: each CLI with its version and where its model is; PATH first", async () => {
  const sandbox = makeSandbox();
  const bin = oldClaudeOnPath(sandbox.home);
  const env = { PATH: `${bin}:${sandbox.env.PATH}`, ANTHROPIC_BASE_URL: "http://127.0.0.1:9" };
  const run = await runHearth(sandbox, ["runtimes", "--json"], { env });
  assert.equal(run.code, 0, run.stderr);
  const rows = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(
    rows.slice(0, 3).map((r) => [r.name, r.status, r.version]),
    [
      ["claude", "too old", "0.2.9"],
      ["codex", "installed", pinned("@openai/codex")],
      ["gemini", "installed", pinned("@google/gemini-cli")],
    ],
  );
  // opencode is no devDependency (see runtime-opencode.test.ts): installed only where it is on PATH.
  assert.equal(rows[3].status, findExecutable("opencode", env.PATH) ? "installed" : "missing");
  if (rows[3].status === "missing")
    assert.equal(
      rows[3].problem,
      "opencode is not installed (no opencode on PATH): npm install -g opencode-ai",
    );
  assert.deepEqual([rows[0].model, rows[0].local], ["http://127.0.0.1:9", true]);
  assert.equal(rows[1].local, false);
  const text = await runHearth(sandbox, ["runtimes"], { env });
  assert.match(
    text.stdout,
    /^claude +0\.2\.9 +too old .*\[local\]\n +claude 0\.2\.9 is too old: hearth needs 2\.0\.0 or newer/m,
  );
  const doctor = await runHearth(sandbox, ["doctor"], { env });
  assert.match(doctor.stdout, /^warn +runtimes +claude 0\.2\.9 is too old/m);
});

test("a runtime too old is refused before anything is recorded, in one line, exit 1", async () => {
  const sandbox = makeSandbox();
  const bin = oldClaudeOnPath(sandbox.home);
  const run = await runHearth(sandbox, ["-p", "--runtime", "claude", "hello"], {
    env: {
      PATH: `${bin}:${sandbox.env.PATH}`,
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
      ANTHROPIC_API_KEY: "k",
    },
  });
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr
      .trim()
      .split("\n")
      .filter((l) => l.includes("too old"))
      .join("\n"),
    "hearth: claude 0.2.9 is too old: hearth needs 2.0.0 or newer (npm install -g @anthropic-ai/claude-code@latest)",
  );
  assert.equal(existsSync(join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions")), false, "no session file");
});
