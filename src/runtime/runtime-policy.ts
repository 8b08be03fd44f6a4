/**
 * The permission policy of a session: requests built and decided in policy/ (permission-request.ts, the engine
 * over the user's and the project's rules, the shell classifier for commands). A call the engine allows runs; one it denies is refused with the reason (a
 * `permission_resolved` event says so); one that asks waits for an answer: a `permission_requested` event goes
 * to the front and the call waits until the front answers (`answer_permission`), the prompt is interrupted, or
 * the session closes. Headless answers every request with a refusal; the UI and ACP ask a person.
 *
 * "Allow for this session" remembers the exact call, on the same real path for the same reason (and adds the
 * suggested rule for this session only); "allow always" also saves the suggested rule in the user's settings. A
 * yes to a protected file holds for the one call asked about, on the path it opens. What a front is shown of a
 * request carries no key hearth knows. The wording of a refusal is the front's.
 */
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { hiddenPathFilter, readDenyFilter } from "../policy/hidden-paths.ts";
import {
  type AskDecision,
  type CommandSandboxState,
  chooseMode,
  decidePermission,
  type PermissionContext,
  type PermissionRequest,
  preparePermissions,
  requestPath,
} from "../policy/permission-engine.ts";
import { createRequestBuilder } from "../policy/permission-request.ts";
import { compileRules } from "../policy/permission-rules.ts";
import { protectedPathReason } from "../policy/protected-paths.ts";
import type { Workspace } from "../policy/workspace.ts";
import type { PermissionAnswer } from "../protocol/commands.ts";
import type { AgentEventOf } from "../protocol/events.ts";
import type { PermissionMode } from "../protocol/permissions.ts";
import { addPermissionRule } from "../store/settings-rule-writer.ts";
import type { AnyTool } from "../tools/tool.ts";
import type { PolicyDecision, ToolPolicy } from "../tools/tool-runtime.ts";
import type { WorkspaceSettings } from "./load-settings.ts";
import type { PermissionBroker } from "./permission-broker.ts";
import { processRedactor } from "./process-redactor.ts";
import { proposedDiff } from "./proposed-diff.ts";

type Requested = Omit<AgentEventOf<"permission_requested">, "type" | "sessionId" | "turn" | "ts">;
type Resolved = Omit<AgentEventOf<"permission_resolved">, "type" | "sessionId" | "turn" | "ts">;

export type SessionPolicy = {
  readonly mode: PermissionMode;
  setMode(mode: PermissionMode): void;
  policy: ToolPolicy;
  /** Files grep and glob must leave out (read deny rules, secret stores, .env), or undefined when none can be reached. */
  hidden?: (realPath: string) => boolean;
  /** Files a `read(...)` deny rule covers (the OS sandbox hides them from commands), or undefined when none. */
  readDenied?: (realPath: string) => boolean;
  /** For write and edit, on the path they actually open: a protected path needs the yes given to that call. */
  refuseWrite: (realPath: string) => string | null;
  /** Why a `read` of this file would not be allowed outright (a deny rule, a secret store, `.env`), or null. */
  readRefusal: (realPath: string) => string | null;
};

