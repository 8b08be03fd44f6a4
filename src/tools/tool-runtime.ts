/**
 * The tool runtime: look up -> validate -> policy -> execute -> redact -> cap. Every failure becomes an isError
 * result with a message that says how to recover; `run` never throws. What `run` returns is what the model
 * sees, and what every front shows as the tool's result: it has passed `redactForModel`.
 *
 * Every call runs under a wall-clock watchdog (the time for its kind, tools/tool-timeouts.ts, or longer when the
 * call itself asked for longer: bash's `timeout` plus a grace for its own kill). When it fires, the tool's signal
 * is aborted and the model gets a synthetic error at once, even when the tool ignores its signal: a result that
 * comes later is dropped. An interrupt gets the same treatment after a short grace for the tool's own answer.
 */

import { writeFile } from "node:fs/promises";
import * as z from "zod/mini";
import { formatCount } from "../protocol/count.ts";
import { formatDuration } from "../protocol/duration.ts";
import type { ToolSpec } from "../protocol/messages.ts";
import type { ToolKind } from "../protocol/permissions.ts";
import { ToolError } from "../protocol/tool-error.ts";
import { describeIssue, issuePath } from "../schema/issues.ts";
import { checkJsonSchema } from "./json-schema-check.ts";
import { newSpillPath } from "./spill-file.ts";
import type { AnyTool, ToolResult } from "./tool.ts";
import { toolSpec } from "./tool-spec.ts";
import { DEFAULT_TOOL_TIMEOUTS, type ToolTimeouts } from "./tool-timeouts.ts";

export type PolicyDecision = { decision: "allow" } | { decision: "deny"; reason: string };

/**
 * Decides whether a validated call may run. May ask the user (and wait: the call's signal ends the wait on an
 * interrupt). Should not throw; if it does, the call is denied.
 */
export type ToolPolicy = (
  tool: AnyTool,
  args: unknown,
  call: { id: string; signal: AbortSignal },
) => Promise<PolicyDecision>;

export type ToolCall = { id: string; name: string; arguments: Record<string, unknown> };

export type ToolRunResult = { content: string; isError: boolean; details?: unknown };

export type ToolRuntime = {
  /** The tools' definitions for the model (default profile), computed when first read. */
  readonly specs: ToolSpec[];
  /** Runs one call. Never throws: every failure is an isError result. */
  run(call: ToolCall, signal: AbortSignal): Promise<ToolRunResult>;
};

export type ToolRuntimeOptions = {
  tools: AnyTool[];
  policy: ToolPolicy;
  /** Where over-long results are saved in full; created on demand. */
  spillDir: string;
  /** Longest content the model sees (default 40,000 characters). */
  maxChars?: number;
  /** Applied to what is written to spill files (hearth writes nothing to disk unredacted). */
  redact?: (text: string) => string;
  /**
   * Applied to every result before the model sees it (the secrets hearth knows go). Applied before the result
   * is cut, so a cut never leaves half a secret; if it throws, the result is withheld.
   */
  redactForModel?: (text: string) => string | Promise<string>;
  /** What a running call reports (tools/tool.ts ToolContext.progress): its id, its tool, the text. */
  onProgress?: (callId: string, tool: string, text: string) => void;
  /** The watchdog's time per kind, in ms (default DEFAULT_TOOL_TIMEOUTS). */
  timeouts?: ToolTimeouts;
};

/** In the details of the result a watchdog made: which limit the call ran into. */
export type WatchdogDetails = { watchdog: { kind: ToolKind; timeoutMs: number } };

/** Added to a call's own time (bash's `timeout`): the tool's kill (SIGTERM, SIGKILL 1 s later) answers first. */
export const OWN_TIMEOUT_GRACE_MS = 5000;
/** After an interrupt, how long a tool may take to answer for itself before it is given up on. */
const INTERRUPT_GRACE_MS = 1000;

export const DEFAULT_MAX_CHARS = 40_000;
/** Room left for the truncation note. */
const NOTE_BUDGET = 500;

