/**
 * AgentEvent: everything the loop reports, as one discriminated union on `type`.
 * Declared once as a map so the union stays exhaustive and greppable.
 * Types are snake_case past tense: they are facts.
 */
import type { ProviderError } from "./errors.ts";
import type { AssistantMessage, Message, ToolCallPart, Usage } from "./messages.ts";

/** Per-response timing, recorded for every model response. */
export type ResponseTiming = {
  /** Request sent to first streamed token (text, reasoning or tool call), ms. */
  ttftMs: number | null;
  /** Request sent to end of response, ms. */
  durationMs: number;
  outputTokens: number;
  /** Output tokens per second after the first token, when known. */
  tokensPerSecond: number | null;
};

export type AgentEndReason = "done" | "error" | "aborted" | "max_turns";

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
  };
  turn_ended: Record<string, never>;
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
