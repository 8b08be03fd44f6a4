/**
 * One model response: send the request, stream it into an AssistantMessage, retry on retryable errors, and
 * record timing. Emits text/reasoning deltas and retries through `emit`; never throws.
 */
import type { ProviderError } from "../protocol/errors.ts";
import type { ResponseTiming } from "../protocol/events.ts";
import type { AssistantMessage, ReasoningPart, TextPart, ToolCallPart, Usage } from "../protocol/messages.ts";
import type { HttpClient, ModelRequest, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import { type RetryPolicy, retryDelay, sleep } from "./retry.ts";
import { parseToolArguments } from "./tool-arguments.ts";

export type ResponseEmit = {
  requestSent(attempt: number): void;
  textDelta(text: string): void;
  reasoningDelta(text: string): void;
  retryScheduled(attempt: number, delayMs: number, error: ProviderError): void;
};

export type ResponseOutcome =
  | { ok: true; message: AssistantMessage; timing: ResponseTiming; argumentErrors: Map<string, string> }
  | { ok: false; error: ProviderError };

export type ResponseDeps = {
  model: ResolvedModel;
  stream: StreamFunction;
  http: HttpClient;
  retry: RetryPolicy;
  /** Abort a request when no event arrives for this long (ms). */
  idleTimeoutMs: number;
  now: () => number;
};

export async function requestResponse(
  request: ModelRequest,
  deps: ResponseDeps,
  emit: ResponseEmit,
  signal: AbortSignal,
): Promise<ResponseOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(request, deps, emit, signal, attempt);
    if (outcome.ok) return outcome;
    if (signal.aborted)
      return { ok: false, error: { kind: "aborted", retryable: false, message: "interrupted" } };
    const delay = retryDelay(outcome.error, attempt, deps.retry);
    if (delay === null) return outcome;
    emit.retryScheduled(attempt, delay, outcome.error);
    await sleep(delay, signal);
    if (signal.aborted)
      return { ok: false, error: { kind: "aborted", retryable: false, message: "interrupted" } };
  }
}

async function attemptOnce(
  request: ModelRequest,
  deps: ResponseDeps,
  emit: ResponseEmit,
  outerSignal: AbortSignal,
  attempt: number,
): Promise<ResponseOutcome> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  outerSignal.addEventListener("abort", onOuterAbort, { once: true });
  let idleTimer: NodeJS.Timeout | undefined;
  let idleFired = false;
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleFired = true;
      controller.abort();
    }, deps.idleTimeoutMs);
  };

  const content: Array<TextPart | ToolCallPart | ReasoningPart> = [];
  const argumentErrors = new Map<string, string>();
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
      http: deps.http,
    })) {
      armIdle();
      switch (event.type) {
        case "text_delta": {
          markToken();
          const last = content.at(-1);
          if (last?.type === "text") last.text += event.text;
          else content.push({ type: "text", text: event.text });
          emit.textDelta(event.text);
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
          const parsed = parseToolArguments(event.argumentsJson);
          if (!parsed.ok) argumentErrors.set(event.id, parsed.error);
          content.push({
            type: "tool_call",
            id: event.id,
            name: event.name,
            arguments: parsed.ok ? parsed.value : {},
            ...(event.signature ? { signature: event.signature } : {}),
          });
          break;
        }
        case "usage":
          usage = event.usage;
          break;
        case "error": {
          if (idleFired) {
            return {
              ok: false,
              error: {
                kind: "timeout",
                retryable: true,
                message: `${deps.model.provider} sent nothing for ${Math.round(deps.idleTimeoutMs / 1000)} s; retrying`,
              },
            };
          }
          return { ok: false, error: event.error };
        }
        case "done": {
          const endedAt = deps.now();
          const outputTokens = usage?.outputTokens ?? 0;
          const genMs = firstTokenAt === null ? 0 : endedAt - firstTokenAt;
          const hasToolCalls = content.some((p) => p.type === "tool_call");
          return {
            ok: true,
            argumentErrors,
            message: {
              role: "assistant",
              content,
              stopReason: hasToolCalls ? "tool_use" : event.stopReason,
              usage,
              provider: deps.model.provider,
              model: deps.model.id,
            },
            timing: {
              ttftMs: firstTokenAt === null ? null : firstTokenAt - startedAt,
              durationMs: endedAt - startedAt,
              outputTokens,
              tokensPerSecond:
                outputTokens > 0 && genMs > 0 ? Math.round((outputTokens / genMs) * 10000) / 10 : null,
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
