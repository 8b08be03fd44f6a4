/**
 * AgentEvent: everything the loop and the session runtime report, as one discriminated union on `type`.
 * Declared once as a map so the union stays exhaustive and greppable.
 * Types are snake_case past tense: they are facts.
 */
import type { PermissionAnswer } from "./commands.ts";
import type { ProviderError } from "./errors.ts";
import type {
  AssistantMessage,
  ImageMediaType,
  Message,
  ToolCallPart,
  Usage,
  UserMessage,
} from "./messages.ts";

/** Per-response timing, recorded for every model response. */
export type ResponseTiming = {
  /** Request sent to first streamed token (text, reasoning or tool call), ms. */
  ttftMs: number | null;
  /** Request sent to end of response, ms. */
  durationMs: number;
  outputTokens: number;
  /** Output tokens per second, generation only (from the server's own timing when it reports one). */
  tokensPerSecond: number | null;
  /** Prompt tokens the model processed for this response (not those read from a cache), when reported. */
  promptTokens: number | null;
  /** Prompt processing speed: from the server's timing, else prompt tokens over time to first token. */
  promptTokensPerSecond: number | null;
};

/**
 * `max_output_tokens`: the last response was cut off by the output limit, also after asking the model to continue.
 * `max_time`, `max_cost`: the run's wall clock or cost limit was reached (agent/run-limits.ts).
 */
export type AgentEndReason =
  | "done"
  | "error"
  | "aborted"
  | "max_turns"
  | "max_output_tokens"
  | "max_time"
  | "max_cost";

type EventMap = {
  /** The loop started on a prompt, with this model (`provider/model`), or the runtime's name (`claude`) when an agent CLI runs the prompt. */
  agent_started: { model: string };
  /** A turn began: one model request and the tool calls it asks for. `turn` counts across the session's prompts. */
  turn_started: Record<string, never>;
  /** The request went to the model; `attempt` is 1, then 2, 3, ... when it is retried. */
  request_sent: { attempt: number };
  /** A piece of the answer as it streams. */
  text_delta: { text: string };
  /** A piece of the model's reasoning, when the provider sends it. */
  reasoning_delta: { text: string };
  /** The request failed with `error` and is sent again after `delayMs`; text deltas start over after it. */
  retry_scheduled: { attempt: number; delayMs: number; error: ProviderError };
  /** One model response ended: the whole message (text, reasoning, tool calls, usage) and its timing. */
  message_ended: { message: AssistantMessage; timing: ResponseTiming };
  /** A tool call of the response is taken up (its permission, if it needs one, comes next; then it runs). */
  tool_call_started: { call: ToolCallPart };
  /** A tool call ended: `content` is exactly what the model sees; `details` is the tool's own (an edit's diff, a command's exit code). */
  tool_call_ended: {
    call: ToolCallPart;
    content: string;
    isError: boolean;
    durationMs: number;
    details?: unknown;
    /** What hearth fixed in the call before running it, e.g. "trailing comma", `argument "Path" -> "path"`. */
    repaired?: string[];
  };
  /** The model issued the same call (same tool, same arguments) `repeats` times in a row; this one was not run. */
  tool_loop_detected: { call: ToolCallPart; repeats: number };
  /** The server refused native tool calls (`reason`); tools go through the text protocol for the rest of the run. */
  tool_protocol_switched: { to: "text"; reason: string };
  /** The turn is over (its response and its tool results are in the conversation). */
  turn_ended: Record<string, never>;
  /** The response was cut off by the output limit; `message` (added to the conversation) asks the model to go on. */
  continuation_requested: { message: UserMessage };
  /** The history was made smaller to fit the model's context window (see agent/compaction.ts). */
  context_compacted: {
    method: "elided" | "summarised" | "dropped" | "truncated";
    beforeTokens: number;
    afterTokens: number;
    window: number;
    /** "server": the server refused the request as too long, and the request is sent again once compacted. */
    cause?: "server";
    /** For summarised/dropped: the message now standing for the older turns, followed by the last `keepLast`. */
    summary?: string;
    keepLast?: number;
  };
  /**
   * The prompt is run by another agent CLI (`runtime`: claude, codex, gemini, opencode) and it said its own
   * session id: the session records it, and the next prompt with that runtime continues the child's session.
   * `resumed`: this prompt continued it. Its messages carry the runtime's name as their `provider`.
   */
  runtime_session: { runtime: string; childSessionId: string; resumed: boolean };
  /** The loop ended on this prompt: why, with the provider's error when it failed, the usage and the turns it took. */
  agent_ended: {
    reason: AgentEndReason;
    error?: ProviderError;
    /** The messages this run added (user prompt excluded). */
    messages: Message[];
    usage: Usage;
    turns: number;
  };
};

