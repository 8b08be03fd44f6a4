/**
 * The permission engine: may this tool call run, must a human say yes, or is it refused? One pure function,
 * `decidePermission(request, context)`: no fs, no env, no clock, never throws. The caller resolves the path
 * (real path, symlinks included), classifies the command (src/policy/command-classifier.ts) and resolves the
 * paths its words name (src/policy/command-paths.ts), says whether commands run in an OS sandbox, reads the
 * rules and the trusted-folders list (src/store/trusted-folders.ts), and compiles the rules once with
 * `preparePermissions`.
 *
 * Order of the decision:
 * 1. a deny rule matches -> deny (user or project rules; a compound command is denied if ANY part matches);
 * 2. a file tool on a secret store (~/.ssh, ~/.aws, ...: src/policy/secret-paths.ts) -> deny, in every mode;
 * 3. plan mode -> reads and read-only commands allowed, anything else denied;
 * 4. a destructive command, a tool its MCP server marks destructive, or a write to a protected path -> ask, in
 *    every mode, whatever the allow rules say;
 * 5. a command that names a hidden path -> ask, in every mode: a `.env` file or hearth's own config (unless a
 *    `read(...)` allow rule names it), and, when no OS sandbox runs to hide them, a path a read deny rule covers
 *    or a secret store, or a folder that contains one (src/policy/hidden-paths.ts);
 * 6. an ask rule matches -> ask;
 * 7. allow rules match (for a compound command: EVERY simple command matches one) -> allow. A prefix rule or
 *    `bash(*)` never covers a command the classifier marks `allowRuleUnsafe`; without an OS sandbox `bash` and
 *    `bash(*)` cover no command that is not read-only; a `.env` file or hearth's config is covered only by a
 *    `read(...)` rule with a path;
 * 8. without an OS sandbox (and not turned off by the user) a command that is not read-only -> ask, in every
 *    mode; reading a `.env` file or hearth's config -> ask, in every mode;
 * 9. the mode: ask (reads free), edits (+ edits in the workspace), auto (everything but writes outside the
 *    workspace, by a file tool or by a command the classifier marks `writesOutside`). Read-only commands count
 *    as reads and workspace-class commands as edits in the workspace. An MCP tool marked read-only is a read; one
 *    that says it writes (not destructively) asks but in auto; one that says nothing asks in every mode.
 * Project rules (.hearth/settings.json, e.g. from a cloned repository) add deny and ask rules; their allow
 * rules count only when the folder is trusted (`hearth trust`).
 */
import type {
  CommandClassification,
  PermissionMode,
  PermissionRules,
  ToolEffect,
  ToolKind,
} from "../protocol/permissions.ts";
import { hiddenPathAsk } from "./hidden-paths.ts";
import {
  compileRules,
  findRule,
  PROJECT_SETTINGS_LABEL,
  type RequestPath,
  type Rule,
  type RuleSet,
  ruleLocation,
} from "./permission-rules.ts";
import { suggestRules } from "./permission-suggestions.ts";
import { protectedPathReason } from "./protected-paths.ts";
import { readProtectedReason, secretStoreReason } from "./secret-paths.ts";

export { PROJECT_SETTINGS_LABEL, type RequestPath, requestPath } from "./permission-rules.ts";

/** A path a command's words name, resolved by the caller (src/policy/command-paths.ts). */
export type CommandPath = RequestPath & {
  /** It is an existing directory (or the folder a glob word starts in): what lies below counts too. */
  directory: boolean;
};

/** One tool call, as the policy sees it after validation. */
export type PermissionRequest = {
  /** Tool name: "bash", "read", "edit", "mcp__server__tool", ... */
  tool: string;
  kind: ToolKind;
  /** For a tool hearth did not write (MCP): what its server says it does; such a request has no path. */
  effect?: ToolEffect;
  /** The file or directory the call touches, when it has one (grep/glob/ls without one: the workspace root). */
  path?: RequestPath;
  /**
   * For bash: the command and its classification (without one a command counts as "unknown"), and the paths its
   * words name (without them no named-path check is made).
   */
  command?: {
    text: string;
    classification: CommandClassification;
    paths?: CommandPath[];
    /** A word whose value only the shell knows (`$dir/x`, `$(...)`): the paths may be incomplete. */
    unresolved?: string;
  };
};

