/**
 * Command: what a front asks of a session runtime (runtime/session-runtime.ts), one discriminated union on
 * `type`. Types are snake_case imperatives. With the Event union (events.ts) these are the whole vocabulary a
 * front speaks: the terminal UI, the ACP server and headless all submit these and render those.
 */
import type { ImageMediaType } from "./messages.ts";
import type { PermissionMode } from "./permissions.ts";

/**
 * What a prompt brings along. `file`: a text file of the workspace, its text put before the prompt. `image`: an
 * image file of the workspace (PNG, JPEG, GIF or WebP, at most 3.9 MB), sent with the prompt to a model that
 * takes images. `image_data`: the same, its bytes in base64 from the client (`name` is what listings call it).
 */
export type Attachment =
  | { type: "file"; path: string }
  | { type: "image"; path: string }
  | { type: "image_data"; mediaType: ImageMediaType; data: string; name?: string };

/**
 * How a person (or a client) answered a permission request.
 * `allow_session`: this call, and the same call again, for the rest of the session (and the suggested rule,
 * when there is one, as a rule of this session only). `allow_always`: as allow_session, and the suggested rule
 * is saved in the user's settings. `deny`: the model sees the reason.
 */
export type PermissionAnswer =
  | { decision: "allow_once" }
  | { decision: "allow_session" }
  | { decision: "allow_always" }
  | { decision: "deny"; reason?: string };

/** A command with nothing but its type. */
type NoFields = Record<never, never>;

type CommandMap = {
  /** Start a prompt; while one runs, it waits its turn (queued). */
  prompt: { text: string; attachments?: Attachment[] };
  /**
   * Run a command the person typed (the UI's `!cmd`) with the bash tool, under the same policy and sandbox as the
   * model's commands: tool_call_started and tool_call_ended (its id starts with `shell_`) follow. It is recorded
   * as the person's message with its output, for the model to see with the next prompt; no model request is made.
   */
  shell: { command: string };
  /** Stop the running prompt: its request and tools are aborted (process groups killed); the session stays open. */
  interrupt: NoFields;
  /** Answer a `permission_requested` event (its `requestId`): the waiting call runs or is refused. */
  answer_permission: { requestId: string; answer: PermissionAnswer };
  /** The model for the next prompts: `provider/model`, a bare name, or a GGUF path. */
  set_model: { model: string };
  /** The permission mode for the next tool calls: ask, edits, auto or plan. */
  set_mode: { mode: PermissionMode };
  /**
   * Who runs the next prompts: another agent (claude, codex, gemini, opencode, or acp:<command>), or "hearth" for
   * hearth's own loop. The session and its record stay the same; `session_info` follows.
   */
  set_runtime: { runtime: string };
  /** Summarise the conversation so far now, to free the model's context window. */
  compact: NoFields;
  /** Take back the file changes of the session's last prompt that changed files (as `hearth undo`). */
  undo: NoFields;
  /** End the session: a running prompt is interrupted, the files are closed, the events end. */
  close: NoFields;
};

export type CommandType = keyof CommandMap;

export type Command = { [K in CommandType]: { type: K } & CommandMap[K] }[CommandType];

export type CommandOf<K extends CommandType> = Extract<Command, { type: K }>;