export async function createSessionPolicy(input: {
  layers: WorkspaceSettings;
  flagMode?: PermissionMode;
  workspace: Workspace;
  extraRoots: string[];
  configDir: string;
  userSettingsLabel: string;
  /** The user's settings file, where "allow always" saves a rule. */
  userSettingsPath: string;
  /**
   * Whether commands will run in an OS sandbox (false when none can start or it is turned off); awaited before
   * the first command is decided.
   */
  sandboxAvailable: () => Promise<boolean>;
  /** The run's own scratch folder (TMPDIR for commands): deleting and overwriting there is not destructive. */
  scratchDir?: string;
  broker: PermissionBroker;
  requested: (event: Requested) => void;
  resolved: (event: Resolved) => void;
  notice: (text: string) => void;
}): Promise<SessionPolicy> {
  const { layers, workspace, notice } = input;
  const home = realHome();
  const chosen = chooseMode({
    flag: input.flagMode,
    user: layers.user.permissionMode,
    project: layers.project.permissionMode,
    projectTrusted: layers.projectTrusted,
  });
  if (chosen.notice) notice(chosen.notice);
  const prepared = await preparePermissions({
    user: layers.user.permissions ?? {},
    project: layers.project.permissions ?? {},
    projectTrusted: layers.projectTrusted,
    home,
    userLabel: input.userSettingsLabel,
  });
  for (const problem of prepared.problems) notice(problem);
  if (prepared.notice) notice(prepared.notice);

  const context: PermissionContext = {
    mode: chosen.mode,
    rules: prepared.rules,
    workspaceRoot: workspace.root,
    home,
    configDir: input.configDir,
    // Known once the first command is decided (below); file tools do not depend on it.
    sandbox: "unavailable",
  };
  // Only the user's own settings may turn the sandbox off; without one, commands ask instead (README: OS sandbox).
  const userTurnedOff = layers.user.sandbox?.enabled === false;
  let sandbox: Promise<CommandSandboxState> | undefined;
  const buildRequest = createRequestBuilder({
    workspace,
    extraRoots: input.extraRoots,
    home,
    scratchDir: input.scratchDir,
  });
  /** Calls a person allowed for the rest of the session: tool, arguments, why it asked and what it reaches. */
  const allowedCalls = new Set<string>();
  /**
   * The file a person just said yes to writing (real path), for the one call that asked: write and edit run one
   * at a time, and each checks the path it opens (refuseWrite) once. Cleared when the next edit is decided.
   */
  let approvedWrite: string | null = null;
  const requested = (event: Requested) => input.requested(withoutKeys(event));
  const resolved = (event: Resolved) => input.resolved(withoutKeys(event));

  async function ask(
    tool: AnyTool,
    a: Record<string, unknown>,
    request: PermissionRequest,
    decision: AskDecision,
    call: { id: string; signal: AbortSignal },
  ): Promise<PolicyDecision> {
    // The same arguments may now reach another file (a symlink swapped in) or ask for another reason.
    const key = `${callKey(tool.name, a)}\0${decision.cause}\0${JSON.stringify(reached(request))}`;
    const target = targetOf(request, a);
    const common = { callId: call.id, tool: tool.name, arguments: a, target };
    if (allowedCalls.has(key)) return allowed(request);
    const { requestId, answer } = input.broker.open(call.signal);
    const diff =
      tool.kind === "edit" && request.path
        ? proposedDiff(tool.name, request.path, a, workspace.rootOf(request.path.real, "write"))
        : undefined;
    requested({
      requestId,
      ...common,
      kind: tool.kind,
      reason: decision.reason,
      cause: decision.cause,
      ...(decision.suggestedRules?.length ? { suggestedRules: decision.suggestedRules } : {}),
      ...(decision.suggestedMode ? { suggestedMode: decision.suggestedMode } : {}),
      ...(decision.allowedWithSandbox ? { allowedWithSandbox: true } : {}),
      ...(diff ? { diff } : {}),
    });
    const given = await answer;
    if (given.decision === "interrupted") {
      resolved({ requestId, ...common, decision: "deny", by: "interrupt", reason: "interrupted" });
      return { decision: "deny", reason: "interrupted while waiting for permission" };
    }
    // Anything but a yes hearth knows (a client's typo, a made-up "allow") is a no: nothing fails open.
    if (given.decision === "deny" || !YES.has(given.decision)) {
      const text = "reason" in given && typeof given.reason === "string" ? given.reason.trim() : "";
      const reason = text === "" ? undefined : text;
      resolved({
        requestId,
        ...common,
        decision: "deny",
        by: "answer",
        answer: "deny",
        ...(reason ? { reason } : {}),
      });
      // The front words it: a person's reason, or headless's explanation of why nobody could say yes.
      return { decision: "deny", reason: reason ?? "the user said no" };
    }
    const saved = given.decision === "allow_always" ? await remember(decision, true) : null;
    if (given.decision === "allow_session") await remember(decision, false);
    if (given.decision !== "allow_once") allowedCalls.add(key);
    resolved({
      requestId,
      ...common,
      decision: "allow",
      by: "answer",
      answer: given.decision,
      ...(saved?.rule ? { savedRule: saved.rule, savedTo: input.userSettingsPath } : {}),
    });
    return allowed(request);
  }

  function allowed(request: PermissionRequest): PolicyDecision {
    if (request.path && request.kind === "edit") approvedWrite = request.path.real;
    return { decision: "allow" };
  }

  /** The suggested rule (only one when there is exactly one) for this session, and saved when `save`. */
  async function remember(decision: AskDecision, save: boolean): Promise<{ rule: string } | null> {
    const rules = decision.suggestedRules ?? [];
    if (rules.length === 0) {
      if (save)
        notice(
          "there is no rule to save for this call (destructive, protected or asked by a rule): it is allowed for this session only",
        );
      return null;
    }
    const compiled = await compileRules(
      [{ origin: "user", rules: { allow: rules }, label: "this session" }],
      home,
    );
    context.rules.rules.allow.push(...compiled.rules.allow);
    if (!save) return null;
    for (const rule of rules) {
      const written = addPermissionRule(input.userSettingsPath, "allow", rule);
      if (!written.ok) {
        notice(`${written.problem}; the rule holds for this session only`);
        return null;
      }
    }
    return { rule: rules.join(", ") };
  }

  const policy: ToolPolicy = async (tool, args, call) => {
    const a = (args ?? {}) as Record<string, unknown>;
    if (tool.kind === "edit") approvedWrite = null;
    const built = await buildRequest(tool, a);
    if ("problem" in built) return { decision: "deny", reason: built.problem };
    const request = built;
    if (request.command)
      sandbox ??= userTurnedOff
        ? Promise.resolve("disabled")
        : input.sandboxAvailable().then(
            (up) => (up ? "active" : "unavailable"),
            () => "unavailable",
          );
    const decision = decidePermission(
      request,
      sandbox === undefined ? context : { ...context, sandbox: await sandbox },
    );
    if (decision.decision === "allow") return decision;
    if (decision.decision === "deny") {
      resolved({
        callId: call.id,
        tool: tool.name,
        arguments: a,
        target: targetOf(request, a),
        decision: "deny",
        by: "rule",
        reason: decision.reason,
      });
      return decision;
    }
    return ask(tool, a, request, decision, call);
  };
  return {
    get mode() {
      return context.mode;
    },
    setMode(mode) {
      context.mode = mode;
    },
    policy,
    hidden: hiddenPathFilter(context, input.extraRoots) ?? undefined,
    readDenied: readDenyFilter(context, input.extraRoots) ?? undefined,
    refuseWrite: (realPath) => {
      const approved = approvedWrite === realPath;
      approvedWrite = null;
      return approved ? null : protectedPathReason(realPath, context);
    },
    readRefusal: (realPath) => {
      const path = requestPath(realPath, workspace.root, input.extraRoots);
      const decision = decidePermission({ tool: "read", kind: "read", path }, context);
      return decision.decision === "allow" ? null : decision.reason;
    },
  };
}

