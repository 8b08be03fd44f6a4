/**
 * What the agent is doing, one short line on stderr per tool call as it starts: the command, the file and the
 * size of the change, the search. Shown in text output unless --quiet; in json and stream-json (whose stdout a
 * program reads, and which carry the calls themselves) only with --verbose.
 */
import type { AgentEvent } from "../../protocol/events.ts";
import type { OutputFormat } from "../args.ts";
import { toolCallLine } from "../tool-call-line.ts";

export function showToolProgress(options: { outputFormat: OutputFormat; quiet: boolean; verbose: boolean }) {
  return options.verbose || (options.outputFormat === "text" && !options.quiet);
}

/** Writes the line for each tool call that starts; other events are ignored. */
export function createToolProgress(write: (line: string) => void): (event: AgentEvent) => void {
  return (event) => {
    if (event.type === "tool_call_started") write(`${toolCallLine(event.call)}\n`);
  };
}
