/**
 * `hearth undo` against a hostile neighbour: a real process flips the folder whose files undo restores and
 * deletes between the real folder and a symlink to ~/.ssh while undo runs again and again. Nothing may be
 * written, deleted or changed in ~/.ssh.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { startFlipper, stopChild } from "../support/flipper.ts";
import { makeSandbox, providerSetup, runHearth } from "./harness.ts";

const servers: FakeServer[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(servers.map((s) => s.close()));
});

/** Prompts of one session, each changing FILES files and creating one: each undo run takes back one. */
const PROMPTS = 12;
const FILES = 3;
/** Each state (folder, symlink) lasts this long: long enough for a whole undo to run in either. */
const HOLD_MS = 3;
/** Undo runs at the most, while fewer than three got past their checks. */
const MAX_ATTEMPTS = 60;

function contentsOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]));
}

test("undo races a folder flipped to a symlink to ~/.ssh: 0 writes or deletes outside", async () => {
  const files: Record<string, string> = {};
  for (let n = 0; n < FILES; n++) files[`d/f${n}`] = `original ${n}\n`;
  const sandbox = makeSandbox(files);
  const ssh = join(sandbox.home, ".ssh");
  mkdirSync(ssh);
  writeFileSync(join(ssh, "id_ed25519"), "sentinel key\n");
  // Files named like the ones the prompts create: undo deleting through the link would delete these.
  for (let k = 0; k < PROMPTS; k++) writeFileSync(join(ssh, `new${k}`), `outside ${k}\n`);
  const before = contentsOf(ssh);

  const range = Array.from({ length: FILES }, (_, n) => n);
  const fake = await startFakeServer({
    script: Array.from({ length: PROMPTS }, (_, k) => [
      { toolCalls: range.map((n) => ({ name: "read", arguments: { path: `d/f${n}` } })) },
      {
        toolCalls: [
          ...range.map((n) => ({ name: "write", arguments: { path: `d/f${n}`, content: `prompt ${k}\n` } })),
          { name: "write", arguments: { path: `d/new${k}`, content: `created by prompt ${k}\n` } },
        ],
      },
      { text: "done" },
    ]).flat(),
  });
  servers.push(fake);
  const provider = providerSetup("anthropic-messages", fake.url);
  for (let k = 0; k < PROMPTS; k++) {
    const flags = ["-p", "--permission-mode", "edits", "--model", provider.model];
    const run = await runHearth(sandbox, [...(k > 0 ? ["-c"] : []), ...flags, "go"], { env: provider.env });
    assert.equal(run.code, 0, run.stderr);
  }
  assert.equal(
    readFileSync(join(sandbox.project, "d", `new${PROMPTS - 1}`), "utf8"),
    `created by prompt ${PROMPTS - 1}\n`,
  );

  const flipper = startFlipper(join(sandbox.project, "d"), ssh, HOLD_MS);
  children.push(flipper);
  let actions = 0;
  let restoring = 0;
  try {
    await sleep(100); // flipping by now
    // Most runs stop at the check (the folder was a link when a file was checked); keep going until some got
    // past it, so that the restore itself raced the flipper, however loaded the machine is.
    for (let attempt = 0; attempt < MAX_ATTEMPTS && restoring < 3; attempt++) {
      const undo = await runHearth(sandbox, ["undo", "--force"]);
      const done = undo.stdout.split("\n").filter((line) => /^(restored|deleted) /.test(line)).length;
      actions += done;
      // Past the check of every file: restoring or deleting ran (and went through or was refused).
      if (done > 0 || undo.stderr.includes("cannot restore")) restoring++;
    }
  } finally {
    await stopChild(flipper);
  }
  const now = contentsOf(ssh);
  const written = Object.keys(now).filter((name) => before[name] !== now[name]);
  const deleted = Object.keys(before).filter((name) => !(name in now));
  process.stdout.write(
    `# undo race: ${restoring} runs restored or deleted (${actions} files done), ` +
      `${written.length} written and ${deleted.length} deleted outside\n`,
  );
  assert.deepEqual(written, [], `undo wrote ${written.length} files in ~/.ssh`);
  assert.deepEqual(deleted, [], `undo deleted ${deleted.length} files in ~/.ssh`);
  assert.ok(restoring > 0, "no run got as far as restoring: the race did not run");
});
