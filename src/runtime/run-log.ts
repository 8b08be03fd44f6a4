/**
 * The trail a run leaves in the daily log (store/daily-log.ts): a subscriber of the agent events that writes
 * the run's start and end, each model request, retry and response, and each tool call's start and end (name,
 * short redacted arguments, duration, outcome). It keeps the calls in flight so that, on Ctrl-C or a watchdog
 * timeout, one diagnostic line says what was running, for how long, and what was killed.
 *
 * Watchdogs are seen in the events themselves and diagnosed here: a model request the idle watchdog (or the
 * connect timeout) gave up on arrives as a `timeout` error on retry_scheduled or agent_ended, and a bash command
 * that ran past its timeout ends with `timedOut` in its details. Ctrl-C is not an event: the caller calls
 * `diagnose("interrupted")` before it aborts.
 */
import type { AgentEvent } from "../protocol/events.ts";
import type { ToolCallPart } from "../protocol/messages.ts";
import type { LogWriter } from "../store/daily-log.ts";

export type RunStartInfo = {
  sessionId: string;
  model: string;
  cwd: string;
  permissionMode: string;
  version: string;
};

export type DiagnosticCause = "interrupted" | "watchdog";

export type RunLog = {
  start(info: RunStartInfo): void;
  /** Feed every agent event, in order. Never throws. */
  event(event: AgentEvent): void;
  /**
   * One line: the tools in flight (redacted arguments, how long each has run), the model request in flight,
   * and what was killed (`killed`, or what an abort does to each of them when not given).
   */
  diagnose(cause: DiagnosticCause, killed?: string): void;
  /** A line from something the run started (an MCP server's stderr), already labelled: written as it is. */
  note(level: "info" | "warn", text: string): void;
};

export type RunLogOptions = {
  log: LogWriter;
  /** The process's redactor; applied to arguments before they are shortened (a cut secret is not recognised). */
  redact: (text: string) => string;
  now?: () => number;
  /** Longest argument text kept per call (default 200 characters). */
  argumentChars?: number;
};

type InFlightCall = { call: ToolCallPart; startedAt: number };
type InFlightRequest = { turn: number; attempt: number; sentAt: number };

/**
 * What an abort does to a built-in tool's work (tools/bash.ts sends SIGKILL to the command's process group at
 * once; tools/grep.ts sends SIGTERM to its ripgrep child). Other tools stop at their next look at the signal.
 */
const ON_ABORT: Record<string, string> = {
  bash: "its process group was sent SIGKILL",
  grep: "its ripgrep process, if one was running, was sent SIGTERM",
};

