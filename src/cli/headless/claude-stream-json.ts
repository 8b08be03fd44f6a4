/**
 * `--output-format claude-stream-json`: the run as Claude Code's `claude -p --output-format stream-json --verbose`
 * writes it, so that programs written for that stream read hearth's unchanged. One JSON object a line:
 * `system`/`init` first; an `assistant` message (content blocks text, thinking, tool_use) per model response; a
 * `user` message with one `tool_result` block per tool call; `result` last. Tool names and the file tools'
 * `path` argument take Claude Code's names (Bash, Read, `file_path`); hearth's own vocabulary is stream-json.
 */
import type { SessionEvent } from "../../protocol/events.ts";
import { newSessionId } from "../../protocol/ids.ts";
import type { AssistantMessage, StopReason, Usage } from "../../protocol/messages.ts";
import type { HeadlessOutput } from "./output-formats.ts";
import { type RunSummary, resultObject } from "./run-summary.ts";

type Line = Record<string, unknown>;

const TOOL_NAMES: Record<string, string> = {
  bash: "Bash",
  read: "Read",
  write: "Write",
  edit: "Edit",
  glob: "Glob",
  grep: "Grep",
  ls: "LS",
};
/** Tools whose `path` argument Claude Code calls `file_path`. */
const FILE_TOOLS = new Set(["read", "write", "edit"]);

const PERMISSION_MODES: Record<string, string> = {
  ask: "default",
  edits: "acceptEdits",
  auto: "bypassPermissions",
  plan: "plan",
};

const STOP_REASONS: Record<StopReason, string | null> = {
  stop: "end_turn",
  tool_use: "tool_use",
  length: "max_tokens",
  error: null,
  aborted: null,
};

/** Claude Code's result subtypes: hearth's success and max-turns map one to one, every other end is an error. */
const SUBTYPES: Record<string, string> = { success: "success", error_max_turns: "error_max_turns" };

export function createClaudeStreamJsonOutput(write: (text: string) => void): HeadlessOutput {
  const line = (value: Line) => write(`${JSON.stringify(value)}\n`);
  let sessionId = "";
  let model = "";
  let apiMs = 0;
  return {
    event(event: SessionEvent) {
      if (event.type === "session_info" && sessionId === "") {
        sessionId = event.sessionId;
        model = event.model;
        line({
          type: "system",
          subtype: "init",
          cwd: event.cwd,
          session_id: event.sessionId,
          tools: event.tools.map(toolName),
          mcp_servers: [],
          model: event.model,
          permissionMode: PERMISSION_MODES[event.permissionMode] ?? event.permissionMode,
          slash_commands: [],
          apiKeySource: "none",
          output_style: "default",
          uuid: newSessionId(),
        });
      } else if (event.type === "message_ended") {
        apiMs += event.timing.durationMs;
        line(envelope("assistant", assistantMessage(event.message, model), sessionId));
      } else if (event.type === "tool_call_ended") {
        const result = {
          type: "tool_result",
          tool_use_id: event.call.id,
          content: event.content,
          is_error: event.isError,
        };
        line(envelope("user", { role: "user", content: [result] }, sessionId));
      }
    },
    finish(summary: RunSummary) {
      line(resultLine(summary, apiMs));
    },
  };
}

function envelope(type: "assistant" | "user", message: Line, sessionId: string): Line {
  return { type, message, parent_tool_use_id: null, session_id: sessionId, uuid: newSessionId() };
}

function assistantMessage(message: AssistantMessage, model: string): Line {
  const content: Line[] = [];
  for (const part of message.content) {
    if (part.type === "text" && part.text !== "") content.push({ type: "text", text: part.text });
    else if (part.type === "reasoning")
      content.push({ type: "thinking", thinking: part.text, signature: part.signature ?? "" });
    else if (part.type === "tool_call")
      content.push({ type: "tool_use", id: part.id, name: toolName(part.name), input: toolInput(part) });
  }
  return {
    id: `msg_${newSessionId().replaceAll("-", "")}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: STOP_REASONS[message.stopReason],
    stop_sequence: null,
    usage: usage(message.usage),
  };
}

function resultLine(summary: RunSummary, apiMs: number): Line {
  // Built on hearth's own result, so that what it gains (permission denials) reaches this format too.
  const own = resultObject(summary);
  const subtype = SUBTYPES[String(own.subtype)] ?? "error_during_execution";
  return {
    type: "result",
    subtype,
    is_error: own.is_error,
    duration_ms: own.duration_ms,
    duration_api_ms: apiMs,
    num_turns: own.num_turns,
    result: own.result,
    session_id: own.session_id,
    // Claude Code always sends a number; a model without a known price (a local one) costs nothing here.
    total_cost_usd: summary.costUsd ?? 0,
    usage: usage(summary.result.usage),
    permission_denials: Array.isArray(own.permission_denials) ? own.permission_denials : [],
    ...(typeof own.error === "string" ? { errors: [own.error] } : {}),
    uuid: newSessionId(),
  };
}

function usage(value: Usage | undefined): Line {
  return {
    input_tokens: value?.inputTokens ?? 0,
    cache_creation_input_tokens: value?.cacheWriteTokens ?? 0,
    cache_read_input_tokens: value?.cacheReadTokens ?? 0,
    output_tokens: value?.outputTokens ?? 0,
  };
}

function toolName(name: string): string {
  return TOOL_NAMES[name] ?? name;
}

function toolInput(call: { name: string; arguments: Record<string, unknown> }): Record<string, unknown> {
  if (!FILE_TOOLS.has(call.name) || !("path" in call.arguments)) return call.arguments;
  const { path, ...rest } = call.arguments;
  return { file_path: path, ...rest };
}
