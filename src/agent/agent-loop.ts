/**
 * The agent loop. `runAgent` sends the conversation to the model, runs the tool calls it asks for, and repeats
 * until the model answers without tools, an error ends the run, the turn budget runs out, or the signal aborts.
 * When the server refuses native tools, it switches to the text tool protocol for the rest of the run.
 * Everything it needs is injected; it reports through events and never calls a UI, a store or a logger.
 */
import type { ProviderError } from "../protocol/errors.ts";
import type { AgentEndReason, AgentEvent, AgentEventOf, AgentEventType } from "../protocol/events.ts";
import type { Message, ToolCallPart, Usage } from "../protocol/messages.ts";
import type { HttpClient, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import {
  type ContextLimits,
  createTokenEstimator,
  fixedBytes,
  fixedPromptProblem,
  historyBytes,
  messageBytes,
  needsCompaction,
} from "./context-budget.ts";
import { createEventChannel } from "./event-channel.ts";
import { requestResponse, responseDeps } from "./model-response.ts";
import type { RetryPolicy } from "./retry.ts";
import { isToolSupportError, type ToolCallMode } from "./text-tool-protocol.ts";
import { type LoopTools, runToolCalls } from "./tool-call-runner.ts";
import { createRepeatGuard } from "./tool-loop-guard.ts";

export type { LoopTools, ToolCallOutcome } from "./tool-call-runner.ts";

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
  /** The model's context window: requests are kept inside it (compacting the history when needed). */
  context?: ContextLimits;
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
  let toolCalls: ToolCallMode = deps.model.toolCalls ?? "native";
  const guard = createRepeatGuard();
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
  const estimator = createTokenEstimator();
  const limits = deps.context;
  // The system prompt and tool list do not change during a run: measured once.
  const fixed = fixedBytes(context.system, deps.tools.specs);
  const fixedTokens = estimator.tokens(fixed);
  if (limits) {
    const last = history.at(-1);
    const problem = fixedPromptProblem(
      `${deps.model.provider}/${deps.model.id}`,
      limits,
      fixedTokens,
      last ? estimator.tokens(messageBytes(last)) : 0,
    );
    if (problem) return end("error", { kind: "context_length", message: problem, retryable: false });
  }
  while (true) {
    if (signal.aborted) return end("aborted");
    if (deps.maxTurns !== undefined && turn >= deps.maxTurns) return end("max_turns");
    turn++;
    emit("turn_started", {});
    if (limits && needsCompaction(history, limits, fixedTokens, estimator)) {
      // Loaded only when a conversation gets near the window.
      const { fitToWindow, summarise } = await import("./compaction.ts");
      const compaction = await fitToWindow(history, {
        limits,
        fixedTokens,
        estimator,
        signal,
        summarise: (text, summarySignal) => summarise(text, deps, summarySignal),
      });
      if (signal.aborted) return end("aborted");
      if (compaction) {
        history.splice(0, history.length, ...compaction.messages);
        emit("context_compacted", {
          method: compaction.method,
          beforeTokens: compaction.beforeTokens,
          afterTokens: compaction.afterTokens,
          window: limits.window,
          ...compaction.replacement,
        });
      }
    }
    const requestBytes = fixed + historyBytes(history);
    const ask = () =>
      requestResponse(
        {
          system: context.system,
          messages: history,
          tools: deps.tools.specs,
          maxOutputTokens: deps.maxOutputTokens,
        },
        responseDeps(deps, toolCalls),
        {
          requestSent: (attempt) => emit("request_sent", { attempt }),
          textDelta: (text) => emit("text_delta", { text }),
          reasoningDelta: (text) => emit("reasoning_delta", { text }),
          retryScheduled: (attempt, delayMs, error) => emit("retry_scheduled", { attempt, delayMs, error }),
        },
        signal,
      );
    let outcome = await ask();
    if (
      !outcome.ok &&
      toolCalls === "native" &&
      deps.tools.specs.length > 0 &&
      isToolSupportError(outcome.error)
    ) {
      toolCalls = "text";
      emit("tool_protocol_switched", { to: "text", reason: outcome.error.message });
      outcome = await ask();
    }
    if (!outcome.ok) return end(outcome.error.kind === "aborted" ? "aborted" : "error", outcome.error);
    const { message, timing } = outcome;
    estimator.calibrate(requestBytes, message.usage);
    addUsage(usage, message.usage);
    append(message);
    emit("message_ended", { message, timing });

    const calls = message.content.filter((p): p is ToolCallPart => p.type === "tool_call");
    if (calls.length === 0) {
      emit("turn_ended", {});
      return end("done");
    }
    const results = await runToolCalls(calls, outcome, deps.tools, guard, signal, {
      started: (call) => emit("tool_call_started", { call }),
      loopDetected: (call, repeats) => emit("tool_loop_detected", { call, repeats }),
      ended: (call, result, durationMs, repaired) =>
        emit("tool_call_ended", {
          call,
          content: result.content,
          isError: result.isError,
          durationMs,
          details: result.details,
          ...(repaired ? { repaired } : {}),
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