export function createToolRuntime(options: ToolRuntimeOptions): ToolRuntime {
  const { tools, policy, spillDir } = options;
  const redactForModel = options.redactForModel ?? ((text: string) => text);
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const timeouts = options.timeouts ?? DEFAULT_TOOL_TIMEOUTS;
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  let specs: ToolSpec[] | undefined;

  async function run(call: ToolCall, signal: AbortSignal): Promise<ToolRunResult> {
    const outcome = await execute(call, signal);
    let content: string;
    try {
      content = await redactForModel(outcome.content);
    } catch (error) {
      return failure(
        `${call.name}: its result was withheld, because removing secrets from it failed (${messageOf(error)})`,
      );
    }
    content = await capContent(content, call, maxChars, spillDir, options.redact);
    const out: ToolRunResult = { content, isError: outcome.isError };
    if (outcome.details !== undefined) out.details = outcome.details;
    return out;
  }

  /** Look up, validate, decide and execute: the raw result (not yet redacted nor cut). Never throws. */
  async function execute(call: ToolCall, signal: AbortSignal): Promise<ToolRunResult> {
    try {
      const tool = byName.get(call.name);
      if (!tool) {
        const names = tools.map((t) => t.name).join(", ");
        return failure(`unknown tool "${call.name}"; available tools: ${names}`);
      }
      const parsed = z.safeParse(tool.schema, call.arguments ?? {}, { reportInput: true });
      if (!parsed.success) {
        return failure(
          `invalid arguments for ${tool.name}: ${describeIssues(parsed.error.issues)}; re-issue the call with valid arguments`,
        );
      }
      const schemaIssues = tool.jsonSchema ? checkJsonSchema(parsed.data, tool.jsonSchema) : [];
      if (schemaIssues.length > 0) {
        const listed = schemaIssues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
        return failure(
          `invalid arguments for ${tool.name}: ${listed}; re-issue the call with valid arguments`,
        );
      }
      let decision: PolicyDecision;
      try {
        // The policy may be slow (loading the shell parser); an interrupt must not wait for it.
        const decided = await untilAborted(policy(tool, parsed.data, { id: call.id, signal }), signal);
        if (decided === ABORTED) return failure(`${tool.name} was not run: interrupted`);
        decision = decided;
      } catch (error) {
        decision = { decision: "deny", reason: `the permission check failed (${messageOf(error)})` };
      }
      if (decision.decision === "deny") return failure(`${tool.name} was not run: ${decision.reason}`);
      if (signal.aborted) return failure(`${tool.name} was not run: interrupted`);

      let result: ToolResult | Stopped;
      try {
        const onProgress = options.onProgress;
        const progress = onProgress && ((text: string) => onProgress(call.id, tool.name, text));
        result = await underWatchdog(
          tool,
          parsed.data,
          call.id,
          watchdogMs(tool, parsed.data),
          signal,
          progress,
        );
      } catch (error) {
        if (signal.aborted) return failure(`${tool.name} was interrupted`);
        const message =
          error instanceof ToolError ? error.message : `${tool.name} failed: ${messageOf(error)}`;
        return failure(message);
      }
      if (result === INTERRUPTED) return failure(`${tool.name} was interrupted (it did not stop when asked)`);
      if ("timeoutMs" in result) return watchdogResult(tool, result.timeoutMs);
      const out: ToolRunResult = { content: String(result.content ?? ""), isError: result.isError === true };
      if (result.details !== undefined) out.details = result.details;
      return out;
    } catch (error) {
      return failure(`${call.name} failed unexpectedly: ${messageOf(error)}`);
    }
  }

  /** The kind's time, or longer when the call asked for longer (bash's `timeout`). */
  function watchdogMs(tool: AnyTool, args: unknown): number {
    const limit = timeouts[tool.kind] ?? DEFAULT_TOOL_TIMEOUTS[tool.kind];
    let own: number | undefined;
    try {
      own = tool.ownTimeoutMs?.(args);
    } catch {
      own = undefined;
    }
    return own === undefined ? limit : Math.max(limit, own + OWN_TIMEOUT_GRACE_MS);
  }

  return {
    get specs() {
      // Converting the schemas costs a few ms; a caller that builds its own (a prompt profile) never pays it.
      specs ??= tools.map((tool) => toolSpec(tool));
      return specs;
    },
    run,
  };
}

