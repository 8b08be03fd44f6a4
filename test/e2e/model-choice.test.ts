/**
 * End to end: which model a run uses and how it is treated. Local is the provider's kind, not its host; a model
 * given by a bare name finds its provider; a GGUF file given by path is recorded so that -c finds it again.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function fakeServer(turns: number, models?: string[]): Promise<FakeServer> {
  const fake = await startFakeServer({
    script: Array.from({ length: turns }, () => ({ text: "ok" })),
    models,
  });
  servers.push(fake);
  return fake;
}

const systemOf = (fake: FakeServer, i: number) => JSON.stringify(fake.modelRequests[i].body?.system);

test("a cloud provider behind a loopback URL is still a cloud model: default prompt, no latency lines", async () => {
  const fake = await fakeServer(2);
  const setup = providerSetup("anthropic-messages", fake.url);
  const sandbox = makeSandbox();
  const run = await runHearth(sandbox, ["-p", "--model", setup.model, "hi"], { env: setup.env });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /latency:/);
  const forced = await runHearth(sandbox, ["-p", "--model", setup.model, "--profile", "default", "hi"], {
    env: setup.env,
  });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(systemOf(fake, 0), systemOf(fake, 1), "the default profile's system prompt");
});

test("a custom provider marked local gets the lean prompt and latency lines; unmarked, it does not", async () => {
  const fake = await fakeServer(3);
  const sandbox = makeSandbox();
  const provider = { api: "openai-chat", baseUrl: `${fake.url}/v1` };
  writeSettings(sandbox, "user", { providers: { box: { ...provider, local: true }, proxy: provider } });
  const local = await runHearth(sandbox, ["-p", "--model", "box/m", "hi"]);
  assert.equal(local.code, 0, local.stderr);
  assert.match(local.stderr, /^hearth: latency: first token /m);
  const lean = await runHearth(sandbox, ["-p", "--model", "box/m", "--profile", "lean", "hi"]);
  assert.equal(lean.code, 0, lean.stderr);
  const cloud = await runHearth(sandbox, ["-p", "--model", "proxy/m", "hi"]);
  assert.equal(cloud.code, 0, cloud.stderr);
  assert.doesNotMatch(cloud.stderr, /latency:/);
  const messages = (i: number) =>
    JSON.stringify((fake.modelRequests[i].body as { messages: unknown[] }).messages[0]);
  assert.equal(messages(0), messages(1), "lean, as --profile lean");
  assert.notEqual(messages(2), messages(0), "the unmarked one gets the default prompt");
});
