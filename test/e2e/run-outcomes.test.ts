/**
 * End to end: how a run ends when the model does not simply answer. A silent server gives up within the retry
 * budget and says after how many attempts; refused actions are listed in the result and on stderr; an answer cut
 * off by the output limit is continued once and otherwise fails; a request the server refuses as too long is
 * compacted and sent once more.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function run(
  script: FakeTurn[],
  args: string[],
  options: { settings?: unknown; files?: Record<string, string> } = {},
) {
  const fake = await startFakeServer({ script });
  servers.push(fake);
  const sandbox = makeSandbox(options.files);
  if (options.settings) writeSettings(sandbox, "user", options.settings);
  const setup = providerSetup("anthropic-messages", fake.url);
  const result = await runHearth(sandbox, ["-p", "--model", setup.model, ...args], { env: setup.env });
  return { result, fake, sandbox };
}

const lastLine = (stderr: string) => stderr.trimEnd().split("\n").at(-1) ?? "";

test("a server that accepts and never answers: exit 1 within the retry budget, 'gave up after N attempts'", async () => {
  const hang: FakeTurn = { hang: true };
  const { result, fake } = await run(
    [hang, hang, hang, hang, hang],
    ["--output-format", "stream-json", "hello"],
    { settings: { requestIdleTimeout: 0.3, requestRetryBudget: 1.5 } },
  );
  assert.equal(result.code, 1, result.stderr);
  const attempts = fake.modelRequests.length;
  assert.ok(attempts >= 2 && attempts < 5, `${attempts} attempts`);
  assert.ok(result.durationMs < 10_000, `took ${result.durationMs} ms`);
  const final = lastLine(result.stderr);
  assert.match(final, new RegExp(`sent nothing for 0\\.[0-3] s; gave up after ${attempts} attempts`));
  assert.doesNotMatch(final, /retrying/);
  const end = result.events.at(-1);
  assert.equal(end?.subtype, "error");
  assert.equal(end?.error_kind, "timeout");
  assert.equal(result.events.filter((e) => e.type === "retry_scheduled").length, attempts - 1);
});

test("a Retry-After longer than the retry budget: one request, and the message gives the wait", async () => {
  const { result, fake } = await run(
    [{ status: 429, headers: { "retry-after": "600" } }, { text: "never" }],
    ["hello"],
  );
  assert.equal(result.code, 1);
  assert.equal(fake.modelRequests.length, 1);
  assert.match(
    lastLine(result.stderr),
    /gave up after 1 attempt \(the server asked to wait 10 min before retrying/,
  );
});

const npmTest: FakeTurn = {
  toolCalls: [{ id: "toolu_npm", name: "bash", arguments: { command: "npm test" } }],
};

test("refused actions: listed in the json result as permission_denials, exit 0 when the model finished", async () => {
  const { result } = await run(
    [npmTest, { text: "I could not run the tests." }],
    ["--output-format", "json", "run the tests"],
  );
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.equal(summary.subtype, "success");
  assert.deepEqual(summary.permission_denials, [
    { tool_name: "bash", tool_use_id: "toolu_npm", tool_input: { command: "npm test" } },
  ]);
  assert.match(lastLine(result.stderr), /^hearth: 1 action was refused: bash "npm test"; allow them with /);
});

test("refused actions in text mode: the last stderr line counts them and says how to allow them", async () => {
  const write: FakeTurn = {
    toolCalls: [
      { id: "toolu_a", name: "bash", arguments: { command: "npm test" } },
      { id: "toolu_b", name: "write", arguments: { path: "notes.md", content: "x" } },
    ],
  };
  const { result } = await run([write, { text: "Done what I could." }], ["do it"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "Done what I could.\n");
  const final = lastLine(result.stderr);
  assert.match(
    final,
    /^hearth: 2 actions were refused: bash "npm test", write "notes\.md"; allow them with /,
  );
  assert.match(
    final,
    /--permission-mode edits, or the rules "bash\(npm test:\*\)", "edit\(\/notes\.md\)" in permissions\.allow$/,
  );

  const stream = await run([npmTest, { text: "ok" }], ["--output-format", "stream-json", "go"]);
  const end = stream.result.events.at(-1);
  assert.equal((end?.permission_denials as unknown[] | undefined)?.length, 1);
  const clean = await run([{ text: "nothing to refuse" }], ["--output-format", "json", "go"]);
  assert.deepEqual(JSON.parse(clean.result.stdout).permission_denials, []);
  assert.doesNotMatch(clean.result.stderr, /refused/);
});

test("an answer cut off by the output limit is continued once; the answer is both parts", async () => {
  const { result, fake, sandbox } = await run(
    [{ text: "The first half", stop: "length" }, { text: " and the rest." }],
    ["--output-format", "json", "explain"],
  );
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.subtype, "success");
  assert.equal(summary.result, "The first half and the rest.");
  assert.match(result.stderr, /cut off by the output token limit; asking the model to continue/);
  const second = fake.modelRequests[1].body as { messages: Array<{ role: string; content: unknown }> };
  assert.equal(second.messages.at(-1)?.role, "user");
  // The session records the request to continue, so a resumed conversation is the one the model saw.
  const sessions = join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions");
  const file = readdirSync(sessions).find((name) => name.endsWith(".jsonl")) ?? "";
  const roles = readFileSync(join(sessions, file), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line).message?.role)
    .filter(Boolean);
  assert.deepEqual(roles, ["user", "assistant", "user", "assistant"]);
});

test("cut off again: error_max_output_tokens, exit 1, and stderr says so", async () => {
  const { result, fake } = await run(
    [{ text: "", stop: "length" }, { text: "still", stop: "length" }, { text: "never" }],
    ["--output-format", "json", "explain"],
  );
  assert.equal(result.code, 1);
  assert.equal(fake.modelRequests.length, 2);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.subtype, "error_max_output_tokens");
  assert.equal(summary.is_error, true);
  assert.match(
    lastLine(result.stderr),
    /cut off by the output token limit, also after asking the model to continue/,
  );
});

test("the server refuses a request as too long: hearth compacts the history and sends it once more", async () => {
  const files: Record<string, string> = {};
  const reads: FakeTurn[] = [];
  for (const name of ["a", "b", "c", "d"]) {
    files[`${name}.txt`] = `${name}\n`.repeat(9000);
    reads.push({ toolCalls: [{ name: "read", arguments: { path: `${name}.txt` } }] });
  }
  const tooLong: FakeTurn = {
    status: 400,
    errorBody: JSON.stringify({
      type: "error",
      error: { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" },
    }),
  };
  const { result, fake } = await run(
    [...reads, tooLong, { text: "summed up" }],
    ["--output-format", "stream-json", "read them all"],
    { files },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.events.at(-1)?.result, "summed up");
  const compacted = result.events.find((e) => e.type === "context_compacted");
  assert.equal(compacted?.cause, "server");
  assert.match(result.stderr, /the server refused the request as too long/);
  const sizes = fake.modelRequests.map((r) => JSON.stringify(r.body).length);
  assert.ok(sizes[5] < sizes[4] * 0.75, `request sizes ${sizes.join(", ")}`);
});
