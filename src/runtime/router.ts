/**
 * `--model auto`: which model a prompt runs on, decided by the user's `router` rules. Pure and total: the same
 * input gives the same route, with the reason that decided it.
 *
 * Order: the rules, first match wins (by prompt size, task kind, the files the session has touched); else the
 * default ("local" unless the user says otherwise). Then the guards, which only ever move a route from cloud to
 * local, never the other way: a private workspace, a session that touched a local-only file (secrets by
 * default), offline mode, a cloud model without a key, the session's cloud budget spent, and a person who said
 * no to the cloud in this session. So a cloud model is used only where a rule (or the default) allows it.
 */
import picomatch from "picomatch";
import type { PermissionMode } from "../protocol/permissions.ts";
import type { RouterSettings } from "../store/settings-schema.ts";

export type TaskKind = "question" | "edit" | "review" | "plan";

export type RouteInput = {
  /** The prompt's text with its attachments' size (characters). */
  prompt: string;
  chars: number;
  mode: PermissionMode;
  /** Files the session has read, written or attached so far, relative to the workspace root. */
  touched: readonly string[];
  offline: boolean;
  /** USD spent on cloud models in this session so far. */
  costSoFar: number;
  /** The person said no to the cloud in this session (interactive). */
  cloudRefused: boolean;
  /** The project's settings mark the workspace private. */
  projectPrivate: boolean;
  /** Whether a model spec runs on this machine, and whether a cloud one has what it needs (a key). */
  isLocal(model: string): boolean;
  usable(model: string): boolean;
};

export type Route = {
  model: string;
  local: boolean;
  /** What decided it: `rule "big prompts"`, `rule 2`, `default`, or a guard, e.g. `private workspace`. */
  rule: string;
};

/** Files a session that touched them keeps to local models unless the user says otherwise. */
export const DEFAULT_LOCAL_ONLY = [
  "secrets/**",
  "**/.env",
  "**/.env.*",
  "**/*.pem",
  "**/*.key",
  "**/id_rsa*",
];

const QUESTION =
  /^\s*(what|why|how|where|which|who|when|explain|describe|summari[sz]e|tell me|is |are |does |do |can )/i;
const REVIEW = /\b(review|critique|audit)\b/i;

/** Globs compiled once per list (the settings' arrays live as long as the session). */
const compiled = new WeakMap<readonly string[], (path: string) => boolean>();

function matcher(globs: readonly string[]): (path: string) => boolean {
  let match = compiled.get(globs);
  if (!match) {
    const test = picomatch(globs as string[], { dot: true });
    match = (path) => test(path);
    compiled.set(globs, match);
  }
  return match;
}

export function taskKind(prompt: string, mode: PermissionMode): TaskKind {
  if (mode === "plan") return "plan";
  if (REVIEW.test(prompt)) return "review";
  if (QUESTION.test(prompt) || /\?\s*$/.test(prompt)) return "question";
  return "edit";
}

export function decideRoute(router: RouterSettings, input: RouteInput): Route {
  const local = router.local;
  const named = (use: string) => (use === "local" ? local : use === "cloud" ? router.cloud : use);
  const kind = taskKind(input.prompt, input.mode);
  let chosen: { use: string; rule: string } = { use: router.default ?? "local", rule: "default" };
  for (const [index, rule] of (router.rules ?? []).entries()) {
    const when = rule.when;
    if (when.minChars !== undefined && input.chars < when.minChars) continue;
    if (when.maxChars !== undefined && input.chars > when.maxChars) continue;
    if (when.kind && !when.kind.includes(kind)) continue;
    if (when.paths && !input.touched.some(matcher(when.paths))) continue;
    chosen = { use: rule.use, rule: rule.name ? `rule "${rule.name}"` : `rule ${index + 1}` };
    break;
  }
  const model = named(chosen.use);
  const toLocal = (why: string): Route => ({
    model: local ?? "",
    local: true,
    rule: `${chosen.rule}, then ${why}`,
  });
  if (!model) return toLocal(`no "${chosen.use}" model set in router settings`);
  if (input.isLocal(model)) return { model, local: true, rule: chosen.rule };
  // A cloud route: each guard may only send it back to the local model.
  if (router.private || input.projectPrivate) return toLocal("local: the workspace is private");
  const localOnly = matcher(router.localOnly ?? DEFAULT_LOCAL_ONLY);
  const secret = input.touched.find(localOnly);
  if (secret) return toLocal(`local: the session touched ${secret}`);
  if (input.offline) return toLocal("local: offline");
  if (!input.usable(model)) return toLocal(`local: no key for ${model}`);
  if (router.maxCost !== undefined && input.costSoFar >= router.maxCost)
    return toLocal(`local: the cloud budget ($${router.maxCost}) is spent`);
  if (input.cloudRefused) return toLocal("local: the cloud was refused in this session");
  return { model, local: false, rule: chosen.rule };
}
