/**
 * The slash commands the front carries out itself: /cost and /doctor print, /clear, /fork and /resume open
 * another session of this workspace (through the same open the front starts with) and put it in place of this
 * one. Opening comes first: when it fails, the session in use stays as it was.
 */

import type { SessionOptions } from "../../runtime/session-options.ts";
import type { OpenResult, RuntimeSession } from "../../runtime/session-runtime.ts";
import { terminalText } from "../terminal-text.ts";
import { doctorLines, modelItems, sessionsHere } from "./front-services.ts";
import { createPicker, type Picker, type PickerOutcome } from "./session-picker.ts";
import type { SessionStats } from "./session-stats.ts";
import type { FrontAction } from "./slash-commands.ts";
import type { Theme } from "./theme.ts";

export type FrontContext = {
  session: RuntimeSession;
  /** A prompt is running or queued. */
  busy: boolean;
  stats: SessionStats;
  theme: Theme;
  env: NodeJS.ProcessEnv;
  say(lines: string[]): void;
  render(): void;
  /** Opens a session as the front did at the start, with these options changed. */
  open(changes: Partial<SessionOptions>): Promise<OpenResult>;
  /** Puts `next` in place of the session in use (which is closed); `clear` clears the screen first. */
  replace(next: RuntimeSession, clear: boolean): void;
  /** Shows a picker in place of the prompt until it gives an outcome. */
  pick(picker: Picker, done: (outcome: Exclude<PickerOutcome, null>) => void): void;
};

export async function runFrontAction(action: FrontAction, front: FrontContext): Promise<void> {
  const { theme } = front;
  const problem = (text: string) => front.say([theme.yellow(text)]);
  switch (action) {
    case "cost":
      front.say(front.stats.costLines().map((line) => theme.dim(line)));
      return;
    case "doctor":
      front.say([theme.dim("running the checks…")]);
      front.render();
      front.say((await doctorLines(front.session.info.cwd, front.env)).map(terminalText));
      return;
    case "model": {
      front.say([theme.dim("looking for models…")]);
      front.render();
      const current = front.session.info.model;
      const found = await modelItems(front.session.info.cwd, front.env).catch(() => []);
      // The model in use heads the list (a custom provider's models are not listed: /model <name> takes any).
      const items = [
        { id: current, label: current, detail: "in use" },
        ...found.filter((item) => item.id !== current),
      ];
      front.pick(createPicker("model for the next prompts (type to filter)", items), (outcome) => {
        if (outcome.type === "open" && outcome.id === current) return;
        if (outcome.type === "open") front.session.submit({ type: "set_model", model: outcome.id });
      });
      return;
    }
    case "clear":
    case "fork":
    case "resume":
      if (front.busy) {
        problem(`/${action} waits for the prompt to end: Esc interrupts it`);
        return;
      }
      break;
  }
  const { info } = front.session;
  const keep = { model: info.model, permissionMode: info.permissionMode as SessionOptions["permissionMode"] };
  const fresh = { continue: false, forkSession: false, resume: undefined };
  if (action === "clear") {
    await switchTo({ ...fresh, ...keep }, true, "a new session");
    return;
  }
  if (action === "fork") {
    await switchTo({ ...fresh, ...keep, resume: info.sessionId, forkSession: true }, false, "a fork");
    return;
  }
  let items: Awaited<ReturnType<typeof sessionsHere>>;
  try {
    items = (await sessionsHere(info.cwd, front.env)).filter((item) => item.id !== info.sessionId);
  } catch (error) {
    problem(`cannot list the sessions: ${(error as Error).message}`);
    return;
  }
  front.pick(createPicker("resume a session of this directory", items), (outcome) => {
    if (outcome.type === "open") void switchTo({ ...fresh, resume: outcome.id }, true, "the session");
  });

  async function switchTo(changes: Partial<SessionOptions>, clear: boolean, what: string): Promise<void> {
    front.say([theme.dim(`opening ${what}…`)]);
    front.render();
    const opened = await front.open(changes);
    if (!opened.ok) {
      front.say([theme.red(`cannot open ${what}: ${terminalText(opened.message || "interrupted")}`)]);
      front.render();
      return;
    }
    front.replace(opened.session, clear);
  }
}

/** The session a -r without an id opens: chosen in the same picker; null when cancelled or none. */
export async function pickSessionToResume(
  cwd: string,
  env: NodeJS.ProcessEnv,
  show: (picker: Picker) => Promise<Exclude<PickerOutcome, null>>,
): Promise<string | null> {
  const items = await sessionsHere(cwd, env);
  const outcome = await show(createPicker("resume a session of this directory", items));
  return outcome.type === "open" ? outcome.id : null;
}
