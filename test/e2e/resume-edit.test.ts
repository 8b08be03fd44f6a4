/**
 * End to end: a file read in an earlier run of a session counts as read after `-c` (the session keeps what the
 * model saw of it); changed on disk since, the edit is refused as changed, and nothing is written.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test("after -c, a file read in an earlier run can be edited; one changed on disk since is refused as changed", async () => {
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ id: "r1", name: "read", arguments: { path: "a.txt" } }] },
      { text: "read it" },
      {
        toolCalls: [
          { id: "e1", name: "edit", arguments: { path: "a.txt", old_string: "hello", new_string: "bye" } },
        ],
      },
      { text: "done" },
      {
        toolCalls: [
          { id: "e2", name: "edit", arguments: { path: "a.txt", old_string: "bye", new_string: "ciao" } },
        ],
      },
      { text: "could not" },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox({ "a.txt": "hello\n" });
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m1",
  });
  const first = await runHearth(sandbox, ["-p", "read a.txt"]);
  assert.equal(first.code, 0, first.stderr);
  const second = await runHearth(sandbox, ["-c", "-p", "--permission-mode", "edits", "change hello to bye"]);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(
    readFileSync(join(sandbox.project, "a.txt"), "utf8"),
    "bye\n",
    "the edit after -c went through",
  );

  // The user changes the file behind the model's back: the next edit after -c is refused, the change kept.
  writeFileSync(join(sandbox.project, "a.txt"), "bye, and mine\n");
  const third = await runHearth(sandbox, ["-c", "-p", "--permission-mode", "edits", "change bye to ciao"]);
  assert.equal(third.code, 0, third.stderr);
  const last = JSON.stringify(fake.requests.at(-1)?.body);
  assert.match(last, /a\.txt changed on disk since you last read it; read it again/);
  assert.equal(
    readFileSync(join(sandbox.project, "a.txt"), "utf8"),
    "bye, and mine\n",
    "the refused edit changed nothing",
  );
});
