/**
 * The inline permission prompt: what a waiting call wants (the exact command, or the diff of a write or edit),
 * why the policy asks, and the keys that answer it. y: yes once; s: yes for this session; a: always (the rule
 * it saves is shown on the prompt before the key is pressed); n: no, then a reason the model reads.
 * A destructive call offers only y and n, under a warning; no key but y allows anything, and Enter answers
 * nothing at all.
 */
import type { PermissionAnswer } from "../../protocol/commands.ts";
import type { AgentEventOf } from "../../protocol/events.ts";
import { terminalText } from "../terminal-text.ts";
import { truncate, wrapText } from "./text-width.ts";
import type { Theme } from "./theme.ts";

export type PermissionRequest = AgentEventOf<"permission_requested">;

/** What a key does on the prompt: answers it, asks for the reason of a no, or nothing. */
export type PromptKeyResult = { answer: PermissionAnswer } | { askReason: true } | null;

export function isDestructive(request: PermissionRequest): boolean {
  return request.cause === "destructive";
}

/** The rule "always" saves: the first suggested one, when the policy suggested any. */
export function ruleToSave(request: PermissionRequest): string | undefined {
  return request.suggestedRules?.[0];
}

export function answerForKey(request: PermissionRequest, key: string): PromptKeyResult {
  switch (key.toLowerCase()) {
    case "y":
      return { answer: { decision: "allow_once" } };
    case "n":
      return { askReason: true };
    case "s":
      return isDestructive(request) ? null : { answer: { decision: "allow_session" } };
    case "a":
      return isDestructive(request) || !ruleToSave(request) ? null : { answer: { decision: "allow_always" } };
    default:
      return null;
  }
}

/** The prompt's lines, at most `maxRows` of them, each at most `width` columns. */
export function permissionLines(
  request: PermissionRequest,
  theme: Theme,
  width: number,
  maxRows: number,
): string[] {
  const fit = (text: string) => truncate(terminalText(text).replace(/[\n\t]/g, " "), width);
  const head: string[] = [];
  if (isDestructive(request)) {
    head.push(theme.danger(fit(`!! DESTRUCTIVE: ${request.reason}`)));
    head.push(
      theme.danger(fit("!! This cannot be undone. Enter does not answer: press y to run it, n to refuse.")),
    );
  }
  head.push(`${theme.bold(fit(`Allow ${request.tool}?`))}`);
  const body: string[] = [];
  if (request.diff) {
    body.push(fit(`  ${request.target}`));
    for (const line of terminalText(request.diff).split("\n")) {
      const shown = fit(`  ${line}`);
      body.push(line.startsWith("+") ? theme.green(shown) : line.startsWith("-") ? theme.red(shown) : shown);
    }
  } else {
    const target = terminalText(request.target);
    const command = request.kind === "exec" ? `$ ${target}` : target;
    for (const line of wrapText(command, Math.max(10, width - 2))) body.push(`  ${theme.cyan(line)}`);
  }
  const tail: string[] = [];
  if (!isDestructive(request)) tail.push(theme.dim(fit(`why it asks: ${request.reason}`)));
  const rule = ruleToSave(request);
  if (rule && !isDestructive(request)) tail.push(theme.dim(fit(`a saves the rule ${rule} in your settings`)));
  tail.push(theme.bold(fit(keysLine(request))));
  const room = Math.max(1, maxRows - head.length - tail.length);
  if (body.length > room) {
    const hidden = body.length - room + 1;
    body.splice(room - 1, body.length, theme.dim(fit(`  … ${hidden} more line${hidden === 1 ? "" : "s"}`)));
  }
  return [...head, ...body, ...tail];
}

function keysLine(request: PermissionRequest): string {
  if (isDestructive(request)) return "[y] yes, run it   [n] no (say why)";
  const always = ruleToSave(request) ? "   [a] always" : "";
  return `[y] yes   [s] yes for this session${always}   [n] no (say why)`;
}