/** Why a call asks: the UI and the headless refusal word it differently. */
export type AskCause =
  | "mode" // the permission mode asks (a more permissive mode or an allow rule would allow it)
  | "outside" // a write outside the workspace (an allow rule would allow it; no mode does)
  | "rule" // an ask rule matched, or a command names a path a read deny rule hides
  | "destructive" // destructive command: always a human yes
  | "protected" // write to a protected path: always a human yes
  | "secret" // a read of a .env file or hearth's config, or a command naming a secret store
  | "unsandboxed"; // no OS sandbox: a command that is not read-only asks in every mode

export type PermissionDecision =
  | { decision: "allow" }
  | {
      decision: "ask";
      reason: string;
      cause: AskCause;
      /**
       * Rules that would allow this call if added to permissions.allow (one per simple command of a compound
       * command that no allow rule covers yet). Absent for destructive calls, protected paths and ask rules.
       */
      suggestedRules?: string[];
      /** A `--permission-mode` that would allow this call (checked, not guessed). */
      suggestedMode?: PermissionMode;
      /** Cause "unsandboxed": the mode would allow it if commands ran in an OS sandbox (or it were turned off). */
      allowedWithSandbox?: boolean;
    }
  | { decision: "deny"; reason: string };

export type AskDecision = Extract<PermissionDecision, { decision: "ask" }>;

/** Rules ready for matching, from `preparePermissions`. */
export type PreparedRules = {
  rules: RuleSet;
  /** Project allow rules not applied because the folder is not trusted. */
  ignoredProjectAllow: Rule[];
};

/**
 * Whether commands run in an OS sandbox: "active"; "unavailable" (none could start: commands that are not
 * read-only ask in every mode); "disabled" (the user turned it off in their own settings: the mode decides).
 * Without an active sandbox, read deny rules and secret stores are not hidden from commands.
 */
export type CommandSandboxState = "active" | "unavailable" | "disabled";

export type PermissionContext = {
  mode: PermissionMode;
  rules: PreparedRules;
  /** Real absolute path of the workspace root. */
  workspaceRoot: string;
  /** Real absolute path of the home directory. */
  home: string;
  /** hearth's user config directory (writes there are protected); default `~/.config/hearth`. */
  configDir?: string;
  sandbox: CommandSandboxState;
};

export type PermissionSources = {
  user: Partial<PermissionRules>;
  project: Partial<PermissionRules>;
  /** The workspace is in the trusted-folders list: project allow rules apply. */
  projectTrusted: boolean;
  /** Real absolute path of the home directory (for `~/` patterns). */
  home: string;
  /** How to name the files in problems; defaults: "user settings", ".hearth/settings.json". */
  userLabel?: string;
  projectLabel?: string;
};

export type PreparedPermissions = {
  rules: PreparedRules;
  /** Invalid rules, settings-diagnostic style ("<file>: permissions.deny[0]: ..."); they are dropped. */
  problems: string[];
  /** Print once at start-up when project allow rules are ignored; null otherwise. */
  notice: string | null;
};

/** Parse and compile the user's and the project's rules once per run. Never throws. */
export async function preparePermissions(sources: PermissionSources): Promise<PreparedPermissions> {
  const projectLabel = sources.projectLabel ?? PROJECT_SETTINGS_LABEL;
  const { rules, problems } = await compileRules(
    [
      { origin: "user", rules: sources.user, label: sources.userLabel ?? "user settings" },
      { origin: "project", rules: sources.project, label: projectLabel },
    ],
    sources.home,
  );
  let ignoredProjectAllow: Rule[] = [];
  if (!sources.projectTrusted) {
    ignoredProjectAllow = rules.allow.filter((rule) => rule.origin === "project");
    rules.allow = rules.allow.filter((rule) => rule.origin !== "project");
  }
  const count = ignoredProjectAllow.length;
  const notice =
    count === 0
      ? null
      : `project rules ignored: ${count} allow rule${count === 1 ? "" : "s"} in ${projectLabel} ` +
        "(this folder is not trusted; run `hearth trust` to use them)";
  return { rules: { rules, ignoredProjectAllow }, problems, notice };
}

/** Decide one call. Pure and total: every input gets a decision. */
export function decidePermission(request: PermissionRequest, context: PermissionContext): PermissionDecision {
  const decision = decide(request, context);
  if (decision.decision === "ask" && decision.cause === "mode") {
    // Name a mode only when the engine itself says it would allow the call.
    const looser = (["edits", "auto"] as const).filter((m) => LOOSER[context.mode].includes(m));
    decision.suggestedMode = looser.find(
      (m) => decide(request, { ...context, mode: m }).decision === "allow",
    );
    if (!decision.suggestedMode) delete decision.suggestedMode;
  }
  return decision;
}

