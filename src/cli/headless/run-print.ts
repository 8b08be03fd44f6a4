/**
 * Headless mode (`hearth -p`): a thin front over the session runtime. Reads the prompt, opens a session, submits
 * the prompt, renders the events in the chosen output format and on stderr, refuses every permission request
 * with the reason (nobody is there to say yes), closes the session and returns the exit code.
 */
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from "../../protocol/errors.ts";
import type { AgentEventOf, SessionEvent } from "../../protocol/events.ts";
import { limitStopLine } from "../../runtime/guarded-run.ts";
import { openSession } from "../../runtime/session-runtime.ts";
import { mark } from "../../runtime/startup-trace.ts";
import type { CliOptions } from "../args.ts";
import { writeError, writeOutput } from "../redaction.ts";
import { terminalText } from "../terminal-text.ts";
import { createOutput } from "./output-formats.ts";
import { denialOf, denialSummary, type PermissionDenial } from "./permission-denials.ts";
import { readPrompt } from "./read-prompt.ts";
import { headlessRefusal, refusalLine } from "./refusal-texts.ts";
import { reportEvent } from "./stderr-report.ts";
import { createToolProgress, showToolProgress } from "./tool-progress.ts";

export type PrintDeps = {
  version: string;
  env: NodeJS.ProcessEnv;
  /** Opened only when something is piped in (creating process.stdin costs start-up time). */
  stdin: () => NodeJS.ReadStream;
};

export async function runPrint(options: CliOptions, deps: PrintDeps): Promise<number> {
  const startedAt = Date.now();
  mark("headless loaded");
  // Lines quote the model and servers (refused commands, error messages): no escape sequence reaches the terminal.
  const say = (line: string) => writeError(`hearth: ${terminalText(line)}\n`);

  let interrupts = 0;
  // Before the session is open, Ctrl-C stops opening it (a local server probe); then it interrupts the prompt.
  const opening = new AbortController();
  let interrupt: () => void = () => opening.abort();
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    say("interrupted");
    interrupt();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  const stopListening = () => {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  };

  const prompt = await readPrompt(options.prompt, deps.stdin, { notice: say });
  const opened = await openSession(options, {
    version: deps.version,
    env: deps.env,
    signal: opening.signal,
    diagnostics: writeError,
    beforeEmbeddedLoad: async () => {
      // Load progress on stderr; the load starts while the tools are built.
      const { setLoadListener } = await import("../../providers/embedded.ts");
      const { createLoadProgressPrinter } = await import("../load-progress.ts");
      setLoadListener(createLoadProgressPrinter(writeError, process.stderr.isTTY === true));
    },
  });
  if (!opened.ok) {
    stopListening();
    if (opened.message) say(opened.message);
    return interrupts > 0 ? EXIT_INTERRUPTED : opened.exitCode;
  }
  const { session } = opened;
  interrupt = () => session.submit({ type: "interrupt" });

  const output = await createOutput(options.outputFormat, writeOutput);
  const info = session.info;
  const toolProgress = showToolProgress(options) ? createToolProgress(writeError) : undefined;
  const denials: PermissionDenial[] = [];
  /** The stderr line of each refused call, by call id, for the closing summary. */
  const lines = new Map<string, string>();
  let ended: AgentEventOf<"prompt_ended"> | undefined;
  let agentEnded: AgentEventOf<"agent_ended"> | undefined;
  let local = info.local;

  session.submit({ type: "prompt", text: prompt });
  for await (const event of session.events) {
    render(event);
    if (event.type === "prompt_ended") {
      ended = event;
      session.submit({ type: "close" });
    }
  }
  stopListening();

  function render(event: SessionEvent): void {
    output.event(event);
    switch (event.type) {
      case "session_info":
        local = event.local;
        return;
      case "notice":
        say(event.text);
        return;
      case "permission_requested": {
        // Nobody to ask: refused, with what would allow it.
        const call = { tool: event.tool, command: { text: event.target } };
        const ask = { ...event, decision: "ask" as const };
        const line = refusalLine(call, ask);
        lines.set(event.callId, line);
        say(line);
        session.submit({
          type: "answer_permission",
          requestId: event.requestId,
          answer: { decision: "deny", reason: headlessRefusal(call, ask) },
        });
        return;
      }
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
    }
    reportEvent(event, say, { latency: local });
    toolProgress?.(event);
  }

  if (!ended) return interrupts > 0 ? EXIT_INTERRUPTED : EXIT_FAILED;
  const result = {
    reason: ended.reason,
    error: agentEnded?.error,
    messages: agentEnded?.messages ?? [],
    usage: ended.usage,
    turns: ended.turns,
  };
  if (ended.turns > 0 || agentEnded)
    output.finish({
      result,
      sessionId: info.sessionId,
      model: info.model,
      durationMs: Date.now() - startedAt,
      costUsd: ended.costUsd,
      denials,
    });
  const refused = denialSummary(denials);
  if (refused) say(refused);
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
      say(limitStopLine(ended.reason, session.guarded(), ended.costUsd));
      return EXIT_FAILED;
    case "max_output_tokens":
      say(
        "the answer was cut off by the output token limit, also after asking the model to continue; raise maxOutputTokens in settings, or ask for a shorter answer",
      );
      return EXIT_FAILED;
    default:
      if (!agentEnded) return EXIT_FAILED; // refused before it ran: the notice said why
      say(ended.error ?? "the run failed");
      return EXIT_FAILED;
  }
}
