/**
 * The slash commands: most are one command of the runtime; the front's own (exit, help, cost, doctor) and those
 * that open another session (clear, fork, resume) are actions of the front. A line that starts with "/" and
 * names none of them is an unknown command, not a prompt. A line that starts with "!" is a command for the shell,
 * run by the runtime under the same policy as the model's commands.
 */
import type { Command } from "../../protocol/commands.ts";
import { PERMISSION_MODES, type PermissionMode } from "../../protocol/permissions.ts";
import { INIT_PROMPT } from "../../runtime/init-prompt.ts";

export type SlashResult =
  | { type: "command"; command: Command }
  | { type: "exit" }
  /** An action of the front itself (front-actions.ts). */
  | { type: "front"; action: FrontAction }
  | { type: "help"; lines: string[] }
  | { type: "problem"; text: string }
  | { type: "prompt" };

export type FrontAction = "cost" | "clear" | "fork" | "doctor" | "resume" | "model";

/** Every command name, for completion (aliases left out). */
export const SLASH_NAMES = [
  "model",
  "mode",
  "runtime",
  "resume",
  "fork",
  "clear",
  "undo",
  "compact",
  "init",
  "cost",
  "doctor",
  "help",
  "exit",
] as const;

const FRONT_ACTIONS: readonly string[] = [
  "cost",
  "clear",
  "fork",
  "doctor",
  "resume",
] satisfies FrontAction[];

export const SLASH_HELP = [
  "/model [name]   use another model for the next prompts (provider/model, a bare name, a GGUF path); alone, a picker",
  `/mode <mode>    permission mode for the next tool calls: ${PERMISSION_MODES.join(", ")}`,
  "/runtime <name> who runs the next prompts: claude, codex, gemini, opencode, acp:<command>, or hearth",
  "/undo           take back the file changes of the last prompt that changed files",
  "/compact        summarise the conversation so far to free the context window",
  "/init           have the model look at the repository and write (or improve) AGENTS.md",
  "/cost           tokens and cost of this session so far",
  "/clear          clear the screen and start a new session in this workspace",
  "/fork           a new session with this conversation so far (this one is kept as it is)",
  "/resume         pick an earlier session of this directory and continue it",
  "/doctor         check hearth's setup (settings, directories, sandbox, model servers)",
  "!<command>      run a shell command yourself (same policy and sandbox); the model sees its output next",
  "Tab completes a command, /model's and /mode's argument, and @path (a file attached to the prompt)",
  "/help           this list; /exit (or Ctrl-D on an empty line, or Ctrl-C twice) ends the session",
  "Keys: Enter sends · Alt-Enter, Ctrl-J or a trailing \\ makes a new line · Esc interrupts · Up/Down recall",
];

export function parseSlash(text: string): SlashResult {
  if (text.startsWith("!")) {
    const command = text.slice(1).trim();
    if (!command) return { type: "problem", text: "! needs a command, e.g. !git status" };
    return { type: "command", command: { type: "shell", command } };
  }
  if (!text.startsWith("/") || text.startsWith("//")) return { type: "prompt" };
  const [name, ...rest] = text.slice(1).split(/\s+/);
  const argument = rest.join(" ").trim();
  switch (name) {
    case "exit":
    case "quit":
      return { type: "exit" };
    case "help":
      return { type: "help", lines: SLASH_HELP };
    case "undo":
      return { type: "command", command: { type: "undo" } };
    case "compact":
      return { type: "command", command: { type: "compact" } };
    case "init":
      if (argument) return { type: "problem", text: "/init takes no argument" };
      return { type: "command", command: { type: "prompt", text: INIT_PROMPT } };
    case "model":
      // Alone: a picker of the models there are.
      if (!argument) return { type: "front", action: "model" };
      return { type: "command", command: { type: "set_model", model: argument } };
    case "mode":
      if (!(PERMISSION_MODES as readonly string[]).includes(argument))
        return { type: "problem", text: `/mode needs one of ${PERMISSION_MODES.join(", ")}` };
      return { type: "command", command: { type: "set_mode", mode: argument as PermissionMode } };
    case "runtime":
      if (!argument)
        return {
          type: "problem",
          text: "/runtime needs one of hearth, claude, codex, gemini, opencode, acp:<command>",
        };
      return { type: "command", command: { type: "set_runtime", runtime: argument } };
    default:
      if (FRONT_ACTIONS.includes(name)) {
        if (argument) return { type: "problem", text: `/${name} takes no argument` };
        return { type: "front", action: name as FrontAction };
      }
      // A path typed as the prompt ("/tmp/x is empty, why?") is a prompt, not a command.
      if (name.includes("/")) return { type: "prompt" };
      return { type: "problem", text: `unknown command /${name}; /help lists them` };
  }
}
