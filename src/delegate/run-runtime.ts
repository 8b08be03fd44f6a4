/**
 * One prompt handed to an agent CLI: the child is started (spawn-runtime.ts), its JSON lines are read by the
 * runtime's parser, and what they say is assembled into the session's own events, as the agent loop would emit
 * them: agent_started, then per response of the child turn_started, text_delta / reasoning_delta, message_ended
 * (the whole message, its tool calls and usage; `provider` is the runtime), tool_call_started and
 * tool_call_ended for each of its tool calls, turn_ended; and agent_ended last. The session records these as it
 * records its own turns. An abort kills the child's process group and ends the run "aborted".
 *
 * Contract: never throws; a child that cannot start, fails or dies ends with reason "error" and one line saying why.
 */
import { createEventChannel } from "../agent/event-channel.ts";
import type { AgentEndReason, AgentEvent, AgentEventOf, AgentEventType } from "../protocol/events.ts";
import type { AssistantMessage, Message, ToolCallPart, Usage } from "../protocol/messages.ts";
import type { PermissionMode } from "../protocol/permissions.ts";
import type { RuntimeEvent } from "./runtime-events.ts";
import type { RuntimeSpec } from "./runtimes.ts";
import { type RuntimeProcess, spawnRuntime } from "./spawn-runtime.ts";

export type RuntimeRunInput = {
  spec: RuntimeSpec;
  /** The program to run (found on PATH or in node_modules/.bin). */
  command: string;
  prompt: string;
  cwd: string;
  /** The child's whole environment (already scrubbed). */
  env: Record<string, string>;
  mode: PermissionMode;
  /** The child's own session id, to continue it. */
  resume?: string;
  sessionId: string;
};

export type RuntimeResult = {
  reason: AgentEndReason;
  error?: string;
  messages: Message[];
  usage: Usage;
  turns: number;
  /** The child's session id, when it said (what the next prompt resumes). */
  childSessionId?: string;
  childModel?: string;
  /** What the runtime says the run cost (claude reports it). */
  costUsd?: number;
};

export type RuntimeRun = { events: AsyncIterable<AgentEvent>; result: Promise<RuntimeResult> };

type Payload<K extends AgentEventType> = Omit<AgentEventOf<K>, "type" | "sessionId" | "turn" | "ts">;

/** How the child ended: its exit, and the last lines of its stderr. */
export type RuntimeExit = Awaited<RuntimeProcess["exited"]>;

/** What a runtime says, in runtime events, and how its process ended: a CLI's parsed lines, an ACP agent's updates. */
export type RuntimeSource = { events: AsyncIterable<RuntimeEvent>; exited: Promise<RuntimeExit> };

/** The runtime as the assembler names it: its name, and how to log in to it. */
export type RuntimeLabel = Pick<RuntimeSpec, "login"> & { name: string };

export function runRuntime(input: RuntimeRunInput, signal: AbortSignal): RuntimeRun {
  const { spec } = input;
  const child = spawnRuntime(
    input.command,
    spec.args({ prompt: input.prompt, mode: input.mode, ...(input.resume ? { resume: input.resume } : {}) }),
    { cwd: input.cwd, env: input.env, signal },
  );
  const parser = spec.parser();
  const events: AsyncIterable<RuntimeEvent> = {
    async *[Symbol.asyncIterator]() {
      for await (const line of child.lines) yield* parser.line(line);
      yield* parser.end();
    },
  };
  return assembleRuntime(
    spec,
    { sessionId: input.sessionId, resume: input.resume },
    { events, exited: child.exited },
    signal,
  );
}

/** A runtime's events as the session's own (see the header); the source is read to its end. */
export function assembleRuntime(
  runtime: RuntimeLabel,
  context: { sessionId: string; resume?: string },
  source: RuntimeSource,
  signal: AbortSignal,
): RuntimeRun {
  const channel = createEventChannel<AgentEvent>();
  const result = run(runtime, context, source, signal, (event) => channel.push(event)).finally(() =>
    channel.close(),
  );
  return { events: channel, result };
}