/** Why a call asks (policy/permission-engine.ts `AskCause`): fronts word their prompt from it. */
export type PermissionCause =
  | "mode"
  | "outside"
  | "rule"
  | "destructive"
  | "protected"
  | "secret"
  | "unsandboxed"
  /** `--model auto` would send a session that has been local to a cloud model (tool "route"). */
  | "cloud";

/** The rest of the union comes from the session runtime (runtime/), around the loop's own events. */
type SessionEventMap = {
  /** The session is open: what it runs with. The first event of a session, and again after set_model/set_mode. */
  session_info: {
    model: string;
    /** The model runs on this machine (no byte of the conversation leaves it). */
    local: boolean;
    tools: string[];
    cwd: string;
    permissionMode: string;
    version: string;
    /** Continued (-c) or resumed (-r) rather than new. */
    resumed: boolean;
    /** The MCP servers of the session (absent when none is configured): ready or failed, and their tools. */
    mcpServers?: Array<{ name: string; state: string; tools: number; error?: string }>;
    /** The model's context window in tokens, when known (for Ollama, the num_ctx hearth sends). */
    contextWindow?: number;
    /** The agent CLI that runs the prompts instead of hearth's own loop (`--runtime`), when there is one. */
    runtime?: string;
  };
  /** A prompt started (after the user's text was recorded): the session's turn is this event's `turn`. */
  user_message: {
    text: string;
    /** The images sent with it (their names, types and sizes; never their bytes). */
    images?: Array<{ name?: string; mediaType: ImageMediaType; bytes: number }>;
  };
  /** `--model auto` chose this prompt's model: which, whether it is local, and the rule or guard that decided. */
  route_decided: { model: string; local: boolean; rule: string };
  /** A line for the person at the front: a warning, a notice, a problem (already redacted). */
  notice: { level: "info" | "warning" | "error"; text: string };
  /**
   * A call needs a yes. Answer it with the `answer_permission` command; until then the call waits. `target` is
   * the command or the path, `reason` why it asks; `suggestedRules` would allow it in permissions.allow.
   */
  permission_requested: {
    requestId: string;
    callId: string;
    tool: string;
    kind: string;
    arguments: Record<string, unknown>;
    target: string;
    reason: string;
    cause: PermissionCause;
    suggestedRules?: string[];
    suggestedMode?: string;
    /** Cause "unsandboxed": the mode would allow it if commands ran in an OS sandbox. */
    allowedWithSandbox?: boolean;
    /** For write and edit: the change, as a unified diff of lines. */
    diff?: string;
  };
  /**
   * A call was allowed after asking, or refused (by a rule, by an answer, or because the prompt was
   * interrupted while it waited). `requestId` is absent when nobody was asked (a deny rule, plan mode).
   */
  permission_resolved: {
    requestId?: string;
    callId: string;
    tool: string;
    arguments: Record<string, unknown>;
    target: string;
    decision: "allow" | "deny";
    by: "rule" | "answer" | "interrupt";
    answer?: PermissionAnswer["decision"];
    reason?: string;
    /** allow_always: the rule saved, and where. */
    savedRule?: string;
    savedTo?: string;
  };
  /** What a running tool reports while it runs (a command's last line of output). */
  tool_progress: { callId: string; tool: string; text: string };
  /** The prompt is over: how it ended, what it cost, how long it took. The session takes the next prompt. */
  prompt_ended: {
    reason: AgentEndReason;
    /** Why it failed, in one line (reason "error"). */
    error?: string;
    turns: number;
    usage: Usage;
    /** From the catalog's prices; null for local models and unknown prices. */
    costUsd: number | null;
    durationMs: number;
  };
  /** `undo`: the files of a turn put back as they were before it. */
  undo_done: { undoneTurn: number; files: string[] };
  /** The last event of a session. */
  session_closed: Record<never, never>;
};

type AllEvents = EventMap & SessionEventMap;

export type AgentEventType = keyof AllEvents;

type Common = { sessionId: string; turn: number; ts: number };

export type AgentEvent = { [K in AgentEventType]: { type: K } & Common & AllEvents[K] }[AgentEventType];

/** Everything a session runtime reports: the loop's events and its own. One union, one vocabulary. */
export type SessionEvent = AgentEvent;

export type AgentEventOf<K extends AgentEventType> = Extract<AgentEvent, { type: K }>;
