/** End to end: an edit after `-c` of a file read in an earlier run of the session is refused with a true message. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test("after -c, editing a file read only in an earlier run says so instead of 'not read in this session'", async () => {
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
  const last = JSON.stringify(fake.requests.at(-1)?.body);
  assert.match(last, /a\.txt has not been read since this run of hearth started/);
  assert.match(last, /earlier runs of a resumed session do not count/);
  assert.doesNotMatch(last, /has not been read in this session/);
  assert.equal(
    readFileSync(join(sandbox.project, "a.txt"), "utf8"),
    "hello\n",
    "the refused edit changed nothing",
  );
});