/** Modes that allow more than each mode. */
const LOOSER: Record<PermissionMode, PermissionMode[]> = {
  plan: ["ask", "edits", "auto"],
  ask: ["edits", "auto"],
  edits: ["auto"],
  auto: [],
};

function decide(request: PermissionRequest, context: PermissionContext): PermissionDecision {
  const { mode } = context;
  const { rules } = context.rules;

  const denied = findRule(rules.deny, request, "restrict");
  if (denied)
    return { decision: "deny", reason: `denied by the rule "${denied.source}" in ${ruleLocation(denied)}` };
  if (request.kind !== "exec" && request.path) {
    const store = secretStoreReason(request.path.real, context.home);
    if (store) {
      return {
        decision: "deny",
        reason: `${store} are never opened by hearth's file tools, whatever the mode or rules; ask the user for what you need from them`,
      };
    }
  }

  if (mode === "plan" && !isRead(request)) return { decision: "deny", reason: planReason(request) };

  const classification = request.command?.classification;
  if (classification?.class === "destructive") {
    return { decision: "ask", reason: classification.reason, cause: "destructive" };
  }
  if (request.effect === "destructive") {
    return { decision: "ask", reason: `its server marks ${request.tool} destructive`, cause: "destructive" };
  }
  if (request.kind === "edit" && request.path) {
    const protectedWhat = protectedPathReason(request.path.real, context);
    if (protectedWhat) return { decision: "ask", reason: protectedWhat, cause: "protected" };
  }
  const hidden = hiddenPathAsk(request, context);
  if (hidden) return hidden;

  const asked = findRule(rules.ask, request, "restrict");
  if (asked) {
    return {
      decision: "ask",
      reason: `the rule "${asked.source}" in ${ruleLocation(asked)} asks first`,
      cause: "rule",
    };
  }
  const allow = applicableAllowRules(request, context);
  if (findRule(allow.rules, request, "allow")) return { decision: "allow" };

  const gated = gate(request, context) ?? decideByMode(request, mode);
  if (gated.decision !== "ask") return gated;
  const withheld = allow.withheld && findRule(rules.allow, request, "allow");
  if (withheld) gated.reason += ` (the rule "${withheld.source}" does not cover this: ${allow.withheld})`;
  const ignored = findRule(context.rules.ignoredProjectAllow, request, "allow");
  if (ignored) {
    gated.reason += ` (the project rule "${ignored.source}" would allow it, but this folder is not trusted: run \`hearth trust\`)`;
  }
  const suggested = suggestRules(request, context, { allow: allow.rules, exact: allow.exact });
  if (suggested.length > 0) gated.suggestedRules = suggested;
  return gated;
}

/**
 * The allow rules that may pre-approve this call, and why some were withheld (added to the ask's reason).
 * `exact`: suggestions name exactly this command or file, as only such a rule would apply.
 */
function applicableAllowRules(
  request: PermissionRequest,
  context: PermissionContext,
): { rules: Rule[]; withheld?: string; exact?: boolean } {
  const all = context.rules.rules.allow;
  const classification = request.command?.classification;
  if (request.tool === "bash" && classification?.allowRuleUnsafe) {
    const exact = all.filter((rule) => rule.type === "command" && !rule.prefix);
    return { rules: exact, withheld: classification.allowRuleUnsafe, exact: true };
  }
  if (request.tool === "bash" && isUnsandboxed(request, context)) {
    const named = all.filter(
      (rule) => rule.type !== "tool" && !(rule.type === "command" && rule.words.length === 0),
    );
    return { rules: named, withheld: "without an OS sandbox only a rule that names the command allows it" };
  }
  if (request.kind === "read" && request.path && readProtectedReason(request.path.real, context)) {
    return { rules: all.filter((rule) => rule.type === "path"), exact: true };
  }
  return { rules: all };
}

