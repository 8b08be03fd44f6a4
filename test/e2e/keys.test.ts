/** End to end: a key stored with `hearth keys set` is used when no env var is set, and never shown. */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test("keys set from stdin, list without the value, used by -p, env wins, rm", async () => {
  const fake = await startFakeServer({
    script: [{ text: "with the stored key" }, { text: "with the env key" }],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  // The file store: no keychain in a test (it would be the developer's own).
  const env = { HEARTH_KEYCHAIN: "off", ANTHROPIC_BASE_URL: fake.url };
  const key = `sk-ant-api03-${"Qw3rTy9".repeat(10)}`;
  const set = await runHearth(sandbox, ["keys", "set", "anthropic"], { env, stdin: `${key}\n` });
  assert.equal(set.code, 0, set.stderr);
  const file = join(sandbox.env.XDG_CONFIG_HOME, "hearth", "keys.json");
  assert.equal(statSync(file).mode & 0o777, 0o600);

  const list = await runHearth(sandbox, ["keys", "list"], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout + list.stderr, /anthropic/);
  assert.ok(!(list.stdout + list.stderr).includes(key.slice(12)), "keys list showed the value");

  const run = await runHearth(sandbox, ["-p", "--model", "anthropic/claude-sonnet-4-5", "hi"], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(fake.modelRequests[0].headers["x-api-key"], key);

  const envWins = await runHearth(sandbox, ["-p", "--model", "anthropic/claude-sonnet-4-5", "hi"], {
    env: { ...env, ANTHROPIC_API_KEY: "env-key-wins-1234567890" },
  });
  assert.equal(envWins.code, 0, envWins.stderr);
  assert.equal(fake.modelRequests[1].headers["x-api-key"], "env-key-wins-1234567890");

  const rm = await runHearth(sandbox, ["keys", "rm", "anthropic"], { env });
  assert.equal(rm.code, 0, rm.stderr);
  // Without the loopback base URL (a local server needs no key), a missing key stops the run before any request.
  const gone = await runHearth(sandbox, ["-p", "--model", "anthropic/claude-sonnet-4-5", "hi"], {
    env: { HEARTH_KEYCHAIN: "off" },
  });
  assert.equal(gone.code, 2);
  assert.match(
    gone.stderr,
    /no API key for anthropic: set ANTHROPIC_API_KEY, or run `hearth keys set anthropic`/,
  );
});
