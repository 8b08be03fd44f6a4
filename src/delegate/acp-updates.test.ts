import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acpEnded, acpUpdateEvents } from "./acp-updates.ts";

describe("ACP session updates as runtime events", () => {
  it("chunks, a tool call and its end; a call ended twice or never started says nothing more", () => {
    const started = new Set<string>();
    const all = [
      { sessionUpdate: "agent_thought_chunk", content: { type: "text", text: "hmm" } },
      { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "ok" } },
      { sessionUpdate: "agent_message_chunk", content: { type: "image", data: "x" } },
      {
        sessionUpdate: "tool_call",
        toolCallId: "t1",
        title: "npm test",
        kind: "execute",
        rawInput: { command: "npm test" },
      },
      { sessionUpdate: "tool_call_update", toolCallId: "t1", status: "in_progress" },
      {
        sessionUpdate: "tool_call_update",
        toolCallId: "t1",
        status: "failed",
        content: [{ type: "content", content: { type: "text", text: "1 failing" } }],
      },
      { sessionUpdate: "tool_call_update", toolCallId: "t1", status: "completed" },
      { sessionUpdate: "tool_call_update", toolCallId: "t9", status: "completed" },
      { sessionUpdate: "plan", entries: [] },
    ].flatMap((update) => acpUpdateEvents(update, started));
    assert.deepEqual(all, [
      { kind: "reasoning", text: "hmm" },
      { kind: "text", text: "ok" },
      { kind: "tool_call", id: "t1", name: "execute", arguments: { title: "npm test", command: "npm test" } },
      { kind: "tool_result", id: "t1", content: "1 failing", isError: true },
    ]);
  });

  it("only end_turn is a finished run", () => {
    assert.deepEqual(acpEnded("end_turn", { inputTokens: 3, outputTokens: 4 }), {
      kind: "ended",
      ok: true,
      usage: { inputTokens: 3, outputTokens: 4 },
    });
    assert.deepEqual(acpEnded("refusal"), { kind: "ended", ok: false, error: "the agent stopped: refusal" });
  });
});
