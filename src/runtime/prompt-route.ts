/**
 * `--model auto` at the start of each prompt: the router (router.ts) picks the model from the user's rules and
 * what the session has touched, the session switches to it (set_model's path), and the choice is said
 * (`route_decided`) and recorded with the turn. The first cloud model in a session that started local is
 * announced; where a person can answer (the terminal UI, an editor) it is asked first, and a no keeps the
 * session local. When the route says local and the switch fails, the prompt is refused rather than sent to the
 * cloud model still in use.
 */
import { relative } from "node:path";
import { providerOf, resolveModel } from "../providers/model-resolution.ts";
import type { RouterSettings, Settings } from "../store/settings-schema.ts";
import type { Emit, SessionParts } from "./compose-session.ts";
import { decideRoute, type Route } from "./router.ts";
import { isLocalModelSpec } from "./run-prompt.ts";

export const NO_ROUTER =
  '--model auto needs a "router" in your settings with at least "local" (a model), e.g. ' +
  '{"model": "auto", "router": {"local": "ollama/qwen2.5-coder:7b", "cloud": "anthropic/claude-sonnet-4-5", ' +
  '"rules": [{"when": {"minChars": 20000}, "use": "cloud"}]}}';

/**
 * The router of a session from the user's settings (rules that may reach the cloud come from nowhere else); a
 * project's settings can only mark the workspace private. Undefined when the user's settings name no local model.
 */
export function routerState(
  layers: { user: Settings; project: Settings },
  options: { confirmCloud?: boolean },
): RouterState | undefined {
  const settings = layers.user.router;
  if (!settings?.local) return undefined;
  return {
    settings,
    projectPrivate: layers.project.router?.private === true,
    confirmCloud: options.confirmCloud === true,
    startedLocal: true,
    announced: false,
    cloudRefused: false,
    costSoFar: 0,
  };
}

/** The router's state for one session. */
export type RouterState = {
  settings: RouterSettings;
  /** The project's settings mark the workspace private (a project may only tighten the router). */
  projectPrivate: boolean;
  /** Ask before the first cloud use (a front where a person answers), rather than only announce it. */
  confirmCloud: boolean;
  startedLocal: boolean;
  /** The first cloud use has been announced (or asked about). */
  announced: boolean;
  cloudRefused: boolean;
  costSoFar: number;
};

export async function routePrompt(
  parts: SessionParts,
  state: RouterState,
  prompt: { text: string; chars: number; attached: string[] },
  emit: Emit,
  signal: AbortSignal,
): Promise<{ ok: true; route: Route } | { ok: false; problem: string }> {
  const root = parts.workspace.root;
  const touched = [...parts.fileState.entries().map(([path]) => path), ...prompt.attached]
    .map((path) => relative(root, path))
    .filter((path) => path !== "" && !path.startsWith(".."));
  const decide = () =>
    decideRoute(state.settings, {
      prompt: prompt.text,
      chars: prompt.chars,
      mode: parts.policy.mode,
      touched,
      offline: parts.offline,
      costSoFar: state.costSoFar,
      cloudRefused: state.cloudRefused,
      projectPrivate: state.projectPrivate,
      isLocal: (model) => isLocalModelSpec(model, parts.settings),
      usable: (model) => resolveModel(model, parts.settings, parts.env).ok,
    });
  let route = decide();
  if (!route.model)
    return { ok: false, problem: `--model auto: ${route.rule}; set router.local in your settings` };
  if (!route.local && state.startedLocal && !state.announced) {
    state.announced = true;
    const what = `the conversation so far and this prompt would go to ${providerOf(route.model)} (${route.model}, ${route.rule})`;
    if (state.confirmCloud && !(await cloudAllowed(parts, route, what, emit, signal))) {
      state.cloudRefused = true;
      route = decide();
    } else if (!state.confirmCloud)
      emit("notice", { level: "warning", text: `first cloud use in this session: ${what}` });
  }
  if (route.model !== parts.current.name) await parts.setModel(route.model, signal, true);
  if (parts.current.name !== route.model) {
    // The switch failed (its notice said why): never on to a cloud model the route did not choose.
    if (route.local && !isLocalModelSpec(parts.current.name, parts.settings))
      return {
        ok: false,
        problem: `--model auto chose ${route.model} (${route.rule}) and it could not be used`,
      };
    route = { ...route, model: parts.current.name, rule: `${route.rule}; ${route.model} could not be used` };
  }
  emit("route_decided", { model: route.model, local: route.local, rule: route.rule });
  return { ok: true, route };
}

/** Asks the person (through the front) whether the session may go to the cloud now. */
async function cloudAllowed(
  parts: SessionParts,
  route: Route,
  what: string,
  emit: Emit,
  signal: AbortSignal,
): Promise<boolean> {
  const { requestId, answer } = parts.broker.open(signal);
  const request = {
    callId: `route_${requestId}`,
    tool: "route",
    arguments: { model: route.model },
    target: route.model,
  };
  emit("permission_requested", {
    requestId,
    ...request,
    kind: "route",
    reason: `the session has been local until now: ${what}`,
    cause: "cloud",
  });
  const answered = await answer;
  const allowed = answered.decision !== "deny" && answered.decision !== "interrupted";
  emit("permission_resolved", {
    requestId,
    ...request,
    decision: allowed ? "allow" : "deny",
    by: answered.decision === "interrupted" ? "interrupt" : "answer",
    ...(answered.decision !== "interrupted" ? { answer: answered.decision } : {}),
    ...(answered.decision === "deny" && answered.reason ? { reason: answered.reason } : {}),
  });
  return allowed;
}
