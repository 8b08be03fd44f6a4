/**
 * End to end: `hearth -p --runtime gemini` runs the real Gemini CLI (devDependency, pinned) against the fake
 * model server: its streamed text and tool calls become ours, edits mode maps to its auto_edit, and -c resumes
 * its session.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { GEMINI_ROUTER_TURN, geminiEnv, requestText, sessionRecords } from "../support/runtimes.ts";
import { makeSandbox, runHearth } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const TIMEOUT = 90_000;

test("gemini writes in edits mode; its events and turns are ours; -c resumes its session", {
  timeout: 200_000,
}, async () => {
  const sandbox = makeSandbox();
  const fake = await startFakeServer({
    script: [
      GEMINI_ROUTER_TURN,
      {
        text: "I will write.",
        toolCalls: [{ name: "write_file", arguments: { file_path: "hello.txt", content: "hi\n" } }],
      },
      { text: "Done writing." },
      GEMINI_ROUTER_TURN,
      { text: "Again." },
    ],
  });
  servers.push(fake);
  const env = geminiEnv(sandbox, fake);
  const first = await runHearth(
    sandbox,
    [
      "-p",
      "--runtime",
      "gemini",
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
  const call = first.events.find((e) => e.type === "tool_call_ended") as {
    call: { name: string };
    isError: boolean;
  };
  assert.deepEqual([call.call.name, call.isError], ["write_file", false]);
  const text = first.events
    .filter((e) => e.type === "text_delta")
    .map((e) => e.text)
    .join("");
  assert.equal(text, "I will write.Done writing.");
  const child = first.events.find((e) => e.type === "runtime_session") as { childSessionId: string };
  const records = sessionRecords(sandbox);
  assert.ok(
    records.some(
      (r) => r.type === "runtime" && r.runtime === "gemini" && r.childSessionId === child.childSessionId,
    ),
  );

  const second = await runHearth(sandbox, ["-p", "-c", "--output-format", "stream-json", "once more"], {
    env,
    timeoutMs: TIMEOUT,
  });
  assert.equal(second.code, 0, second.stderr);
  assert.equal((second.events.find((e) => e.type === "result") as { result: string }).result, "Again.");
  assert.ok(
    requestText(fake, 4).includes("write hello"),
    "the resumed session sends the earlier conversation",
  );
});
