/**
 * Headless mode (`hearth -p`): a thin front over the session runtime. Reads the prompt, opens a session, submits
 * the prompt, renders the events in the chosen output format and on stderr, refuses every permission request
 * with the reason (nobody is there to say yes), closes the session and returns the exit code.
 */
import { EXIT_FAILED, EXIT_INTERRUPTED } from "../../protocol/errors.ts";
import type { AgentEventOf } from "../../protocol/events.ts";
import { type OpenResult, openSession } from "../../runtime/session-runtime.ts";
import { mark } from "../../runtime/startup-trace.ts";
import type { CliOptions } from "../args.ts";
import { writeError, writeOutput } from "../redaction.ts";
import { terminalText } from "../terminal-text.ts";
import { createOutput } from "./output-formats.ts";
import { createPromptReport } from "./prompt-report.ts";
import { readPrompt } from "./read-prompt.ts";
import { headlessRefusal, refusalLine } from "./refusal-texts.ts";
import { listenForStop } from "./stop-signals.ts";
import { createToolProgress, showToolProgress } from "./tool-progress.ts";

export type PrintDeps = {
  version: string;
  env: NodeJS.ProcessEnv;
  /** Opened only when something is piped in (creating process.stdin costs start-up time). */
  stdin: () => NodeJS.ReadStream;
};

/** A stderr line of the headless fronts. Lines quote the model and servers: no escape sequence reaches the terminal. */
export function sayOnStderr(line: string): void {
  writeError(`hearth: ${terminalText(line)}\n`);
}

/** Opens the session of a headless run; `signal` (Ctrl-C while opening) stops a local server probe. */
export function openHeadlessSession(
  options: CliOptions,
  deps: PrintDeps,
  signal: AbortSignal,
): Promise<OpenResult> {
  return openSession(options, {
    version: deps.version,
    env: deps.env,
    signal,
    diagnostics: writeError,
    beforeEmbeddedLoad: async () => {
      // Load progress on stderr; the load starts while the tools are built.
      const { setLoadListener } = await import("../../providers/embedded.ts");
      const { createLoadProgressPrinter } = await import("../load-progress.ts");
      setLoadListener(createLoadProgressPrinter(writeError, process.stderr.isTTY === true));
    },
  });
}

export async function runPrint(options: CliOptions, deps: PrintDeps): Promise<number> {
  const startedAt = Date.now();
  mark("headless loaded");
  const say = sayOnStderr;

  // Before the session is open, Ctrl-C stops opening it (a local server probe); then it interrupts the prompt.
  const signals = listenForStop(say);

  const prompt = await readPrompt(options.prompt, deps.stdin, { notice: say });
  const opened = await openHeadlessSession(options, deps, signals.opening);
  if (!opened.ok) {
    signals.off();
    if (opened.message) say(opened.message);
    return signals.stopped ? EXIT_INTERRUPTED : opened.exitCode;
  }
  const { session } = opened;
  signals.onStop(() => session.submit({ type: "interrupt" }));

  const report = createPromptReport({
    output: await createOutput(options.outputFormat, writeOutput),
    say,
    toolProgress: showToolProgress(options) ? createToolProgress(writeError) : undefined,
    sessionId: session.info.sessionId,
    guarded: () => session.guarded(),
    everyPromptHasResult: false,
  });
  let ended: AgentEventOf<"prompt_ended"> | undefined;

  session.submit({ type: "prompt", text: prompt });
  for await (const event of session.events) {
    report.event(event);
    if (event.type === "permission_requested") refuse(event);
    if (event.type === "prompt_ended") {
      ended = event;
      session.submit({ type: "close" });
    }
  }
  signals.off();

  /** Nobody to ask: refused, with what would allow it. */
  function refuse(event: AgentEventOf<"permission_requested">): void {
    const call = { tool: event.tool, command: { text: event.target } };
    const ask = { ...event, decision: "ask" as const };
    const line = refusalLine(call, ask);
    report.refused(event.callId, line);
    say(line);
    session.submit({
      type: "answer_permission",
      requestId: event.requestId,
      answer: { decision: "deny", reason: headlessRefusal(call, ask) },
    });
  }

  if (!ended) return signals.stopped ? EXIT_INTERRUPTED : EXIT_FAILED;
  // The result is the last line, after the session's events (as Claude Code's stream ends with its result).
  return report.end(ended, Date.now() - startedAt);
}
