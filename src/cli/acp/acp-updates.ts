/**
 * The runtime's events as ACP session updates: the answer and the thinking as message chunks, each tool call as
 * a `tool_call` (its kind, a title, the files it touches, an edit's or a write's change as a diff) followed by
 * `tool_call_update`s (progress, then completed or failed with what the model got back). A mode change is a
 * `current_mode_update`. Pure: the server sends what this returns.
 */
import { isAbsolute, resolve } from "node:path";
import type { SessionUpdate, StopReason, ToolCallContent, ToolKind } from "@agentclientprotocol/sdk";
import type { AgentEndReason, SessionEvent } from "../../protocol/events.ts";
import type { ToolCallPart } from "../../protocol/messages.ts";
import { toolCallLine } from "../tool-call-line.ts";

/** What a tool result shows the client at most (the model's own copy is capped by the runtime already). */
const MAX_RESULT_CHARS = 20_000;

const KINDS: Record<string, ToolKind> = {
  read: "read",
  ls: "read",
  grep: "search",
  glob: "search",
  edit: "edit",
  write: "edit",
  bash: "execute",
};

export function toolKind(name: string): ToolKind {
  return KINDS[name] ?? "other";
}

/** "npm test", "edit src/a.ts (-1 +3 lines)": the line every front shows, without its arrow. */
export function toolTitle(call: ToolCallPart): string {
  return toolCallLine(call).replace(/^→ /, "");
}

/** The files a call touches, as absolute paths (the client opens them). */
export function toolLocations(call: ToolCallPart, cwd: string): Array<{ path: string; line?: number }> {
  const path = call.arguments.path;
  if (typeof path !== "string" || path === "") return [];
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  const offset = call.arguments.offset;
  return [typeof offset === "number" && offset > 0 ? { path: absolute, line: offset } : { path: absolute }];
}

/** An edit's or a write's change as ACP diff content (an edit: the replaced text; a write: the new file). */
export function toolDiff(call: ToolCallPart, cwd: string): ToolCallContent[] {
  const [location] = toolLocations(call, cwd);
  if (!location) return [];
  const args = call.arguments;
  if (call.name === "edit" && typeof args.old_string === "string" && typeof args.new_string === "string")
    return [{ type: "diff", path: location.path, oldText: args.old_string, newText: args.new_string }];
  if (call.name === "write" && typeof args.content === "string")
    return [{ type: "diff", path: location.path, oldText: null, newText: args.content }];
  return [];
}

function text(value: string): ToolCallContent {
  const cut = value.length > MAX_RESULT_CHARS ? `${value.slice(0, MAX_RESULT_CHARS)}\n… (cut)` : value;
  return { type: "content", content: { type: "text", text: cut } };
}

/** The updates an event makes, in order (most events make none). `cwd`: the session's workspace. */
export function sessionUpdates(event: SessionEvent, cwd: string): SessionUpdate[] {
  switch (event.type) {
    case "text_delta":
      return [{ sessionUpdate: "agent_message_chunk", content: { type: "text", text: event.text } }];
    case "reasoning_delta":
      return [{ sessionUpdate: "agent_thought_chunk", content: { type: "text", text: event.text } }];
    case "tool_call_started":
      return [
        {
          sessionUpdate: "tool_call",
          toolCallId: event.call.id,
          title: toolTitle(event.call),
          kind: toolKind(event.call.name),
          status: "in_progress",
          rawInput: event.call.arguments,
          locations: toolLocations(event.call, cwd),
          content: toolDiff(event.call, cwd),
        },
      ];
    case "tool_progress":
      return [
        {
          sessionUpdate: "tool_call_update",
          toolCallId: event.callId,
          status: "in_progress",
          content: [text(event.text)],
        },
      ];
    case "tool_call_ended": {
      const diff = toolDiff(event.call, cwd);
      return [
        {
          sessionUpdate: "tool_call_update",
          toolCallId: event.call.id,
          status: event.isError ? "failed" : "completed",
          content: [...(event.isError ? [] : diff), text(event.content)],
          ...(event.details !== undefined ? { rawOutput: event.details } : {}),
        },
      ];
    }
    case "session_info":
      return [{ sessionUpdate: "current_mode_update", currentModeId: event.permissionMode }];
    default:
      return [];
  }
}

/** Why a prompt ended, as ACP says it; an error is not a stop reason (the prompt request fails instead). */
export function stopReason(reason: AgentEndReason): StopReason | null {
  switch (reason) {
    case "done":
      return "end_turn";
    case "aborted":
      return "cancelled";
    case "max_turns":
      return "max_turn_requests";
    case "max_output_tokens":
      return "max_tokens";
    case "max_time":
    case "max_cost":
      // A limit of the run the user set: the turn ends there, as at the end of a turn.
      return "end_turn";
    case "error":
      return null;
  }
}
