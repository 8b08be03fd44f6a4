/**
 * The agent loop. `runAgent` sends the conversation to the model, runs the tool calls it asks for, and repeats
 * until the model answers without tools, an error ends the run, the turn budget runs out, a limit of the run
 * (time, cost: run-limits.ts) is reached, or the signal aborts.
 * When the server refuses native tools, it switches to the text tool protocol for the rest of the run. When the
 * server refuses a request as too long, the history is compacted and the request sent once more. An answer cut
 * off by the output limit gets one request to continue; cut off again, the run ends with `max_output_tokens`.
 * Everything it needs is injected; it reports through events and never calls a UI, a store or a logger.
 */
import type { ProviderError } from "../protocol/errors.ts";
import type { AgentEndReason, AgentEvent, AgentEventOf, AgentEventType } from "../protocol/events.ts";
import { imagePlaceholder, imageTypesTaken } from "../protocol/images.ts";
import type { ImagePart, Message, TextPart, ToolCallPart, Usage, UserMessage } from "../protocol/messages.ts";
import type { HttpClient, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import {
  type ContextLimits,
  createTokenEstimator,
  fixedBytes,
  fixedPromptProblem,
  historyBytes,
  historyImages,
  historyTokens,
  messageTokens,
  needsCompaction,
  shrunkLimits,
  type TokenEstimator,
} from "./context-budget.ts";
import { createEventChannel } from "./event-channel.ts";
import { requestResponse, responseDeps } from "./model-response.ts";
import type { RetryPolicy } from "./retry.ts";
import { guardRun, type RunGuard, type RunLimits } from "./run-limits.ts";
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
  /** Wall clock and cost for the whole run; each ends it with its own reason, the session left resumable. */
  limits?: RunLimits;
  maxOutputTokens?: number;
  retry?: RetryPolicy;
  /** Replaces the provider kind's first-byte and idle timeouts (response-limits.ts). */
  idleTimeoutMs?: number;
  /** Replaces the provider kind's retry budget: wall-clock time across the attempts of one request. */
  retryBudgetMs?: number;
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

/** What the model is asked after a response cut off by the output limit. */
export const CONTINUE_PROMPT =
  "Your last response was cut off by the output token limit. Continue exactly where it stopped, without repeating anything; keep the rest short.";

export function runAgent(context: AgentContext, deps: AgentDeps, signal: AbortSignal): AgentRun {
  const channel = createEventChannel<AgentEvent>();
  const guard = guardRun(deps.limits, deps.model, signal);
  const result = loop(context, deps, guard, channel.push).finally(() => {
    guard.dispose();
    channel.close();
  });
  return { events: channel, result };
}

async function loop(
  context: AgentContext,
  deps: AgentDeps,
  guard: RunGuard,
  push: (event: AgentEvent) => void,
): Promise<AgentResult> {
  // Aborted by the caller or by the run's clock: everything below stops on it.
  const { signal } = guard;
  const now = deps.now ?? Date.now;
  // An image the model does not take is its placeholder (a session may have changed models since it was sent).
  const history = withoutImagesNotTaken(context.messages, deps.model);
  const added: Message[] = [];
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let turn = 0;
  let toolCalls: ToolCallMode = deps.model.toolCalls ?? "native";
  const repeats = createRepeatGuard();
  const emit = <K extends AgentEventType>(type: K, payload: Payload<K>) =>
    push({ type, sessionId: context.sessionId, turn, ts: now(), ...payload } as unknown as AgentEvent);
  const append = (message: Message) => {
    history.push(message);
    added.push(message);
  };
  const end = (ended: AgentEndReason, cause?: ProviderError): AgentResult => {
    // An abort by the run's clock is that limit, not an interrupt (and not the request's "interrupted" error).
    const hit = ended === "aborted" ? guard.hit() : undefined;
    const reason = hit ?? ended;
    const error = hit ? undefined : cause;
    emit("agent_ended", { reason, error, messages: added, usage, turns: turn });
    return { reason, error, messages: added, usage, turns: turn };
  };

  emit("agent_started", { model: `${deps.model.provider}/${deps.model.id}` });
  const estimator: TokenEstimator = createTokenEstimator();
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
      last ? messageTokens(last, estimator) : 0,
    );
    if (problem) return end("error", { kind: "context_length", message: problem, retryable: false });
  }
  /** Compacts the history to fit `to`; null when nothing was done (or the run was aborted meanwhile). */
  const compact = async (to: ContextLimits, cause?: "server") => {
    // Loaded only when a conversation gets near the window.
    const { fitToWindow, summarise } = await import("./compaction.ts");
    const compaction = await fitToWindow(history, {
      limits: to,
      fixedTokens,
      estimator,
      signal,
      summarise: (text, summarySignal) => summarise(text, deps, summarySignal),
    });
    if (!compaction || signal.aborted) return null;
    history.splice(0, history.length, ...compaction.messages);
    emit("context_compacted", {
      method: compaction.method,
      beforeTokens: compaction.beforeTokens,
      afterTokens: compaction.afterTokens,
      window: to.window,
      ...(cause ? { cause } : {}),
      ...compaction.replacement,
    });
    return compaction;
  };
  // Consecutive responses cut off by the output limit: the first gets a request to continue.
  let cutOff = 0;
  while (true) {
    if (signal.aborted) return end("aborted");
    if (deps.maxTurns !== undefined && turn >= deps.maxTurns) return end("max_turns");
    if (guard.overBudget(usage)) return end("max_cost");
    turn++;
    emit("turn_started", {});
    if (limits && needsCompaction(history, limits, fixedTokens, estimator)) {
      await compact(limits);
      if (signal.aborted) return end("aborted");
    }
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
    if (!outcome.ok && outcome.error.kind === "context_length") {
      // The server knows its window better than our estimate: compact below what it refused, and ask once more.
      const tokens = historyTokens(history, estimator);
      const compaction = await compact(shrunkLimits(limits, tokens, fixedTokens), "server");
      if (signal.aborted) return end("aborted");
      if (compaction && compaction.afterTokens < compaction.beforeTokens) outcome = await ask();
      else outcome = { ok: false, error: withoutRoom(outcome.error) };
    }
    if (!outcome.ok) return end(outcome.error.kind === "aborted" ? "aborted" : "error", outcome.error);
    const requestBytes = fixed + historyBytes(history);
    const { message, timing } = outcome;
    estimator.calibrate(requestBytes, message.usage, historyImages(history));
    addUsage(usage, message.usage);
    append(message);
    emit("message_ended", { message, timing });

    const calls = message.content.filter((p): p is ToolCallPart => p.type === "tool_call");
    if (calls.length === 0) {
      if (message.stopReason !== "length") {
        emit("turn_ended", {});
        return end("done");
      }
      cutOff++;
      if (cutOff > 1) {
        emit("turn_ended", {});
        return end("max_output_tokens");
      }
      const prompt: UserMessage = { role: "user", content: CONTINUE_PROMPT };
      append(prompt);
      emit("continuation_requested", { message: prompt });
      emit("turn_ended", {});
      continue;
    }
    cutOff = 0;
    const results = await runToolCalls(calls, outcome, deps.tools, repeats, signal, {
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

/** A context-length error that compacting could not help with. */
function withoutRoom(error: ProviderError): ProviderError {
  return {
    ...error,
    message: `${error.message}; compacting the history could not make it fit (the prompt, tools and your message alone are too long): use a model with a larger context window, or --profile lean`,
  };
}

function addUsage(total: Usage, more: Usage | undefined): void {
  if (!more) return;
  total.inputTokens += more.inputTokens;
  total.outputTokens += more.outputTokens;
  if (more.cacheReadTokens) total.cacheReadTokens = (total.cacheReadTokens ?? 0) + more.cacheReadTokens;
  if (more.cacheWriteTokens) total.cacheWriteTokens = (total.cacheWriteTokens ?? 0) + more.cacheWriteTokens;
}

/**
 * The messages with every image the model does not take as its placeholder text, saying why it was not sent: all
 * of them for a model not known to take images, a GIF for Gemini (see imageTypesTaken).
 */
function withoutImagesNotTaken(messages: Message[], model: ResolvedModel): Message[] {
  const taken: readonly string[] = model.images === true ? imageTypesTaken(model.api) : [];
  const kept = (part: TextPart | ImagePart) => part.type === "text" || taken.includes(part.mediaType);
  return messages.map((message) => {
    if (message.role !== "user" || typeof message.content === "string" || message.content.every(kept))
      return message;
    const content = message.content.map((part): TextPart | ImagePart =>
      kept(part) || part.type !== "image"
        ? part
        : {
            type: "text",
            text: imagePlaceholder(
              part,
              model.images === true
                ? `not sent: this model takes no ${part.mediaType}`
                : "not sent: this model is not known to take images",
            ),
          },
    );
    return { ...message, content };
  });
}
