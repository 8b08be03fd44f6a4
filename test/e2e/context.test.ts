/** End to end: a long run against a model with a small window stays inside it, compacting, and says so. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test("a long session stays under the window: old outputs are elided, the event stream and stderr say so", async () => {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 6; i++) files[`f${i}.txt`] = `${`line ${i} `.repeat(300)}\n`;
  const fake = await startFakeServer({
    script: [
      ...[1, 2, 3, 4, 5, 6].map((i) => ({ toolCalls: [{ name: "read", arguments: { path: `f${i}.txt` } }] })),
      { text: "read them all" },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox(files);
  const window = 6000;
  writeSettings(sandbox, "user", {
    providers: { small: { api: "openai-chat", baseUrl: `${fake.url}/v1`, contextWindow: window } },
    model: "small/m",
  });
  const run = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "read f1.txt to f6.txt"]);
  assert.equal(run.code, 0, run.stderr);
  const compacted = run.events.filter((e) => e.type === "context_compacted");
  assert.ok(compacted.length >= 1, "compacted at least once");
  assert.equal(compacted[0].method, "elided");
  assert.equal(compacted[0].window, window);
  assert.match(run.stderr, /context: elided the output of older tool calls to fit the 6,000-token window/);
  // Every request, counted at 3 bytes a token (denser than any real tokenizer), fits with room for the answer.
  for (const request of fake.modelRequests) {
    const tokens = Math.ceil(JSON.stringify(request.body).length / 3);
    assert.ok(tokens <= window, `a request of about ${tokens} tokens`);
  }
  const last = fake.modelRequests.at(-1)?.body as { messages: Array<{ role: string; content: string }> };
  const tools = last.messages.filter((m) => m.role === "tool");
  assert.equal(tools.length, 6, "every call keeps its result");
  assert.match(tools[0].content, /output elided/);
  assert.match(tools[5].content, /line 6/);
});

test("a model LM Studio loaded with too small a context: the numbers and the fix, before any model request", async () => {
  const fake = await startFakeServer({
    models: ["qwen-lm"],
    serverInfo: true,
    contextLength: 1024,
    script: [],
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  writeSettings(sandbox, "user", { providers: { lmstudio: { baseUrl: `${fake.url}/v1` } } });
  const run = await runHearth(sandbox, [
    "-p",
    "--model",
    "lmstudio/qwen-lm",
    "--profile",
    "default",
    "hello",
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /lmstudio\/qwen-lm runs with a 1,024-token context window \(as loaded by LM Studio\); hearth needs about [\d,]+ .*: load the model with a larger context, or use --profile lean/,
  );
  assert.equal(fake.modelRequests.length, 0);
  assert.ok(fake.requests.some((r) => r.path === "/api/v0/models/qwen-lm"));
  // Already lean: the advice does not suggest it again. Refused before the prompt was saved.
  const lean = await runHearth(sandbox, ["-p", "--model", "lmstudio/qwen-lm", "--profile", "lean", "hello"]);
  assert.equal(lean.code, 1);
  assert.match(
    lean.stderr,
    /runs with a 1,024-token context window .*: load the model with a larger context\n/,
  );
  assert.doesNotMatch(lean.stderr, /--profile lean/);
  assert.equal(fake.modelRequests.length, 0);
  assert.ok(!existsSync(join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions")), "no session saved");
});
