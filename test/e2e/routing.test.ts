/**
 * `--model auto` from the command line: the route each prompt took is in the json result, and the session file
 * keeps it; offline, a cloud rule still goes local.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import type { FakeServer } from "../fake-server/server.ts";
import { startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function setUp(script: FakeTurn[]) {
  const fake = await startFakeServer({ script });
  servers.push(fake);
  const sandbox = makeSandbox();
  const served = { api: "openai-chat", baseUrl: `${fake.url}/v1` };
  writeSettings(sandbox, "user", {
    providers: { loc: { ...served, local: true }, cld: { ...served, local: false } },
    router: {
      local: "loc/small",
      cloud: "cld/big",
      rules: [{ name: "reviews", when: { kind: ["review"] }, use: "cloud" }],
    },
    sandbox: { enabled: false },
  });
  return { fake, sandbox };
}

test("-p --model auto: the json result names the model and the rule; a cloud use is announced on stderr", async () => {
  const { fake, sandbox } = await setUp([{ text: "Looks fine." }, { text: "Done." }]);
  const review = await runHearth(sandbox, [
    "-p",
    "--model",
    "auto",
    "--output-format",
    "json",
    "review the diff",
  ]);
  assert.equal(review.code, 0, review.stderr);
  const result = JSON.parse(review.stdout);
  assert.deepEqual(result.route, { model: "cld/big", local: false, rule: 'rule "reviews"' });
  assert.equal(result.model, "cld/big");
  assert.match(review.stderr, /first cloud use in this session/);
  const local = await runHearth(sandbox, ["-p", "--model", "auto", "--output-format", "json", "add a test"]);
  assert.deepEqual(JSON.parse(local.stdout).route, { model: "loc/small", local: true, rule: "default" });
  assert.deepEqual(
    fake.modelRequests.map((r) => r.body?.model),
    ["big", "small"],
  );
});

test("--model auto --offline: a cloud rule goes local, and says why", async () => {
  const { fake, sandbox } = await setUp([{ text: "Local review." }]);
  const run = await runHearth(sandbox, [
    "-p",
    "--offline",
    "--model",
    "auto",
    "--output-format",
    "json",
    "review it",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).route, {
    model: "loc/small",
    local: true,
    rule: 'rule "reviews", then local: offline',
  });
  assert.equal(fake.modelRequests[0].body?.model, "small");
});
