/**
 * One model response: send the request, stream it into an AssistantMessage, retry on retryable errors within the
 * retry budget, and record timing. The first-byte and idle clocks (response-limits.ts) watch the bytes on the wire
 * as well as the adapter's events. Tool calls are repaired against the request's tool specs (tool-call-repair.ts)
 * and each gets an id no other call in the conversation has; with the text tool protocol they are read out of the
 * text (text-tool-calls.ts). Emits text/reasoning deltas and retries through `emit`; never throws.
 */
import type { ProviderError } from "../protocol/errors.ts";
import type { ResponseTiming } from "../protocol/events.ts";
import { newCallId } from "../protocol/ids.ts";
import type { AssistantMessage, ReasoningPart, TextPart, ToolCallPart, Usage } from "../protocol/messages.ts";
import type { HttpClient, ModelRequest, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import { type LimitOverrides, responseLimits } from "./response-limits.ts";
import { type RetryPolicy, retryDecision, seconds, sleep } from "./retry.ts";
import { createToolCallTextFilter, extractTextToolCalls } from "./text-tool-calls.ts";
import { isToolSupportError, type ToolCallMode, toTextToolRequest } from "./text-tool-protocol.ts";
import { type RepairedCall, repairToolCall } from "./tool-call-repair.ts";
import type { CallChecks } from "./tool-call-runner.ts";

export type ResponseEmit = {
  requestSent(attempt: number): void;
  textDelta(text: string): void;
  reasoningDelta(text: string): void;
  retryScheduled(attempt: number, delayMs: number, error: ProviderError): void;
};

export type ResponseOutcome =
  | ({ ok: true; message: AssistantMessage; timing: ResponseTiming } & CallChecks)
  | { ok: false; error: ProviderError };

export type ResponseDeps = {
  model: ResolvedModel;
  stream: StreamFunction;
  http: HttpClient;
  retry: RetryPolicy;
  /** Abort an attempt when nothing of the response has arrived this long after sending it (ms). */
  firstByteTimeoutMs: number;
  /** Abort an attempt when its response, once started, goes silent for this long (ms). */
  idleTimeoutMs: number;
  now: () => number;
  /** "text": the tools go in the system prompt and calls come back as text (text-tool-protocol.ts). */
  toolCalls?: ToolCallMode;
};

/** What a caller of the loop may leave out, filled with the defaults of the provider kind. */
export type ResponseOptions = Pick<ResponseDeps, "model" | "stream" | "http"> &
  LimitOverrides & { now?: () => number };

/** Response deps from the loop's options: the one place the timeouts and retry policy defaults are applied. */
export function responseDeps(options: ResponseOptions, toolCalls: ToolCallMode): ResponseDeps {
  return {
    model: options.model,
    stream: options.stream,
    http: options.http,
    ...responseLimits(options.model, options),
    now: options.now ?? Date.now,
    toolCalls,
  };
}

export async function requestResponse(
  request: ModelRequest,
  deps: ResponseDeps,
  emit: ResponseEmit,
  signal: AbortSignal,
): Promise<ResponseOutcome> {
  const wire = deps.toolCalls === "text" ? toTextToolRequest(request) : request;
  const takenIds = callIdsIn(request);
  const startedAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    // A retry waits for its first byte only as long as the budget lasts; the first attempt has its own timeout.
    const left = deps.retry.budgetMs - (Date.now() - startedAt);
    const firstByteMs = attempt === 1 ? deps.firstByteTimeoutMs : Math.min(deps.firstByteTimeoutMs, left);
    const outcome = await attemptOnce(wire, request.tools, deps, emit, signal, {
      attempt,
      firstByteMs: Math.max(1, firstByteMs),
      takenIds: new Set(takenIds),
    });
    if (outcome.ok) return outcome;
    if (signal.aborted)
      return { ok: false, error: { kind: "aborted", retryable: false, message: "interrupted" } };
    // The caller switches to the text protocol; asking again the same way cannot help.
    if (wire.tools.length > 0 && isToolSupportError(outcome.error)) return outcome;
    const decision = retryDecision(outcome.error, attempt, Date.now() - startedAt, deps.retry);
    if (!decision.retry) return { ok: false, error: decision.error };
    emit.retryScheduled(attempt, decision.delayMs, outcome.error);
    await sleep(decision.delayMs, signal);
    if (signal.aborted)
      return { ok: false, error: { kind: "aborted", retryable: false, message: "interrupted" } };
  }
}

