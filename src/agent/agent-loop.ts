/**
 * The agent loop. `runAgent` sends the conversation to the model, runs the tool calls it asks for, and repeats
 * until the model answers without tools, an error ends the run, the turn budget runs out, or the signal aborts.
 * Everything it needs is injected; it reports through events and never calls a UI, a store or a logger.
 */
import type { ProviderError } from "../protocol/errors.ts";
import type { AgentEndReason, AgentEvent, AgentEventOf, AgentEventType } from "../protocol/events.ts";
import type { Message, ToolCallPart, ToolResultMessage, ToolSpec, Usage } from "../protocol/messages.ts";
import type { HttpClient, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import { createEventChannel } from "./event-channel.ts";
import { requestResponse } from "./model-response.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.ts";

export type ToolCallOutcome = { content: string; isError: boolean; details?: unknown };

/** The tools as the loop sees them. `run` must never throw. */
export type LoopTools = {
  specs: ToolSpec[];
  run(call: ToolCallPart, signal: AbortSignal): Promise<ToolCallOutcome>;
  /** Calls for which this is true may run concurrently with their neighbours. */
  isConcurrencySafe(name: string): boolean;
};

export type AgentContext = {
  sessionId: string;
  system: string;
  /** The conversation so far, ending with the new user message. */
  messages: Message[];
};

export type AgentDeps = {
  model: ResolvedModel;
  stream: StreamFunction;
  http: HttpClient;
  tools: LoopTools;
  maxTurns?: number;
  maxOutputTokens?: number;
  retry?: RetryPolicy;
  idleTimeoutMs?: number;
  now?: () => number;
};

export type AgentResult = {
  reason: AgentEndReason;
  error?: ProviderError;
  messages: Message[];
  usage: Usage;
  turns: number;
};

export type AgentRun = { events: AsyncIterable<AgentEvent>; result: Promise<AgentResult> };

type Payload<K extends AgentEventType> = Omit<AgentEventOf<K>, "type" | "sessionId" | "turn" | "ts">;

export function runAgent(context: AgentContext, deps: AgentDeps, signal: AbortSignal): AgentRun {
  const channel = createEventChannel<AgentEvent>();
  const result = loop(context, deps, signal, channel.push).finally(() => channel.close());
  return { events: channel, result };
}

async function loop(
  context: AgentContext,
  deps: AgentDeps,
  signal: AbortSignal,
  push: (event: AgentEvent) => void,
): Promise<AgentResult> {
  const now = deps.now ?? Date.now;
  const history = [...context.messages];
  const added: Message[] = [];
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let turn = 0;
  const emit = <K extends AgentEventType>(type: K, payload: Payload<K>) =>
    push({ type, sessionId: context.sessionId, turn, ts: now(), ...payload } as unknown as AgentEvent);
  const append = (message: Message) => {
    history.push(message);
    added.push(message);
  };
  const end = (reason: AgentEndReason, error?: ProviderError): AgentResult => {
    emit("agent_ended", { reason, error, messages: added, usage, turns: turn });
    return { reason, error, messages: added, usage, turns: turn };
  };

  emit("agent_started", { model: `${deps.model.provider}/${deps.model.id}` });
  while (true) {
    if (signal.aborted) return end("aborted");
    if (deps.maxTurns !== undefined && turn >= deps.maxTurns) return end("max_turns");
    turn++;
    emit("turn_started", {});
    const outcome = await requestResponse(
      {
        system: context.system,
        messages: history,
        tools: deps.tools.specs,
        maxOutputTokens: deps.maxOutputTokens,
      },
      {
        model: deps.model,
        stream: deps.stream,
        http: deps.http,
        retry: deps.retry ?? DEFAULT_RETRY_POLICY,
        idleTimeoutMs: deps.idleTimeoutMs ?? 300_000,
        now,
      },
      {
        requestSent: (attempt) => emit("request_sent", { attempt }),
        textDelta: (text) => emit("text_delta", { text }),
        reasoningDelta: (text) => emit("reasoning_delta", { text }),
        retryScheduled: (attempt, delayMs, error) => emit("retry_scheduled", { attempt, delayMs, error }),
      },
      signal,
    );
    if (!outcome.ok) return end(outcome.error.kind === "aborted" ? "aborted" : "error", outcome.error);
    const { message, timing, argumentErrors } = outcome;
    addUsage(usage, message.usage);
    append(message);
    emit("message_ended", { message, timing });

    const calls = message.content.filter((p): p is ToolCallPart => p.type === "tool_call");
    if (calls.length === 0) {
      emit("turn_ended", {});
      return end("done");
    }
    const results = await runToolCalls(calls, argumentErrors, deps.tools, signal, {
      started: (call) => emit("tool_call_started", { call }),
      ended: (call, outcome, durationMs) =>
        emit("tool_call_ended", {
          call,
          content: outcome.content,
          isError: outcome.isError,
          durationMs,
          details: outcome.details,
        }),
    });
    for (const r of results) append(r);
    emit("turn_ended", {});
    if (signal.aborted) return end("aborted");
  }
}

function addUsage(total: Usage, more: Usage | undefined): void {
  if (!more) return;
  total.inputTokens += more.inputTokens;
  total.outputTokens += more.outputTokens;
  if (more.cacheReadTokens) total.cacheReadTokens = (total.cacheReadTokens ?? 0) + more.cacheReadTokens;
  if (more.cacheWriteTokens) total.cacheWriteTokens = (total.cacheWriteTokens ?? 0) + more.cacheWriteTokens;
}

type ToolEmit = {
  started(call: ToolCallPart): void;
  ended(call: ToolCallPart, outcome: ToolCallOutcome, durationMs: number): void;
};

/**
 * Runs the calls of one response. Consecutive concurrency-safe calls run together; the others one at a time.
 * Results come back in the order the model issued the calls, one per call, even when interrupted.
 */
async function runToolCalls(
  calls: ToolCallPart[],
  argumentErrors: Map<string, string>,
  tools: LoopTools,
  signal: AbortSignal,
  emit: ToolEmit,
): Promise<ToolResultMessage[]> {
  const outcomes: ToolCallOutcome[] = new Array(calls.length);
  const runOne = async (index: number) => {
    const call = calls[index];
    const started = Date.now();
    emit.started(call);
    let outcome: ToolCallOutcome;
    const argError = argumentErrors.get(call.id);
    if (signal.aborted) outcome = { content: "interrupted by the user before it ran", isError: true };
    else if (argError)
      outcome = {
        content: `${argError}; re-issue the ${call.name} call with a valid JSON object`,
        isError: true,
      };
    else outcome = await tools.run(call, signal);
    outcomes[index] = outcome;
    emit.ended(call, outcome, Date.now() - started);
  };
  let i = 0;
  while (i < calls.length) {
    if (tools.isConcurrencySafe(calls[i].name)) {
      const batch: number[] = [];
      while (i < calls.length && tools.isConcurrencySafe(calls[i].name)) batch.push(i++);
      await Promise.all(batch.map(runOne));
    } else {
      await runOne(i++);
    }
  }
  return calls.map((call, index) => ({
    role: "tool",
    toolCallId: call.id,
    toolName: call.name,
    content: outcomes[index].content,
    isError: outcomes[index].isError,
  }));
}
