/** End to end: text output shows each tool call as one line on stderr; --quiet hides them; json formats keep stderr quiet. */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const turns = (): FakeTurn[] => [
  { toolCalls: [{ name: "read", arguments: { path: "a.txt" } }] },
  {
    toolCalls: [
      { name: "edit", arguments: { path: "a.txt", old_string: "hello", new_string: "hello\nworld" } },
      { name: "write", arguments: { path: "b.txt", content: "x".repeat(2000) } },
    ],
  },
  { toolCalls: [{ name: "bash", arguments: { command: "cat a.txt b.txt | wc -c" } }] },
  { toolCalls: [{ name: "grep", arguments: { pattern: "world", path: "." } }] },
  { text: "done" },
];

async function setup(runs: number) {
  const fake = await startFakeServer({ script: Array.from({ length: runs }, turns).flat() });
  servers.push(fake);
  const sandbox = makeSandbox({ "a.txt": "hello\n" });
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    permissionMode: "auto",
  });
  return sandbox;
}

const progressLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("→ "));

test("text output: one line per tool call on stderr, in order; the answer alone on stdout", async () => {
  const sandbox = await setup(2);
  const run = await runHearth(sandbox, ["-p", "change the files"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "done\n");
  assert.deepEqual(progressLines(run.stderr), [
    "→ read a.txt",
    "→ edit a.txt (-1 +2 lines)",
    "→ write b.txt (2.0 kB)",
    "→ $ cat a.txt b.txt | wc -c",
    '→ grep "world" in .',
  ]);
  const quiet = await runHearth(sandbox, ["-p", "--quiet", "change the files"]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.deepEqual(progressLines(quiet.stderr), []);
});

test("json and stream-json keep stderr free of progress lines unless --verbose", async () => {
  const sandbox = await setup(3);
  const json = await runHearth(sandbox, ["-p", "--output-format", "json", "go"]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(progressLines(json.stderr), []);
  const stream = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "go"]);
  assert.deepEqual(progressLines(stream.stderr), []);
  const verbose = await runHearth(sandbox, ["-p", "--output-format", "stream-json", "--verbose", "go"]);
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.equal(progressLines(verbose.stderr).length, 5);
  assert.ok(
    verbose.stdout.split("\n").every((l) => l === "" || l.startsWith("{")),
    "stdout stays JSON lines",
  );
});