type Attempt = {
  attempt: number;
  firstByteMs: number;
  /** Tool call ids already used in the conversation; a call that repeats one (or has none) gets a new id. */
  takenIds: Set<string>;
};

function callIdsIn(request: ModelRequest): Set<string> {
  const ids = new Set<string>();
  for (const message of request.messages)
    if (message.role === "assistant")
      for (const part of message.content) if (part.type === "tool_call") ids.add(part.id);
  return ids;
}

/** The HTTP client with every response byte (headers included) reported to `onActivity`. */
function watchedHttp(http: HttpClient, onActivity: () => void): HttpClient {
  return async (request) => {
    const response = await http(request);
    onActivity();
    const body = response.body;
    return {
      ...response,
      body: (async function* () {
        for await (const chunk of body) {
          onActivity();
          yield chunk;
        }
      })(),
    };
  };
}

async function attemptOnce(
  request: ModelRequest,
  specs: ModelRequest["tools"],
  deps: ResponseDeps,
  emit: ResponseEmit,
  outerSignal: AbortSignal,
  { attempt, firstByteMs, takenIds }: Attempt,
): Promise<ResponseOutcome> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  outerSignal.addEventListener("abort", onOuterAbort, { once: true });
  // Until the first byte, the first-byte clock runs; after it, the idle clock restarts on every byte and event.
  let idleTimer: NodeJS.Timeout | undefined;
  let silence: { ms: number; started: boolean } | null = null;
  let started = false;
  const armIdle = () => {
    clearTimeout(idleTimer);
    const ms = started ? deps.idleTimeoutMs : firstByteMs;
    idleTimer = setTimeout(() => {
      silence = { ms, started };
      controller.abort();
    }, ms);
  };
  const activity = () => {
    started = true;
    if (!silence) armIdle();
  };

  const content: Array<TextPart | ToolCallPart | ReasoningPart> = [];
  const checks: CallChecks = { argumentErrors: new Map(), repairs: new Map() };
  const textMode = deps.toolCalls === "text";
  const shown = textMode ? createToolCallTextFilter() : { push: (text: string) => text, flush: () => "" };
  const showText = (text: string) => {
    if (text) emit.textDelta(text);
  };
  let usage: Usage | undefined;
  const startedAt = deps.now();
  let firstTokenAt: number | null = null;
  const markToken = () => {
    if (firstTokenAt === null) firstTokenAt = deps.now();
  };

  emit.requestSent(attempt);
  armIdle();
  try {
    for await (const event of deps.stream(deps.model, request, {
      signal: controller.signal,
      http: watchedHttp(deps.http, activity),
    })) {
      activity();
      switch (event.type) {
        case "text_delta": {
          markToken();
          const last = content.at(-1);
          if (last?.type === "text") last.text += event.text;
          else content.push({ type: "text", text: event.text });
          showText(shown.push(event.text));
          break;
        }
        case "reasoning_delta": {
          markToken();
          const last = content.at(-1);
          if (last?.type === "reasoning") {
            last.text += event.text;
            if (event.signature) last.signature = event.signature;
          } else content.push({ type: "reasoning", text: event.text, signature: event.signature });
          if (event.text) emit.reasoningDelta(event.text);
          break;
        }
        case "tool_call": {
          markToken();
          const call = repairToolCall(event.name, event.argumentsJson, specs);
          content.push(toolCallPart(call, uniqueId(event.id, takenIds), checks, event.signature));
          break;
        }
        case "usage":
          usage = event.usage;
          break;
        case "error":
          return { ok: false, error: silence ? silenceError(deps.model, silence) : event.error };
        case "done": {
          showText(shown.flush());
          const parts = textMode ? withTextToolCalls(content, specs, checks, takenIds) : content;
          const endedAt = deps.now();
          const outputTokens = usage?.outputTokens ?? 0;
          const genMs = firstTokenAt === null ? 0 : endedAt - firstTokenAt;
          const hasToolCalls = parts.some((p) => p.type === "tool_call");
          return {
            ok: true,
            ...checks,
            message: {
              role: "assistant",
              content: parts,
              stopReason: hasToolCalls ? "tool_use" : event.stopReason,
              usage,
              provider: deps.model.provider,
              model: deps.model.id,
            },
            timing: {
              ttftMs: firstTokenAt === null ? null : firstTokenAt - startedAt,
              durationMs: endedAt - startedAt,
              outputTokens,
              ...speeds(usage, outputTokens, genMs, firstTokenAt === null ? null : firstTokenAt - startedAt),
            },
          };
        }
      }
    }
    return {
      ok: false,
      error: {
        kind: "malformed",
        retryable: false,
        message: `${deps.model.provider}: the response ended without a result`,
      },
    };
  } catch (error) {
    // Adapters must not throw; if one does, report it as the provider's error rather than crash the run.
    return {
      ok: false,
      error: {
        kind: "malformed",
        retryable: false,
        message: `${deps.model.provider}: ${(error as Error).message}`,
      },
    };
  } finally {
    clearTimeout(idleTimer);
    outerSignal.removeEventListener("abort", onOuterAbort);
  }
}

