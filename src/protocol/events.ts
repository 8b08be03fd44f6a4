/**
 * AgentEvent: everything the loop reports, as one discriminated union on `type`.
 * Declared once as a map so the union stays exhaustive and greppable.
 * Types are snake_case past tense: they are facts.
 */
import type { ProviderError } from "./errors.ts";
import type { AssistantMessage, Message, ToolCallPart, Usage, UserMessage } from "./messages.ts";

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
  agent_started: { model: string };
  turn_started: Record<string, never>;
  request_sent: { attempt: number };
  text_delta: { text: string };
  reasoning_delta: { text: string };
  retry_scheduled: { attempt: number; delayMs: number; error: ProviderError };
  message_ended: { message: AssistantMessage; timing: ResponseTiming };
  tool_call_started: { call: ToolCallPart };
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
  agent_ended: {
    reason: AgentEndReason;
    error?: ProviderError;
    /** The messages this run added (user prompt excluded). */
    messages: Message[];
    usage: Usage;
    turns: number;
  };
};

export type AgentEventType = keyof EventMap;

type Common = { sessionId: string; turn: number; ts: number };

export type AgentEvent = { [K in AgentEventType]: { type: K } & Common & EventMap[K] }[AgentEventType];

export type AgentEventOf<K extends AgentEventType> = Extract<AgentEvent, { type: K }>;
