import assert from "node:assert/strict";
import { test } from "node:test";
import { answerForKey, type PermissionRequest, permissionLines } from "./permission-prompt.ts";
import { createTheme } from "./theme.ts";

const plain = createTheme({ NO_COLOR: "1" });

function request(fields: Partial<PermissionRequest>): PermissionRequest {
  return {
    type: "permission_requested",
    sessionId: "s",
    turn: 1,
    ts: 0,
    requestId: "r1",
    callId: "c1",
    tool: "bash",
    kind: "exec",
    arguments: {},
    target: "npm test",
    reason: "ask mode asks before running commands",
    cause: "mode",
    ...fields,
  };
}

test("keys: y once, s session, a always only with a rule to save, n asks for a reason, Enter nothing", () => {
  const ask = request({ suggestedRules: ["bash(npm test:*)"] });
  assert.deepEqual(answerForKey(ask, "y"), { answer: { decision: "allow_once" } });
  assert.deepEqual(answerForKey(ask, "s"), { answer: { decision: "allow_session" } });
  assert.deepEqual(answerForKey(ask, "a"), { answer: { decision: "allow_always" } });
  assert.deepEqual(answerForKey(ask, "n"), { askReason: true });
  assert.equal(answerForKey(request({}), "a"), null);
  assert.equal(answerForKey(ask, "\r"), null);
});

test("a destructive request: a warning, only y and n, and the rule is not offered", () => {
  const destructive = request({ cause: "destructive", reason: "recursive delete of ~", target: "rm -rf ~" });
  assert.equal(answerForKey(destructive, "s"), null);
  assert.equal(answerForKey(destructive, "a"), null);
  const lines = permissionLines(destructive, plain, 80, 20);
  assert.match(lines[0], /^!! DESTRUCTIVE: recursive delete of ~/);
  assert.match(lines.join("\n"), /\$ rm -rf ~/);
  assert.equal(lines.at(-1), "[y] yes, run it   [n] no (say why)");
});

test("the rule 'always' saves is shown before the key is pressed; a long diff is cut to fit", () => {
  const diff = ["--- a.txt", "+++ a.txt", ...Array.from({ length: 40 }, (_, i) => `+line ${i}`)].join("\n");
  const edit = request({
    tool: "write",
    kind: "edit",
    target: "a.txt",
    diff,
    suggestedRules: ["write(/a.txt)"],
  });
  const lines = permissionLines(edit, plain, 80, 16);
  assert.ok(lines.length <= 16, String(lines.length));
  assert.ok(lines.some((line) => line === "a saves the rule write(/a.txt) in your settings"));
  assert.ok(lines.some((line) => /… \d+ more lines/.test(line)));
  assert.ok(lines.every((line) => line.length <= 80));
});