/** "path: message" per issue; an issue about the arguments as a whole is labelled "arguments". */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issuePath(issue) || "arguments"}: ${describeIssue(issue)}`).join("; ");
}

/** Keeps the head of an over-long content and saves the whole text to a spill file the model can read. */
async function capContent(
  content: string,
  call: ToolCall,
  maxChars: number,
  spillDir: string,
  redact: (text: string) => string = (text) => text,
): Promise<string> {
  if (content.length <= maxChars) return content;
  let where: string;
  try {
    const path = newSpillPath(spillDir, call.name, call.id, "txt");
    await writeFile(path, redact(content), { encoding: "utf8", mode: 0o600 });
    where = `the full output is in ${path}; read it with read and offset/limit, or grep it`;
  } catch (error) {
    where = `saving the full output failed (${messageOf(error)})`;
  }
  const head = content.slice(0, maxChars - Math.min(NOTE_BUDGET, Math.floor(maxChars / 2)));
  const shown = `${formatCount(head.length)} of ${formatCount(content.length)} characters`;
  return `${head}\n\n(output cut: showing the first ${shown}; ${where})`;
}

const INTERRUPTED = Symbol("interrupted");
type Stopped = typeof INTERRUPTED | { timeoutMs: number };

/**
 * The tool's result, or what stopped it: the watchdog after `limitMs` (the tool's signal is aborted and its
 * result, if one comes, is dropped), or an interrupt the tool did not answer within INTERRUPT_GRACE_MS.
 */
async function underWatchdog(
  tool: AnyTool,
  args: unknown,
  callId: string,
  limitMs: number,
  signal: AbortSignal,
  progress?: (text: string) => void,
): Promise<ToolResult | Stopped> {
  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  let onInterrupt = () => {};
  const stopped = new Promise<Stopped>((resolve) => {
    timers.push(
      setTimeout(() => {
        controller.abort(new Error(`${tool.name} did not finish within ${formatDuration(limitMs)}`));
        resolve({ timeoutMs: limitMs });
      }, limitMs),
    );
    onInterrupt = () => {
      controller.abort(signal.reason);
      timers.push(setTimeout(() => resolve(INTERRUPTED), INTERRUPT_GRACE_MS));
    };
    if (signal.aborted) onInterrupt();
    else signal.addEventListener("abort", onInterrupt, { once: true });
  });
  try {
    // Progress stops with the call: a tool that goes on after the watchdog reports nothing more.
    const report = progress && ((text: string) => void (controller.signal.aborted || progress(text)));
    const running = (async () =>
      tool.execute(args, { signal: controller.signal, callId, progress: report }))();
    return await Promise.race([running, stopped]);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    signal.removeEventListener("abort", onInterrupt);
  }
}

/** What the model sees when the watchdog ended a call: what happened, why it may have, what to do. */
function watchdogResult(tool: AnyTool, timeoutMs: number): ToolRunResult {
  const details: WatchdogDetails = { watchdog: { kind: tool.kind, timeoutMs } };
  return {
    content: `${tool.name} did not finish within ${formatDuration(timeoutMs)} and was stopped; ${WATCHDOG_ADVICE[tool.kind]}`,
    isError: true,
    details,
  };
}

const WATCHDOG_ADVICE: Record<ToolKind, string> = {
  read: "it may be waiting on something that never answers (a FIFO, a device, a hung network mount): narrow the path, or skip it",
  edit: "the file may be on a hung mount or not a regular file: check it with ls before trying again",
  exec: "for a long command pass a larger timeout (up to 600 s), or run it in the background writing to a file",
  external: "the tool's server may be stuck: try again later, or do without it",
};

const ABORTED = Symbol("aborted");

/** The promise's value, or ABORTED as soon as the signal fires (the promise keeps running, unobserved). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function failure(content: string): ToolRunResult {
  return { content, isError: true };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
