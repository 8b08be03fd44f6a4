/**
 * End to end: trust is bound to the content of the project settings. A trusted folder whose
 * `.hearth/settings.json` changed (a command the model ran could have rewritten it) is untrusted on the next run,
 * which says so in one line; `hearth trust` again says what changed, and the settings apply again.
 */
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function touchRun(sandbox: Sandbox) {
  const fake = await startFakeServer({
    script: [{ toolCalls: [{ name: "bash", arguments: { command: "touch made.txt" } }] }, { text: "done" }],
  });
  servers.push(fake);
  const setup = providerSetup("anthropic-messages", fake.url);
  rmSync(join(sandbox.project, "made.txt"), { force: true });
  const result = await runHearth(sandbox, ["-p", "--model", setup.model, "make it"], { env: setup.env });
  return { result, made: existsSync(join(sandbox.project, "made.txt")) };
}

test("a trusted folder whose project settings changed is untrusted until `hearth trust` again, which says what changed", async () => {
  const sandbox = makeSandbox();
  writeSettings(sandbox, "project", { permissions: { allow: ["bash(touch:*)"] } });
  assert.equal((await runHearth(sandbox, ["trust"])).code, 0);
  const trusted = await touchRun(sandbox);
  assert.equal(trusted.result.code, 0, trusted.result.stderr);
  assert.ok(trusted.made, `the trusted allow rule applies\n${trusted.result.stderr}`);

  // Rewritten behind the user's back, as a command in an earlier run could have done.
  writeSettings(sandbox, "project", {
    permissions: { allow: ["bash(touch:*)", "bash"] },
    permissionMode: "auto",
  });
  const changed = await touchRun(sandbox);
  assert.equal(changed.made, false, "the changed file's rules do not apply");
  const lines = changed.result.stderr
    .split("\n")
    .filter((line) => line.includes("changed since you trusted"));
  assert.equal(lines.length, 1, changed.result.stderr);
  assert.match(
    lines[0],
    /^hearth: \.hearth\/settings\.json changed since you trusted .*project \(permissions\.allow, permissionMode added\); the project settings are untrusted until you review them and run `hearth trust` again$/,
  );
  assert.match(changed.result.stderr, /refused bash "touch made\.txt"/);

  const review = await runHearth(sandbox, ["trust"]);
  assert.equal(review.code, 0, review.stderr);
  assert.match(
    review.stdout,
    /^trusted again: .*project as its project settings are now; .*\(permissions\.allow, permissionMode added\)\n/,
  );
  const again = await touchRun(sandbox);
  assert.ok(again.made, again.result.stderr);
  assert.doesNotMatch(again.result.stderr, /changed since you trusted/);
});