/** The command, or the path relative to its root, as a front shows it; an MCP tool's arguments, shortened. */
function targetOf(request: PermissionRequest, args: Record<string, unknown> = {}): string {
  if (request.effect) {
    const text = JSON.stringify(args);
    return text.length > 200 ? `${text.slice(0, 199)}…` : text;
  }
  return request.command?.text ?? request.path?.relative ?? "";
}

const YES = new Set<string>(["allow_once", "allow_session", "allow_always"]);

/** The real paths a call reaches: its file, or the paths its command names. */
function reached(request: PermissionRequest): string[] {
  return [request.path?.real ?? "", ...(request.command?.paths ?? []).map((path) => path.real)];
}

/** An event as a front may show and log it: every string without the keys hearth knows. */
function withoutKeys<T>(value: T): T {
  const redactor = processRedactor();
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") return redactor.redactKnown(item);
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === "object")
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, walk(inner)]));
    return item;
  };
  return walk(value) as T;
}

/** The call exactly: its tool and its arguments with keys sorted at every depth (so nested values count too). */
export function callKey(tool: string, args: Record<string, unknown>): string {
  return `${tool}\0${JSON.stringify(sorted(args))}`;
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
    );
  return value;
}

function realHome(): string {
  try {
    return realpathSync(homedir());
  } catch {
    return homedir();
  }
}

export type { PermissionAnswer };
