/**
 * Headless mode driven over stdin (`hearth -p --input-format stream-json --output-format stream-json`): many
 * prompts in one process and one session. Each line of stdin is a command (stream-input.ts), submitted to the
 * session as it is; the runtime queues prompts and runs them one at a time. stdout carries the session's events
 * as `-p --output-format stream-json` does, with the result object after each prompt's `prompt_ended`.
 * Permission requests are the client's to answer (`answer_permission`), not refused as in `-p`.
 *
 * End of stdin: the commands sent run to their end, a permission request still waiting (or asked later) is
 * refused ("the client closed its input"), and the session closes. The exit code is 0 when every prompt ended
 * well, else the code of the last prompt that did not (the code a `-p` run of it has). Ctrl-C or SIGTERM stops
 * the run as in `-p`: the running prompt is interrupted, the session closed, exit 130; a second one exits at
 * once. The `interrupt` command interrupts the running prompt alone, and the session goes on.
 */
import { createInterface } from "node:readline";
import { EXIT_INTERRUPTED, EXIT_OK } from "../../protocol/errors.ts";
import type { AgentEventOf, SessionEvent } from "../../protocol/events.ts";
import { mark } from "../../runtime/startup-trace.ts";
import type { CliOptions } from "../args.ts";
import { writeError, writeOutput } from "../redaction.ts";
import { createOutput } from "./output-formats.ts";
import { createPromptReport } from "./prompt-report.ts";
import { refusalLine } from "./refusal-texts.ts";
import { openHeadlessSession, type PrintDeps, sayOnStderr } from "./run-print.ts";
import { listenForStop } from "./stop-signals.ts";
import { parseInputLine } from "./stream-input.ts";
import { createToolProgress, showToolProgress } from "./tool-progress.ts";

/** The answer to a request nobody can answer any more; the model reads it. */
export const INPUT_CLOSED_REFUSAL =
  "the client closed its input, so nobody can answer this request; do not retry it, carry on without it if you can";

export async function runStream(options: CliOptions, deps: PrintDeps): Promise<number> {
  mark("headless loaded");
  const say = sayOnStderr;

  // Before the session is open, a signal stops opening it; then it stops the run (stop, below).
  const signals = listenForStop(say);

  const opened = await openHeadlessSession(options, deps, signals.opening);
  if (!opened.ok) {
    signals.off();
    if (opened.message) say(opened.message);
    return signals.stopped ? EXIT_INTERRUPTED : opened.exitCode;
  }
  const { session } = opened;
  const input = createInterface({ input: deps.stdin(), crlfDelay: Number.POSITIVE_INFINITY });
  let inputClosed = false;
  const stop = () => {
    inputClosed = true;
    input.close();
    session.submit({ type: "close" });
  };
  signals.onStop(stop);
  const { sessionId } = session.info;
  const report = createPromptReport({
    output: await createOutput(options.outputFormat, writeOutput),
    say,
    toolProgress: showToolProgress(options) ? createToolProgress(writeError) : undefined,
    sessionId,
    guarded: () => session.guarded(),
    everyPromptHasResult: true,
  });
  /** Requests the client has not answered yet, by request id. */
  const waiting = new Map<string, AgentEventOf<"permission_requested">>();
  let turn = 0;
  let exitCode = EXIT_OK;

  // A prompt given as the argument is the first prompt.
  if (options.prompt?.trim()) session.submit({ type: "prompt", text: options.prompt.trim() });
  const reading = readCommands().catch((error: Error) => {
    say(`cannot read stdin (${error.message}); closing the session`);
    stop();
  });

  for await (const event of session.events) {
    turn = event.turn;
    report.event(event);
    if (event.type === "permission_requested") {
      if (inputClosed) refuse(event);
      else waiting.set(event.requestId, event);
    }
    if (event.type === "permission_resolved" && event.requestId) waiting.delete(event.requestId);
    if (event.type === "prompt_ended") {
      const code = report.end(event, event.durationMs);
      if (code !== EXIT_OK) exitCode = code;
    }
  }
  signals.off();
  input.close();
  await reading;
  return signals.stopped ? EXIT_INTERRUPTED : exitCode;

  /** Submits each line's command until stdin ends or the session closes; then closes once all have run. */
  async function readCommands(): Promise<void> {
    let number = 0;
    for await (const line of input) {
      if (inputClosed) break; // lines read before a close or a signal
      number++;
      if (line.trim() === "") continue;
      const parsed = parseInputLine(line);
      if (!parsed.ok) {
        rejected(`stdin line ${number} ignored: ${parsed.problem}`);
        continue;
      }
      const command = parsed.command;
      if (command.type === "answer_permission") waiting.delete(command.requestId);
      session.submit(command);
      if (command.type === "close") {
        inputClosed = true;
        input.close();
      }
    }
    if (inputClosed) return;
    inputClosed = true;
    // Nobody is left to answer: what waits is refused now, what asks later is refused at once.
    const unanswered = [...waiting.values()];
    waiting.clear();
    for (const event of unanswered) refuse(event);
    await session.idle();
    session.submit({ type: "close" });
  }

  function refuse(event: AgentEventOf<"permission_requested">): void {
    const line = refusalLine(
      { tool: event.tool, command: { text: event.target } },
      { decision: "deny", reason: "the client closed its input" },
    );
    report.refused(event.callId, line);
    say(line);
    session.submit({
      type: "answer_permission",
      requestId: event.requestId,
      answer: { decision: "deny", reason: INPUT_CLOSED_REFUSAL },
    });
  }

  /** A line that is not a command: one error notice on stdout (and its line on stderr); nothing reaches the session. */
  function rejected(text: string): void {
    const notice: SessionEvent = { type: "notice", sessionId, turn, ts: Date.now(), level: "error", text };
    report.event(notice);
  }
}
