/**
 * End to end: `hearth -p --runtime opencode` runs the real OpenCode CLI against the fake model server (OpenAI
 * Chat): ask mode refuses its write, edits mode allows it, and -c continues its session.
 *
 * opencode-ai is not a devDependency: it lists one optional package per platform, and the registry these machines
 * reach answers 404 for all but the linux-x64 ones (e.g. opencode-darwin-arm64@1.18.33), so npm records none of
 * them and `npm ci` then refuses the lockfile. These tests run when an `opencode` is on PATH (checked with
 * opencode-ai 1.18.33: `npm install -g opencode-ai@1.18.33`), and skip saying so otherwise.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { findExecutable } from "../../src/policy/find-executable.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { OPENCODE_TITLE_TURN, opencodeEnv, requestText, sessionRecords } from "../support/runtimes.ts";
import { makeSandbox, runHearth } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const TIMEOUT = 90_000;
const write = { name: "write", arguments: { filePath: "hello.txt", content: "hi\n" } };
const skip = findExecutable("opencode", process.env.PATH)
  ? false
  : "no opencode on PATH (opencode-ai cannot be a devDependency: npm ci fails on its platform packages missing from this registry)";

test("opencode in ask mode: its write is refused and nothing changes", {
  timeout: 120_000,
  skip,
}, async () => {
  const sandbox = makeSandbox();
  const fake = await startFakeServer({
    script: [OPENCODE_TITLE_TURN, { text: "Writing.", toolCalls: [write] }],
  });
  servers.push(fake);
  const run = await runHearth(
    sandbox,
    ["-p", "--runtime", "opencode", "--output-format", "stream-json", "write hello"],
    {
      env: opencodeEnv(sandbox, fake),
      timeoutMs: TIMEOUT,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(existsSync(join(sandbox.project, "hello.txt")), false);
  const call = run.events.find((e) => e.type === "tool_call_ended") as { isError: boolean; content: string };
  assert.equal(call.isError, true);
  assert.match(call.content, /rejected permission/);
});

test("opencode in edits mode writes; -c continues its session", { timeout: 200_000, skip }, async () => {
  const sandbox = makeSandbox();
  const fake = await startFakeServer({
    script: [OPENCODE_TITLE_TURN, { toolCalls: [write] }, { text: "Done writing." }, { text: "More." }],
  });
  servers.push(fake);
  const env = opencodeEnv(sandbox, fake);
  const first = await runHearth(
    sandbox,
    [
      "-p",
      "--runtime",
      "opencode",
      "--permission-mode",
      "edits",
      "--output-format",
      "stream-json",
      "write hello",
    ],
    { env, timeoutMs: TIMEOUT },
  );
  assert.equal(first.code, 0, first.stderr);
  assert.equal(readFileSync(join(sandbox.project, "hello.txt"), "utf8"), "hi\n");
  const child = first.events.find((e) => e.type === "runtime_session") as { childSessionId: string };
  assert.match(child.childSessionId, /^ses_/);
  assert.equal((first.events.find((e) => e.type === "result") as { result: string }).result, "Done writing.");
  assert.ok(
    sessionRecords(sandbox).some((r) => r.type === "runtime" && r.childSessionId === child.childSessionId),
  );

  const second = await runHearth(sandbox, ["-p", "-c", "--output-format", "stream-json", "and then?"], {
    env,
    timeoutMs: TIMEOUT,
  });
  assert.equal(second.code, 0, second.stderr);
  const resumed = second.events.find((e) => e.type === "runtime_session") as {
    childSessionId: string;
    resumed: boolean;
  };
  assert.deepEqual([resumed.childSessionId, resumed.resumed], [child.childSessionId, true]);
  assert.ok(requestText(fake, fake.modelRequests.length - 1).includes("write hello"));
});
