/**
 * End to end: every run has its own scratch folder. Commands get it as TMPDIR (in the sandbox and without one),
 * the classifier lets them delete and overwrite there (and only there, of the temp dir), and it is gone when the
 * run ends.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const bash = (command: string): FakeTurn => ({ toolCalls: [{ name: "bash", arguments: { command } }] });

for (const sandboxed of [true, false]) {
  test(`a run's scratch folder is TMPDIR for commands and is removed at the end (${sandboxed ? "sandbox" : "no sandbox"})`, async () => {
    const sandbox = makeSandbox();
    if (!sandboxed) writeSettings(sandbox, "user", { sandbox: { enabled: false } });
    const fake = await startFakeServer({
      script: [
        bash('echo "scratch=$TMPDIR"; echo temp > "$TMPDIR/t.txt"; cat "$TMPDIR/t.txt"'),
        { text: "done" },
      ],
    });
    servers.push(fake);
    const { model, env } = providerSetup("anthropic-messages", fake.url);
    const result = await runHearth(
      sandbox,
      ["-p", "--model", model, "--output-format", "stream-json", "--permission-mode", "auto", "go"],
      { env },
    );
    assert.equal(result.code, 0, result.stderr);
    const init =
      result.events.find((e) => e.type === "system" || e.type === "session_info") ?? result.events[0];
    const sessionId = String(init.session_id ?? init.sessionId ?? "");
    const [out] = result.events.filter((e) => e.type === "tool_call_ended");
    assert.equal(out.isError, false, String(out.content));
    const scratch = /scratch=(\S+)/.exec(String(out.content))?.[1] ?? "";
    assert.match(scratch, /\/hearth-\d+\//, String(out.content));
    assert.ok(
      sessionId && scratch.includes(sessionId),
      `${scratch} is not named after the session ${sessionId}`,
    );
    assert.match(String(out.content), /^temp$/m);
    assert.equal(existsSync(scratch), false, "the scratch folder outlived the run");
  });
}

test("in the sandbox only the run's scratch folder is writable of the temp dir: someone else's files there are out of reach", {
  skip: spawnSync("bwrap", ["--version"]).status === 0 ? false : "needs bubblewrap",
}, async () => {
  const sandbox = makeSandbox();
  const victim = join(dirname(sandbox.project), "someone-elses");
  mkdirSync(victim);
  writeFileSync(join(victim, "data.txt"), "keep me\n");
  // What the classifier cannot read: an interpreter deleting by a computed path, an overwrite through base64.
  const commands = [
    `python3 -c "import shutil; shutil.rmtree('${victim}')"`,
    `echo ${Buffer.from(`echo gone > ${victim}/data.txt`).toString("base64")} | base64 -d | sh`,
  ];
  const fake = await startFakeServer({ script: [...commands.map(bash), { text: "done" }] });
  servers.push(fake);
  const { model, env } = providerSetup("anthropic-messages", fake.url);
  const result = await runHearth(
    sandbox,
    ["-p", "--model", model, "--output-format", "stream-json", "--permission-mode", "auto", "go"],
    { env },
  );
  assert.equal(result.code, 0, result.stderr);
  const results = result.events.filter((e) => e.type === "tool_call_ended");
  assert.equal(results.length, commands.length);
  assert.equal(readFileSync(join(victim, "data.txt"), "utf8"), "keep me\n", JSON.stringify(results));
  assert.match(String(results[0].content), /Read-only file system/);
});
