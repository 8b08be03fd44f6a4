/**
 * What the `delegate` tool does in a session: the runtime is prepared as for a prompt turn (runtime-start.ts: its
 * checks, environment, mode and offline rule), started on the task in a new child session, and watched: each of
 * its tool calls is reported as the call's progress, and its final answer (with the calls it made) is the result
 * the model gets. Its own events are not the session's turns: the call and its result are.
 */
import type { RuntimeName } from "../delegate/runtimes.ts";
import type { ToolContext, ToolResult } from "../tools/tool.ts";
import type { SessionParts } from "./compose-session.ts";
import { processRedactor } from "./process-redactor.ts";
import { prepareRuntime } from "./runtime-start.ts";

export async function runDelegateCall(
  parts: SessionParts,
  runtime: RuntimeName,
  task: string,
  context: ToolContext,
): Promise<ToolResult> {
  const prepared = await prepareRuntime(parts, runtime, parts.emit);
  if (!prepared.ok)
    return { content: `${prepared.problem}; do the task yourself or ask the user`, isError: true };
  // What goes to another agent carries no key hearth knows, as what goes to a model.
  const run = prepared.start(processRedactor().redactKnown(task), undefined, context.signal);
  const calls: string[] = [];
  let answer = "";
  let childSessionId: string | undefined;
  for await (const event of run.events) {
    if (event.type === "runtime_session") childSessionId = event.childSessionId;
    if (event.type === "tool_call_started") {
      calls.push(event.call.name);
      context.progress?.(`${runtime}: ${event.call.name}`);
    }
    if (event.type === "message_ended") {
      const text = event.message.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
      if (text) answer = text;
    }
  }
  const result = await run.result;
  const details = { runtime, childSessionId, calls, reason: result.reason, usage: result.usage };
  const made =
    calls.length > 0 ? `\n\n(${runtime} made ${calls.length} tool call(s): ${calls.join(", ")})` : "";
  if (result.reason !== "done")
    return {
      content: `${runtime} did not finish (${result.reason}${result.error ? `: ${result.error}` : ""})${answer ? `; its last words: ${answer}` : ""}${made}`,
      isError: true,
      details,
    };
  return { content: `${answer || `${runtime} finished without an answer`}${made}`, details };
}
