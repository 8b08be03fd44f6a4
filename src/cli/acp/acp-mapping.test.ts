import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEventOf } from "../../protocol/events.ts";
import { promptInput, replayUpdates } from "./acp-content.ts";
import { permissionAnswer, permissionRequest } from "./acp-permission.ts";
import { sessionUpdates, stopReason, toolKind } from "./acp-updates.ts";

const requested = (cause: string, suggestedRules?: string[]): AgentEventOf<"permission_requested"> => ({
  type: "permission_requested",
  sessionId: "s",
  turn: 1,
  ts: 0,
  requestId: "perm_1",
  callId: "call_1",
  tool: "bash",
  kind: "execute",
  arguments: { command: "rm -rf build" },
  target: "rm -rf build",
  reason: "it deletes files",
  cause: cause as AgentEventOf<"permission_requested">["cause"],
  ...(suggestedRules ? { suggestedRules } : {}),
});

test("a destructive request offers allow once and reject only; a choice not offered is a no", () => {
  const request = permissionRequest("s", requested("destructive", ["Bash(rm:*)"]), "/w");
  assert.deepEqual(
    request.options.map((o) => o.optionId),
    ["allow_once", "reject_once"],
  );
  assert.match(request.toolCall.title ?? "", /^Destructive: rm -rf build/);
  // A client (or a hostile one) answering "allow_always" anyway gets a no, not a saved rule.
  const answer = permissionAnswer({ outcome: "selected", optionId: "allow_always" }, request.options);
  assert.equal(answer.decision, "deny");
  assert.equal(permissionAnswer({ outcome: "cancelled" }, request.options).decision, "deny");
  assert.equal(permissionAnswer(undefined, request.options).decision, "deny");
  assert.deepEqual(permissionAnswer({ outcome: "selected", optionId: "allow_once" }, request.options), {
    decision: "allow_once",
  });
});

test("an ordinary request with a suggested rule offers to always allow it, named", () => {
  const request = permissionRequest("s", requested("mode", ["Bash(npm test)"]), "/w");
  const always = request.options.find((o) => o.optionId === "allow_always");
  assert.equal(always?.name, "Always allow Bash(npm test)");
  assert.deepEqual(permissionAnswer({ outcome: "selected", optionId: "allow_always" }, request.options), {
    decision: "allow_always",
  });
  const none = permissionRequest("s", requested("mode"), "/w");
  assert.ok(!none.options.some((o) => o.optionId === "allow_always"), "no rule, no always");
});

test("prompt blocks: text joined, file links as attachments, embedded text before the prompt, odd content refused", () => {
  const input = promptInput([
    { type: "text", text: "look at" },
    { type: "resource_link", uri: "file:///w/src/a.ts", name: "a.ts" },
    { type: "resource_link", uri: "file:///w/shot.png", name: "shot.png" },
    { type: "resource", resource: { uri: "file:///w/b.ts", text: "const b = 1;" } },
    { type: "resource_link", uri: "https://example.com/x", name: "x" },
  ]);
  assert.ok(input.ok);
  assert.deepEqual(input.attachments, [
    { type: "file", path: "/w/src/a.ts" },
    { type: "image", path: "/w/shot.png" },
  ]);
  assert.match(
    input.text,
    /^Content of file:\/\/\/w\/b\.ts:\n```\nconst b = 1;\n```\n\nlook at\n\[x\]\(https:\/\/example\.com\/x\)$/,
  );
  const svg = promptInput([{ type: "image", mimeType: "image/svg+xml", data: "PHN2Zz4=" }]);
  assert.ok(!svg.ok && /image\/png/.test(svg.problem));
  assert.ok(!promptInput([{ type: "audio", mimeType: "audio/wav", data: "AA==" }]).ok);
  assert.ok(!promptInput([{ type: "text", text: "  " }]).ok, "an empty prompt");
});

test("events become updates; a replay shows each call once with its result; stop reasons map, an error is none", () => {
  const call = {
    type: "tool_call" as const,
    id: "c1",
    name: "edit",
    arguments: { path: "a.ts", old_string: "x", new_string: "y" },
  };
  const [started] = sessionUpdates({ type: "tool_call_started", call, sessionId: "s", turn: 1, ts: 0 }, "/w");
  assert.ok(started.sessionUpdate === "tool_call");
  assert.equal(started.kind, "edit");
  assert.deepEqual(started.content, [{ type: "diff", path: "/w/a.ts", oldText: "x", newText: "y" }]);
  const replay = replayUpdates(
    [
      { role: "user", content: "fix a.ts" },
      { role: "assistant", content: [{ type: "text", text: "Fixing." }, call], stopReason: "tool_use" },
      { role: "tool", toolCallId: "c1", toolName: "edit", content: "Edited a.ts", isError: false },
    ],
    "/w",
  );
  assert.deepEqual(
    replay.map((u) => u.sessionUpdate),
    ["user_message_chunk", "agent_message_chunk", "tool_call", "tool_call_update"],
  );
  assert.equal(toolKind("bash"), "execute");
  assert.equal(toolKind("mcp__x__y"), "other");
  assert.equal(stopReason("aborted"), "cancelled");
  assert.equal(stopReason("max_turns"), "max_turn_requests");
  assert.equal(stopReason("error"), null);
});
