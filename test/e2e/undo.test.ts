/** End to end: hearth -p edits files, hearth undo puts them back, and refuses when the user changed them since. */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test("undo restores the last prompt's edits in a folder that is not a git repository, and refuses after a user edit", async () => {
  const fake = await startFakeServer({
    script: [
      { toolCalls: [{ name: "read", arguments: { path: "app.txt" } }] },
      {
        toolCalls: [
          { name: "edit", arguments: { path: "app.txt", old_string: "version 1", new_string: "version 2" } },
          { name: "write", arguments: { path: "new/notes.txt", content: "created by the agent\n" } },
        ],
      },
      { text: "edited" },
      { toolCalls: [{ name: "read", arguments: { path: "app.txt" } }] },
      {
        toolCalls: [
          { name: "edit", arguments: { path: "app.txt", old_string: "version 1", new_string: "version 3" } },
        ],
      },
      { text: "edited again" },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox({ "app.txt": "version 1\n" });
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    model: "fake/m",
    permissionMode: "edits",
  });
  const app = join(sandbox.project, "app.txt");
  const notes = join(sandbox.project, "new", "notes.txt");

  const first = await runHearth(sandbox, ["-p", "change the version"]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(readFileSync(app, "utf8"), "version 2\n");
  assert.ok(existsSync(notes));
  const undo = await runHearth(sandbox, ["undo"]);
  assert.equal(undo.code, 0, undo.stderr);
  assert.equal(readFileSync(app, "utf8"), "version 1\n");
  assert.ok(!existsSync(notes), "the file the turn created is gone");
  assert.ok(!existsSync(join(sandbox.project, "new")), "and the folder it created");

  const second = await runHearth(sandbox, ["-p", "change it again"]);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(readFileSync(app, "utf8"), "version 3\n");
  writeFileSync(app, "version 3\nthe user's own line\n");
  const refused = await runHearth(sandbox, ["undo"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout + refused.stderr, /\+the user's own line/);
  assert.equal(readFileSync(app, "utf8"), "version 3\nthe user's own line\n", "nothing changed");
  const forced = await runHearth(sandbox, ["undo", "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(readFileSync(app, "utf8"), "version 1\n");
});