async function run(
  spec: RuntimeLabel,
  input: { sessionId: string; resume?: string },
  source: RuntimeSource,
  signal: AbortSignal,
  push: (event: AgentEvent) => void,
): Promise<RuntimeResult> {
  let turn = 0;
  const emit = <K extends AgentEventType>(type: K, payload: Payload<K>) =>
    push({ type, sessionId: input.sessionId, turn, ts: Date.now(), ...payload } as unknown as AgentEvent);
  const added: Message[] = [];
  const summed: Usage = { inputTokens: 0, outputTokens: 0 };
  let total: Usage | undefined;
  let childSessionId: string | undefined;
  let childModel: string | undefined;
  let costUsd: number | undefined;
  let ended: Extract<RuntimeEvent, { kind: "ended" }> | undefined;

  /** The response being read: its parts, and the calls announced with it (started when it ends). */
  let parts: AssistantMessage["content"] = [];
  let responseStarted = 0;
  /** Calls whose results have not come yet, by id. */
  const running = new Map<string, { call: ToolCallPart; startedAt: number }>();

  const startResponse = () => {
    if (parts.length > 0 || responseStarted) return;
    turn++;
    responseStarted = Date.now();
    emit("turn_started", {});
  };
  const endResponse = (usage?: Usage) => {
    if (parts.length === 0) {
      if (responseStarted) emit("turn_ended", {});
      responseStarted = 0;
      return;
    }
    const calls = parts.filter((p): p is ToolCallPart => p.type === "tool_call");
    const message: AssistantMessage = {
      role: "assistant",
      content: parts,
      stopReason: calls.length > 0 ? "tool_use" : "stop",
      ...(usage ? { usage } : {}),
      provider: spec.name,
      ...(childModel ? { model: childModel } : {}),
    };
    if (usage) {
      summed.inputTokens += usage.inputTokens;
      summed.outputTokens += usage.outputTokens;
    }
    added.push(message);
    const durationMs = Date.now() - responseStarted;
    emit("message_ended", {
      message,
      timing: {
        ttftMs: null,
        durationMs,
        outputTokens: usage?.outputTokens ?? 0,
        tokensPerSecond: null,
        promptTokens: null,
        promptTokensPerSecond: null,
      },
    });
    for (const call of calls) {
      running.set(call.id, { call, startedAt: Date.now() });
      emit("tool_call_started", { call });
    }
    parts = [];
    responseStarted = 0;
    if (calls.length === 0) emit("turn_ended", {});
  };
  const endCall = (id: string, content: string, isError: boolean) => {
    const open = running.get(id);
    if (!open) return;
    running.delete(id);
    added.push({ role: "tool", toolCallId: id, toolName: open.call.name, content, isError });
    emit("tool_call_ended", { call: open.call, content, isError, durationMs: Date.now() - open.startedAt });
    if (running.size === 0) emit("turn_ended", {});
  };
  const apply = (event: RuntimeEvent) => {
    switch (event.kind) {
      case "session":
        if (event.model) childModel = event.model;
        if (childSessionId === event.id) return;
        childSessionId = event.id;
        emit("runtime_session", {
          runtime: spec.name,
          childSessionId: event.id,
          resumed: event.id === input.resume,
        });
        return;
      case "text":
      case "reasoning": {
        // Text after a tool call is a new response (CLIs that report items, not messages).
        if (parts.some((p) => p.type === "tool_call")) endResponse();
        startResponse();
        const type = event.kind === "text" ? "text" : "reasoning";
        const last = parts.at(-1);
        if (last && last.type === type) last.text += event.text;
        else parts.push({ type, text: event.text });
        emit(event.kind === "text" ? "text_delta" : "reasoning_delta", { text: event.text });
        return;
      }
      case "tool_call":
        startResponse();
        parts.push({ type: "tool_call", id: event.id, name: event.name, arguments: event.arguments });
        return;
      case "tool_result":
        if (parts.length > 0) endResponse();
        endCall(event.id, event.content, event.isError);
        return;
      case "response_ended":
        endResponse(event.usage);
        return;
      case "notice":
        emit("notice", { level: event.level, text: event.text });
        return;
      case "ended":
        ended = event;
        if (event.usage) total = event.usage;
        if (event.costUsd !== undefined) costUsd = event.costUsd;
        return;
    }
  };

  emit("agent_started", { model: spec.name });
  for await (const event of source.events) apply(event);
  const exit = await source.exited;
  if (parts.length > 0) endResponse();
  // Calls still open when the child stopped never get a result from it: they were interrupted.
  for (const id of [...running.keys()])
    endCall(id, "interrupted: the runtime stopped before this tool call finished", true);

  const usage = total ?? summed;
  let reason: AgentEndReason;
  let error: string | undefined;
  if (signal.aborted) reason = "aborted";
  else if (ended?.ok && exit.code === 0) reason = "done";
  else {
    reason = "error";
    error = failureLine(spec, ended, exit);
  }
  emit("agent_ended", {
    reason,
    ...(error ? { error: { kind: "server", message: error, retryable: false } } : {}),
    messages: added,
    usage,
    turns: turn,
  } as Payload<"agent_ended">);
  return {
    reason,
    ...(error ? { error } : {}),
    messages: added,
    usage,
    turns: turn,
    ...(childSessionId ? { childSessionId } : {}),
    ...(childModel ? { childModel } : {}),
    ...(costUsd !== undefined ? { costUsd } : {}),
  };
}

/** One line: why the child's run failed, with the way out when it is a login problem. */
function failureLine(
  spec: RuntimeLabel,
  ended: Extract<RuntimeEvent, { kind: "ended" }> | undefined,
  exit: RuntimeExit,
): string {
  if (exit.spawnError) return `${spec.name} could not start: ${exit.spawnError}`;
  const said = ended?.error ?? exit.stderrTail.at(-1) ?? "";
  if (/log ?in|not logged|authenticat|api key|unauthori[sz]ed|401/i.test(said))
    return `${spec.name} is not logged in (${said.slice(0, 160)}): ${spec.login}`;
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  return said ? `${spec.name} failed: ${said.slice(0, 300)}` : `${spec.name} ${how} without a result`;
}