/** The error for an attempt stopped by the first-byte or idle clock. */
function silenceError(model: ResolvedModel, silence: { ms: number; started: boolean }): ProviderError {
  const what = silence.started
    ? `went silent for ${seconds(silence.ms)} in the middle of its response`
    : `sent nothing for ${seconds(silence.ms)}`;
  return { kind: "timeout", retryable: true, message: `${model.provider} ${what}` };
}

/** The provider's id, unless it is missing or already used in this conversation: then a new one. */
function uniqueId(id: string, taken: Set<string>): string {
  const unique = id && !taken.has(id) ? id : newCallId();
  taken.add(unique);
  return unique;
}

/** A repaired call as a message part; its error or repairs are noted in `checks` under its id. */
function toolCallPart(call: RepairedCall, id: string, checks: CallChecks, signature?: string): ToolCallPart {
  if (call.error) checks.argumentErrors.set(id, call.error);
  if (call.repairs.length > 0) checks.repairs.set(id, call.repairs);
  return {
    type: "tool_call",
    id,
    name: call.name,
    arguments: call.arguments,
    ...(signature ? { signature } : {}),
  };
}

/** The text tool protocol: each text part becomes its visible text followed by the calls written in it. */
function withTextToolCalls(
  content: Array<TextPart | ToolCallPart | ReasoningPart>,
  specs: ModelRequest["tools"],
  checks: CallChecks,
  takenIds: Set<string>,
): Array<TextPart | ToolCallPart | ReasoningPart> {
  const out: Array<TextPart | ToolCallPart | ReasoningPart> = [];
  for (const part of content) {
    if (part.type !== "text") {
      out.push(part);
      continue;
    }
    const extracted = extractTextToolCalls(part.text, specs);
    if (extracted.visible) out.push({ type: "text", text: extracted.visible });
    for (const call of extracted.calls) out.push(toolCallPart(call, uniqueId("", takenIds), checks));
  }
  return out;
}

/** Generation and prompt speeds in tokens/s (one decimal); the server's own timings win over ours. */
function speeds(
  usage: Usage | undefined,
  outputTokens: number,
  genMs: number,
  ttftMs: number | null,
): Pick<ResponseTiming, "tokensPerSecond" | "promptTokens" | "promptTokensPerSecond"> {
  const rate = (tokens: number, ms: number | null | undefined) =>
    tokens > 0 && ms && ms > 0 ? Math.round((tokens / ms) * 10000) / 10 : null;
  const promptTokens = usage ? usage.inputTokens + (usage.cacheWriteTokens ?? 0) : null;
  return {
    tokensPerSecond: rate(outputTokens, usage?.generationMs ?? genMs),
    promptTokens,
    promptTokensPerSecond: rate(promptTokens ?? 0, usage?.promptMs ?? ttftMs),
  };
}