/** Asks that hold in every mode once no allow rule applied: no sandbox for a command, a secret-bearing file. */
function gate(request: PermissionRequest, context: PermissionContext): PermissionDecision | null {
  if (request.tool === "bash" && isUnsandboxed(request, context)) {
    const why = request.command ? ` (${request.command.classification.reason})` : "";
    return {
      decision: "ask",
      reason: `no OS sandbox runs to contain commands, so commands that are not read-only ask in every mode${why}`,
      cause: "unsandboxed",
      allowedWithSandbox: decideByMode(request, context.mode).decision === "allow",
    };
  }
  if (request.kind === "read" && request.path) {
    const guarded = readProtectedReason(request.path.real, context);
    if (guarded)
      return { decision: "ask", reason: `reads ${guarded}, which asks first in every mode`, cause: "secret" };
  }
  return null;
}

function isUnsandboxed(request: PermissionRequest, context: PermissionContext): boolean {
  return context.sandbox === "unavailable" && request.command?.classification.class !== "read-only";
}

/** The default for a call no rule decided. Plan mode was handled before. */
function decideByMode(request: PermissionRequest, mode: PermissionMode): PermissionDecision {
  const allow: PermissionDecision = { decision: "allow" };
  const { path } = request;
  if (request.kind === "read") {
    if (!path || path.insideWorkspace || mode === "auto") return allow;
    return { decision: "ask", reason: `reads outside the workspace (${path.real})`, cause: "mode" };
  }
  if (request.kind === "edit") {
    if (path && !path.insideWorkspace) {
      return { decision: "ask", reason: `writes outside the workspace (${path.real})`, cause: "outside" };
    }
    if (mode === "auto" || (mode === "edits" && path)) return allow;
    const what = path ? "changing files" : `letting ${request.tool} change anything`;
    return { decision: "ask", reason: `${mode} mode asks before ${what}`, cause: "mode" };
  }
  if (request.effect) return decideByEffect(request, mode);
  const classification = request.command?.classification;
  // A command that writes outside the workspace needs the same yes as the write tool there, in every mode.
  if (classification?.writesOutside)
    return { decision: "ask", reason: classification.writesOutside, cause: "outside" };
  const commandClass = classification?.class ?? "unknown";
  if (commandClass === "read-only" || mode === "auto") return allow;
  if (commandClass === "workspace" && mode === "edits") return allow;
  const why = classification ? ` (${classification.reason})` : "";
  const what = request.tool === "bash" ? "commands that are not read-only" : `running ${request.tool}`;
  return { decision: "ask", reason: `${mode} mode asks before ${what}${why}`, cause: "mode" };
}

/** An MCP tool, by what its server says it does (destructive ones asked before). */
function decideByEffect(request: PermissionRequest, mode: PermissionMode): PermissionDecision {
  if (request.effect === "read-only" || (request.effect === "write" && mode === "auto"))
    return { decision: "allow" };
  const why =
    request.effect === "write"
      ? `${mode} mode asks before running it (its server says it changes things)`
      : "its server does not say whether it only reads (no MCP annotations), so it asks in every mode";
  return { decision: "ask", reason: `${request.tool}: ${why}`, cause: "mode" };
}

function isRead(request: PermissionRequest): boolean {
  if (request.kind === "read" || request.effect === "read-only") return true;
  return request.kind === "exec" && request.command?.classification.class === "read-only";
}

function planReason(request: PermissionRequest): string {
  const what = request.kind === "exec" ? "run commands that are not read-only" : "change files";
  return `plan mode is read-only: ${request.tool} cannot ${what}; describe the change you would make instead`;
}

const STRICTNESS: PermissionMode[] = ["auto", "edits", "ask", "plan"];

/**
 * The mode for a run: the flag, else the project's `permissionMode` when the folder is trusted or it is
 * stricter than the user's, else the user's, else "ask". A cloned repository cannot switch itself to auto.
 */
export function chooseMode(input: {
  flag?: PermissionMode;
  user?: PermissionMode;
  project?: PermissionMode;
  projectTrusted: boolean;
}): { mode: PermissionMode; notice: string | null } {
  if (input.flag) return { mode: input.flag, notice: null };
  const user = input.user ?? "ask";
  const { project } = input;
  if (!project || project === user) return { mode: user, notice: null };
  if (input.projectTrusted || STRICTNESS.indexOf(project) > STRICTNESS.indexOf(user)) {
    return { mode: project, notice: null };
  }
  return {
    mode: user,
    notice:
      `${PROJECT_SETTINGS_LABEL} sets permissionMode "${project}", ignored because this folder is not trusted ` +
      `(run \`hearth trust\` to use it); the mode is "${user}"`,
  };
}