export function createRunLog(options: RunLogOptions): RunLog {
  const { log, redact } = options;
  const now = options.now ?? Date.now;
  const maxChars = options.argumentChars ?? 200;
  const calls = new Map<string, InFlightCall>();
  let request: InFlightRequest | null = null;
  let startedAt: number | null = null;

  const shortArguments = (call: ToolCallPart) =>
    shorten(redact(JSON.stringify(call.arguments ?? {})), maxChars);

  const diagnose = (cause: DiagnosticCause, killed?: string) => {
    const at = now();
    const parts = [`diagnostic cause=${cause} tools_in_flight=${calls.size}`];
    for (const { call, startedAt } of calls.values())
      parts.push(`[${call.name} ${call.id} running ${seconds(at - startedAt)} args=${shortArguments(call)}]`);
    parts.push(
      request
        ? `model_request=turn:${request.turn},attempt:${request.attempt},sent:${seconds(at - request.sentAt)}_ago`
        : "model_request=none",
    );
    parts.push(`killed=${quote(killed ?? abortEffects())}`);
    log.write("warn", parts.join(" "));
  };

  const abortEffects = () => {
    const effects = [...calls.values()].map(
      ({ call }) => `${call.name} ${call.id}: ${ON_ABORT[call.name] ?? "aborted"}`,
    );
    if (request) effects.push(`model request (turn ${request.turn}) aborted`);
    return effects.length > 0 ? effects.join("; ") : "nothing (no tool or model request was running)";
  };

  const requestTimedOut = (message: string) => {
    const what = request
      ? `model request (turn ${request.turn}, attempt ${request.attempt}, sent ${seconds(now() - request.sentAt)} ago)`
      : "model request";
    diagnose("watchdog", `${what} aborted: ${message}`);
  };

  const handle = (event: AgentEvent) => {
    switch (event.type) {
      case "request_sent":
        request = { turn: event.turn, attempt: event.attempt, sentAt: event.ts };
        log.write("info", `request_sent turn=${event.turn} attempt=${event.attempt}`);
        return;
      case "retry_scheduled": {
        const { error } = event;
        if (error.kind === "timeout") requestTimedOut(error.message);
        request = null;
        log.write(
          "warn",
          `retry_scheduled turn=${event.turn} attempt=${event.attempt} delay_ms=${event.delayMs} kind=${error.kind}` +
            `${error.status ? ` status=${error.status}` : ""} error=${quote(firstLine(error.message))}`,
        );
        return;
      }
      case "message_ended": {
        request = null;
        const { message, timing } = event;
        const usage = message.usage;
        log.write(
          "info",
          `response turn=${event.turn} stop=${message.stopReason} ttft_ms=${timing.ttftMs ?? "-"} ` +
            `duration_ms=${timing.durationMs} input_tokens=${usage?.inputTokens ?? 0} ` +
            `output_tokens=${timing.outputTokens} tokens_per_s=${timing.tokensPerSecond?.toFixed(1) ?? "-"}`,
        );
        return;
      }
      case "tool_call_started":
        calls.set(event.call.id, { call: event.call, startedAt: event.ts });
        log.write(
          "info",
          `tool_started turn=${event.turn} call=${event.call.id} name=${event.call.name} args=${shortArguments(event.call)}`,
        );
        return;
      case "tool_call_ended": {
        const details = commandDetails(event.details);
        const watchdog = (event.details as { watchdog?: { timeoutMs: number } } | undefined)?.watchdog;
        if (watchdog) {
          diagnose(
            "watchdog",
            `${event.call.name} ${event.call.id} stopped by the tool watchdog after ${seconds(watchdog.timeoutMs)}; ` +
              (ON_ABORT[event.call.name] ?? "its signal was aborted"),
          );
        } else if (details?.timedOut) {
          diagnose(
            "watchdog",
            `${event.call.name} ${event.call.id} timed out after ${seconds(event.durationMs)}; ` +
              "its process group was sent SIGTERM, then SIGKILL after 1 s",
          );
        }
        calls.delete(event.call.id);
        const outcome = event.isError ? `error error=${quote(firstLine(event.content))}` : "ok";
        log.write(
          event.isError ? "warn" : "info",
          `tool_ended turn=${event.turn} call=${event.call.id} name=${event.call.name} ` +
            `duration_ms=${event.durationMs}${details ? describeDetails(details) : ""} outcome=${outcome}`,
        );
        return;
      }
      case "agent_ended": {
        if (event.error?.kind === "timeout") requestTimedOut(event.error.message);
        request = null;
        const { usage } = event;
        const took = startedAt === null ? "" : ` duration_ms=${now() - startedAt}`;
        log.write(
          event.reason === "error" ? "error" : "info",
          `run_ended reason=${event.reason} turns=${event.turns}${took} input_tokens=${usage.inputTokens} ` +
            `output_tokens=${usage.outputTokens} cache_read_tokens=${usage.cacheReadTokens ?? 0}` +
            `${event.error ? ` error=${quote(firstLine(event.error.message))}` : ""}`,
        );
        return;
      }
      default:
        return;
    }
  };

  return {
    start(info) {
      startedAt = now();
      log.write(
        "info",
        `run_started session=${info.sessionId} model=${info.model} version=${info.version} ` +
          `permission_mode=${info.permissionMode} cwd=${quote(info.cwd)}`,
      );
    },
    event(event) {
      try {
        handle(event);
      } catch {
        // a log must never break the run (the writer reports its own failures)
      }
    },
    note(level, text) {
      log.write(level, text);
    },
    diagnose(cause, killed) {
      try {
        diagnose(cause, killed);
      } catch {
        // as above
      }
    },
  };
}

/** What a command-running tool reports in its details (tools/bash.ts BashDetails), read defensively. */
type CommandDetails = {
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  interrupted?: boolean;
};

function commandDetails(details: unknown): CommandDetails | null {
  if (!details || typeof details !== "object") return null;
  const d = details as Record<string, unknown>;
  if (!("exitCode" in d) && !("timedOut" in d) && !("interrupted" in d)) return null;
  return d as CommandDetails;
}

function describeDetails(d: CommandDetails): string {
  let text = "";
  if (typeof d.exitCode === "number") text += ` exit=${d.exitCode}`;
  if (typeof d.signal === "string") text += ` signal=${d.signal}`;
  if (d.timedOut === true) text += " timed_out=true";
  if (d.interrupted === true) text += " interrupted=true";
  return text;
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

function firstLine(text: string): string {
  return shorten(text.trim().split("\n")[0] ?? "", 200);
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...(${text.length} chars)`;
}

/** A value as is when it is one word, else as a JSON string. */
function quote(text: string): string {
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
