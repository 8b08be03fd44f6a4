/**
 * One ACP session over one runtime session: the runtime's events go to the client as `session/update`s (in
 * order, each sent before the next), its permission requests as `session/request_permission` (answered when the
 * client chooses), and a prompt's request is answered when its `prompt_ended` comes. It translates; the runtime
 * decides everything (no loop logic here). Notices and other diagnostics go to the log (stderr).
 */
import type { AgentContext, ContentBlock, PromptResponse } from "@agentclientprotocol/sdk";
import type { AgentEventOf, SessionEvent } from "../../protocol/events.ts";
import type { RuntimeSession } from "../../runtime/session-runtime.ts";
import { promptInput } from "./acp-content.ts";
import { permissionAnswer, permissionRequest } from "./acp-permission.ts";
import { sessionUpdates, stopReason } from "./acp-updates.ts";

type Ended = AgentEventOf<"prompt_ended">;

export type AcpSessionDeps = {
  /** A line for the log (stderr): never stdout, which carries JSON-RPC alone. */
  log(line: string): void;
  /** A JSON-RPC error for a prompt that failed (the SDK's RequestError). */
  failure(message: string): Error;
};

export type AcpSession = {
  readonly id: string;
  readonly runtime: RuntimeSession;
  /** Runs one prompt to its end; a prompt while another runs is refused. */
  prompt(blocks: ContentBlock[]): Promise<PromptResponse>;
  /** session/cancel: the running prompt is interrupted (its commands killed); it ends `cancelled`. */
  cancel(): void;
  /** Submits a command and waits for the session_info it brings back (set_mode, set_model, set_runtime), or the error notice. */
  change(
    command:
      | { type: "set_mode"; mode: string }
      | { type: "set_model"; model: string }
      | { type: "set_runtime"; runtime: string },
  ): Promise<string | null>;
  /** Closes the runtime session and waits for it. */
  close(): Promise<void>;
};

export function createAcpSession(
  runtime: RuntimeSession,
  client: AgentContext,
  deps: AcpSessionDeps,
): AcpSession {
  const id = runtime.info.sessionId;
  const { cwd } = runtime.info;
  /** Who waits for the running prompt's end, and for the outcome of a set_mode or set_model. */
  const waiting: {
    prompt: ((ended: Ended) => void) | null;
    change: ((problem: string | null) => void) | null;
  } = {
    prompt: null,
    change: null,
  };
  let sending = Promise.resolve();

  let mode = runtime.info.permissionMode;
  const send = (event: SessionEvent) => {
    // The mode as the session opened is in the session/new answer: only a change is an update.
    if (event.type === "session_info") {
      if (event.permissionMode === mode) return;
      mode = event.permissionMode;
    }
    for (const update of sessionUpdates(event, cwd))
      sending = sending
        .then(() => client.notify("session/update", { sessionId: id, update }))
        .catch((error: Error) => deps.log(`hearth acp: an update was not delivered: ${error.message}`));
  };

  async function askClient(event: AgentEventOf<"permission_requested">): Promise<void> {
    const request = permissionRequest(id, event, cwd);
    // The tool call's own update first, so the client has it when it asks.
    await sending;
    let answer: ReturnType<typeof permissionAnswer>;
    try {
      const response = await client.request("session/request_permission", request);
      answer = permissionAnswer(response.outcome, request.options);
    } catch (error) {
      answer = { decision: "deny", reason: `the client did not answer (${(error as Error).message})` };
    }
    runtime.submit({ type: "answer_permission", requestId: event.requestId, answer });
  }

  const pump = (async () => {
    for await (const event of runtime.events) {
      send(event);
      switch (event.type) {
        case "permission_requested":
          void askClient(event);
          break;
        case "notice":
          deps.log(`hearth acp: ${event.level}: ${event.text}`);
          if (event.level === "error") waiting.change?.(event.text);
          break;
        case "session_info":
          waiting.change?.(null);
          break;
        case "prompt_ended": {
          const done = waiting.prompt;
          waiting.prompt = null;
          await sending;
          done?.(event);
          break;
        }
      }
    }
  })();

  return {
    id,
    runtime,
    async prompt(blocks) {
      if (waiting.prompt)
        throw deps.failure("a prompt of this session is still running: wait for it, or cancel it");
      const input = promptInput(blocks);
      if (!input.ok) throw deps.failure(input.problem);
      const ended = new Promise<Ended>((resolve) => {
        waiting.prompt = resolve;
      });
      runtime.submit({
        type: "prompt",
        text: input.text,
        ...(input.attachments.length > 0 ? { attachments: input.attachments } : {}),
      });
      const event = await ended;
      const reason = stopReason(event.reason);
      if (reason === null) throw deps.failure(event.error ?? "the prompt failed");
      return { stopReason: reason };
    },
    cancel() {
      runtime.submit({ type: "interrupt" });
    },
    change(command) {
      const done = new Promise<string | null>((resolve) => {
        waiting.change = (problem) => {
          waiting.change = null;
          resolve(problem);
        };
      });
      runtime.submit(command as Parameters<RuntimeSession["submit"]>[0]);
      return done;
    },
    async close() {
      runtime.submit({ type: "close" });
      await runtime.closed;
      await pump;
      await sending;
    },
  };
}
