/**
 * One prompt of a session: recorded as the session's next turn, run through the agent loop with the session's
 * model and tools, every event recorded, journalled and passed on, and ended with `prompt_ended`. A prompt that
 * cannot fit the model's window is refused before anything is saved.
 */
import { resolve } from "node:path";
import { runAgent } from "../agent/agent-loop.ts";
import type { CommandOf } from "../protocol/commands.ts";
import type { AgentEvent } from "../protocol/events.ts";
import { decodedLength } from "../protocol/images.ts";
import type { ImagePart, UserMessage } from "../protocol/messages.ts";
import { estimateCost } from "../providers/catalog.ts";
import { type Emit, modelRecord, type SessionParts } from "./compose-session.ts";
import { processRedactor } from "./process-redactor.ts";
import { imageRefusal, imageTypeRefusal, readAttachments } from "./prompt-attachments.ts";
import { promptFitProblem } from "./prompt-fit.ts";
import { routePrompt } from "./prompt-route.ts";
import type { Route } from "./router.ts";

/** Events that mean a response has started (or the request is over). */
const RESPONSE_EVENTS = new Set<AgentEvent["type"]>([
  "text_delta",
  "reasoning_delta",
  "message_ended",
  "retry_scheduled",
  "agent_ended",
]);

export async function runPromptTurn(
  parts: SessionParts,
  command: CommandOf<"prompt">,
  emit: Emit,
  signal: AbortSignal,
): Promise<void> {
  const startedAt = Date.now();
  const { session, journal } = parts;
  const usage = { inputTokens: 0, outputTokens: 0 };
  const refuse = (text: string) => {
    emit("notice", { level: "error", text });
    emit("prompt_ended", {
      reason: "error",
      error: text,
      turns: 0,
      usage,
      costUsd: null,
      durationMs: Date.now() - startedAt,
    });
  };
  // --model auto: this prompt's model first (its window decides whether the prompt fits).
  let route: Route | undefined;
  if (parts.router) {
    const attached = (command.attachments ?? []).flatMap((a) =>
      a.type === "image_data" ? [] : [resolve(parts.workspace.root, a.path)],
    );
    const routed = await routePrompt(
      parts,
      parts.router,
      { text: command.text, chars: command.text.length, attached },
      emit,
      signal,
    );
    if (!routed.ok) return refuse(routed.problem);
    route = routed.route;
  }
  const current = parts.current;
  let text = command.text;
  let images: ImagePart[] = [];
  if (command.attachments?.length) {
    // A model that takes no images is told before any file is read.
    const refusal = command.attachments.some((a) => a.type !== "file")
      ? imageRefusal(current.model, parts.settings)
      : null;
    if (refusal) return refuse(refusal);
    const attached = await readAttachments(command.attachments, {
      workspace: parts.workspace,
      readRefusal: parts.policy.readRefusal,
      fileState: parts.fileState,
    });
    if (!attached.ok) return refuse(attached.problem);
    const wrongType = imageTypeRefusal(attached.images, current.model);
    if (wrongType) return refuse(wrongType);
    if (attached.text) text = `${attached.text}\n\n${text}`;
    images = attached.images;
  }
  // What goes to the model carries no key hearth knows (the keychain's are learnt with the first request).
  const prompt = processRedactor().redactKnown(text);
  // The images go first, as the providers advise; plain text stays a string.
  const content: UserMessage["content"] =
    images.length > 0 ? [...images, { type: "text", text: prompt }] : prompt;
  const doesNotFit = promptFitProblem({
    model: current.model,
    limits: current.limits,
    profile: current.profile,
    system: current.system,
    specs: current.specs,
    prompt: content,
  });
  // Refused before anything is saved: no session file for a prompt that never ran.
  if (doesNotFit) return refuse(doesNotFit);
  try {
    session.begin(content, modelRecord(parts), parts.policy.mode);
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (route) session.recordRoute(route.model, route.rule);
  journal.beginTurn(session.turn);
  emit("user_message", {
    text: prompt,
    ...(images.length > 0
      ? {
          images: images.map((image) => ({
            ...(image.name ? { name: image.name } : {}),
            mediaType: image.mediaType,
            bytes: decodedLength(image.data),
          })),
        }
      : {}),
  });

  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let sessionFailure: string | undefined;
  const run = runAgent(
    { sessionId: session.id, system: current.system, messages: session.history() },
    {
      model: current.model,
      stream: current.stream,
      http: parts.http,
      tools: {
        specs: current.specs,
        run: (call, callSignal) => parts.tools.run(call, callSignal),
        isConcurrencySafe: (name) => parts.readOnly.has(name),
      },
      maxTurns: parts.options.maxTurns ?? parts.settings.maxTurns,
      limits: current.guarded.limits,
      // Unset: the defaults of the provider kind (agent/response-limits.ts).
      idleTimeoutMs: parts.settings.requestIdleTimeout && parts.settings.requestIdleTimeout * 1000,
      retryBudgetMs: parts.settings.requestRetryBudget && parts.settings.requestRetryBudget * 1000,
      context: current.limits,
    },
    controller.signal,
  );
  for await (const event of run.events) {
    // Sandbox detection (a trial command) and the journal's modules wait until the model has started answering,
    // so they never delay the first request; both are ready long before a tool call needs them.
    if (!parts.deferredStarted && RESPONSE_EVENTS.has(event.type)) {
      parts.deferredStarted = true;
      parts.sandbox?.start();
      void journal.load();
    }
    try {
      // What the model saw of files, before the record that closes the prompt's run.
      if (event.type === "agent_ended") session.recordFilesSeen(parts.fileState.entries());
      session.record(event);
    } catch (error) {
      if (sessionFailure === undefined) {
        sessionFailure = `${(error as Error).message}; stopped, and the session is kept up to its last whole record`;
        controller.abort(new Error(sessionFailure));
      }
    }
    journal.event(event);
    parts.inFlight.event(event);
    parts.forward(event);
    if (event.type === "tool_call_ended") {
      const stopped = parts.inFlight.watchdogLine(event);
      if (stopped) emit("notice", { level: "warning", text: stopped });
    }
  }
  signal.removeEventListener("abort", onAbort);
  const result = await run.result;
  // After an interrupt, at once; else with a moment for a dev server to shut down cleanly.
  await parts.reaper.stopAll(controller.signal.aborted ? 0 : 500);
  journal.endTurn();
  const costUsd = estimateCost(current.model.provider, current.model.id, result.usage);
  if (parts.router && costUsd !== null && !current.model.local) parts.router.costSoFar += costUsd;
  if (sessionFailure !== undefined) emit("notice", { level: "error", text: sessionFailure });
  emit("prompt_ended", {
    reason: sessionFailure !== undefined ? "error" : result.reason,
    ...(sessionFailure !== undefined
      ? { error: sessionFailure }
      : result.error
        ? { error: result.error.message }
        : {}),
    turns: result.turns,
    usage: result.usage,
    costUsd,
    durationMs: Date.now() - startedAt,
  });
}
