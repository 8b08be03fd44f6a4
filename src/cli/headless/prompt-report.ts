/**
 * What a headless front shows of a session's events, shared by `-p` (run-print.ts) and the stream-json input
 * loop (run-stream.ts): each event on stdout in the output format and the human lines on stderr, and at each
 * prompt's end its result object and the exit code that prompt has. Answering permission requests is the
 * front's own business: this renders them and nothing more.
 */
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from "../../protocol/errors.ts";
import type { AgentEventOf, SessionEvent } from "../../protocol/events.ts";
import { type GuardedRun, limitStopLine } from "../../runtime/guarded-run.ts";
import type { HeadlessOutput } from "./output-formats.ts";
import { denialOf, denialSummary, type PermissionDenial } from "./permission-denials.ts";
import { refusalLine } from "./refusal-texts.ts";
import { reportEvent } from "./stderr-report.ts";

export type PromptReportOptions = {
  output: HeadlessOutput;
  /** A human line on stderr. */
  say: (line: string) => void;
  /** The progress line of each tool call, when shown. */
  toolProgress?: (event: SessionEvent) => void;
  sessionId: string;
  /** The session's limits, for the line that says which one stopped a prompt. */
  guarded: () => GuardedRun;
  /**
   * -p: a prompt refused before it ran (the notice said why) has no result object, and the last stderr line
   * sums up the refused calls with how to allow them. Stream input: every prompt has its result, its failure
   * in `error`, and the client, which answered the requests itself, gets no such summary.
   */
  everyPromptHasResult: boolean;
};

export type PromptReport = {
  /** Renders one event and gathers what the prompt's result needs. */
  event(event: SessionEvent): void;
  /** The stderr line a refused call was shown (by the front that refused it), for the closing summary. */
  refused(callId: string, line: string): void;
  /**
   * The prompt is over: writes its result, says on stderr how it ended when it did not end well, and returns
   * its exit code (the one a `-p` run of it has). The next prompt starts afresh.
   */
  end(ended: AgentEventOf<"prompt_ended">, durationMs: number): number;
};

export function createPromptReport(options: PromptReportOptions): PromptReport {
  const { output, say } = options;
  let local = false;
  let model = "";
  let denials: PermissionDenial[] = [];
  /** The stderr line of each refused call, by call id, for the closing summary. */
  let lines = new Map<string, string>();
  let agentEnded: AgentEventOf<"agent_ended"> | undefined;
  let route: AgentEventOf<"route_decided"> | undefined;

  function event(event: SessionEvent): void {
    output.event(event);
    switch (event.type) {
      case "session_info":
        local = event.local;
        model = event.model;
        return;
      case "notice":
        say(event.text);
        return;
      case "permission_requested":
        return;
      case "permission_resolved": {
        let line = lines.get(event.callId);
        if (event.by === "rule") {
          line = refusalLine(
            { tool: event.tool, command: { text: event.target } },
            { decision: "deny", reason: event.reason ?? "" },
          );
          say(line);
        }
        const denial = denialOf(event, line);
        if (denial) denials.push(denial);
        return;
      }
      case "agent_ended":
        agentEnded = event;
        break;
      case "route_decided":
        route = event;
        break;
    }
    reportEvent(event, say, { latency: local });
    options.toolProgress?.(event);
  }

  function end(ended: AgentEventOf<"prompt_ended">, durationMs: number): number {
    const ran = agentEnded;
    if (ended.turns > 0 || ran || options.everyPromptHasResult)
      output.finish({
        result: {
          reason: ended.reason,
          error: ran?.error,
          messages: ran?.messages ?? [],
          usage: ended.usage,
          turns: ended.turns,
        },
        sessionId: options.sessionId,
        model,
        durationMs,
        costUsd: ended.costUsd,
        denials,
        ...(route ? { route: { model: route.model, local: route.local, rule: route.rule } } : {}),
        ...(options.everyPromptHasResult && ended.error ? { failure: ended.error } : {}),
      });
    const refusedCalls = options.everyPromptHasResult ? null : denialSummary(denials);
    if (refusedCalls) say(refusedCalls);
    denials = [];
    lines = new Map();
    agentEnded = undefined;
    route = undefined;
    return exitCode(ended, ran !== undefined);
  }

  /** The code a `-p` run of the prompt exits with, and the stderr line that says why when it failed. */
  function exitCode(ended: AgentEventOf<"prompt_ended">, ran: boolean): number {
    switch (ended.reason) {
      case "done":
        return EXIT_OK;
      case "aborted":
        return EXIT_INTERRUPTED;
      case "max_turns":
        say(`stopped after ${ended.turns} turns (--max-turns); the task may be unfinished`);
        return EXIT_FAILED;
      case "max_time":
      case "max_cost":
        say(limitStopLine(ended.reason, options.guarded(), ended.costUsd));
        return EXIT_FAILED;
      case "max_output_tokens":
        say(
          "the answer was cut off by the output token limit, also after asking the model to continue; raise maxOutputTokens in settings, or ask for a shorter answer",
        );
        return EXIT_FAILED;
      default:
        if (!ran) return EXIT_FAILED; // refused before it ran: the notice said why
        say(ended.error ?? "the run failed");
        return EXIT_FAILED;
    }
  }

  return {
    event,
    refused: (callId, line) => lines.set(callId, line),
    end,
  };
}
