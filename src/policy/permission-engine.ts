/**
 * The permission engine: may this tool call run, must a human say yes, or is it refused? One pure function,
 * `decidePermission(request, context)`: no fs, no env, no clock, never throws. The caller resolves the path
 * (real path, symlinks included), classifies the command (src/policy/command-classifier.ts), reads the rules
 * and the trusted-folders list (src/store/trusted-folders.ts), and compiles the rules once with
 * `preparePermissions`.
 *
 * Order of the decision:
 * 1. a deny rule matches -> deny (user or project rules; a compound command is denied if ANY part matches);
 * 2. plan mode -> reads and read-only commands allowed, anything else denied;
 * 3. a destructive command or a write to a protected path -> ask, in every mode, whatever the allow rules say;
 * 4. an ask rule matches -> ask;
 * 5. allow rules match (for a compound command: EVERY simple command matches one) -> allow;
 * 6. the mode: ask (reads free), edits (+ edits in the workspace), auto (everything but writes outside the
 *    workspace). Read-only commands count as reads and workspace-class commands as edits in the workspace.
 * Project rules (.hearth/settings.json, e.g. from a cloned repository) add deny and ask rules; their allow
 * rules count only when the folder is trusted (`hearth trust`).
 */
import { isAbsolute, relative, sep } from "node:path";
import type { CommandClassification, PermissionMode, PermissionRules } from "../protocol/permissions.ts";
import type { ToolKind } from "../tools/tool.ts";
import {
  compileRules,
  coversTool,
  findRule,
  quoteWords,
  type RequestPath,
  type Rule,
  type RuleSet,
  redirectsToFile,
} from "./permission-rules.ts";
import { protectedPathReason } from "./protected-paths.ts";

export type { RequestPath } from "./permission-rules.ts";

/** One tool call, as the policy sees it after validation. */
export type PermissionRequest = {
  /** Tool name: "bash", "read", "edit", "mcp__server__tool", ... */
  tool: string;
  kind: ToolKind;
  /** The file or directory the call touches, when it has one (grep/glob/ls without one: the workspace root). */
  path?: RequestPath;
  /** For bash: the command and its classification. Without one a command counts as "unknown". */
  command?: { text: string; classification: CommandClassification };
};

/** Why a call asks: the UI and the headless refusal word it differently. */
export type AskCause =
  | "mode" // the permission mode asks (a more permissive mode or an allow rule would allow it)
  | "outside" // a write outside the workspace (an allow rule would allow it; no mode does)
  | "rule" // an ask rule matched
  | "destructive" // destructive command: always a human yes
  | "protected"; // write to a protected path: always a human yes

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
    }
  | { decision: "deny"; reason: string };

export type AskDecision = Extract<PermissionDecision, { decision: "ask" }>;

/** Rules ready for matching, from `preparePermissions`. */
export type PreparedRules = {
  rules: RuleSet;
  /** Project allow rules not applied because the folder is not trusted. */
  ignoredProjectAllow: Rule[];
};

export type PermissionContext = {
  mode: PermissionMode;
  rules: PreparedRules;
  /** Real absolute path of the workspace root. */
  workspaceRoot: string;
  /** Real absolute path of the home directory. */
  home: string;
  /** hearth's user config directory (writes there are protected); default `~/.config/hearth`. */
  configDir?: string;
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

export const PROJECT_SETTINGS_LABEL = ".hearth/settings.json";

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
  const { mode } = context;
  const { rules } = context.rules;

  const denied = findRule(rules.deny, request, "restrict");
  if (denied)
    return { decision: "deny", reason: `denied by the rule "${denied.source}" in ${where(denied)}` };

  if (mode === "plan" && !isRead(request)) return { decision: "deny", reason: planReason(request) };

  const classification = request.command?.classification;
  if (classification?.class === "destructive") {
    return { decision: "ask", reason: classification.reason, cause: "destructive" };
  }
  if (request.kind === "edit" && request.path) {
    const protectedWhat = protectedPathReason(request.path.real, context);
    if (protectedWhat) return { decision: "ask", reason: protectedWhat, cause: "protected" };
  }

  const asked = findRule(rules.ask, request, "restrict");
  if (asked) {
    return {
      decision: "ask",
      reason: `the rule "${asked.source}" in ${where(asked)} asks first`,
      cause: "rule",
    };
  }
  if (findRule(rules.allow, request, "allow")) return { decision: "allow" };

  const byMode = decideByMode(request, mode);
  if (byMode.decision !== "ask") return byMode;
  const ignored = findRule(context.rules.ignoredProjectAllow, request, "allow");
  if (ignored) {
    byMode.reason += ` (the project rule "${ignored.source}" would allow it, but this folder is not trusted: run \`hearth trust\`)`;
  }
  const suggested = suggestRules(request, context);
  if (suggested.length > 0) byMode.suggestedRules = suggested;
  return byMode;
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
  const classification = request.command?.classification;
  const commandClass = classification?.class ?? "unknown";
  if (commandClass === "read-only" || mode === "auto") return allow;
  if (commandClass === "workspace" && mode === "edits") return allow;
  const why = classification ? ` (${classification.reason})` : "";
  const what = request.tool === "bash" ? "commands that are not read-only" : `running ${request.tool}`;
  return { decision: "ask", reason: `${mode} mode asks before ${what}${why}`, cause: "mode" };
}

function isRead(request: PermissionRequest): boolean {
  if (request.kind === "read") return true;
  return request.kind === "exec" && request.command?.classification.class === "read-only";
}

function planReason(request: PermissionRequest): string {
  const what = request.kind === "exec" ? "run commands that are not read-only" : "change files";
  return `plan mode is read-only: ${request.tool} cannot ${what}; describe the change you would make instead`;
}

function where(rule: Rule): string {
  const file = rule.origin === "project" ? PROJECT_SETTINGS_LABEL : "your settings";
  return `${file} permissions.${rule.list}`;
}

/** First words that stay exact in a suggestion: any argument after them changes what they do too much. */
const NO_PREFIX = new Set([
  "rm",
  "mv",
  "cp",
  "dd",
  "ln",
  "chmod",
  "chown",
  "sudo",
  "doas",
  "su",
  "env",
  "eval",
  "exec",
  "xargs",
  "find",
  "sh",
  "bash",
  "zsh",
  "fish",
  "curl",
  "wget",
  "ssh",
  "scp",
  "kill",
  "pkill",
]);

/** Rules that would allow this call; empty when none should be offered. */
export function suggestRules(request: PermissionRequest, context: PermissionContext): string[] {
  if (request.tool === "bash") {
    if (redirectsToFile(request.command?.text ?? "")) return [];
    const commands = request.command?.classification.commands ?? [];
    const allow = context.rules.rules.allow;
    const out = new Set<string>();
    for (const argv of commands) {
      if (argv.length === 0) continue;
      const subject = { tool: "bash", command: { text: "", classification: { commands: [argv] } } };
      if (findRule(allow, subject, "allow")) continue;
      out.add(commandRule(argv));
    }
    return [...out];
  }
  const { path } = request;
  const ruleTool = request.kind === "edit" ? "edit" : request.kind === "read" ? "read" : request.tool;
  if (!path || request.tool.startsWith("mcp__") || request.kind === "exec") return [request.tool];
  return [`${ruleTool}(${pathPattern(path, context)})`];
}

/** `bash(npm test:*)` for `npm test -- --watch`; `bash(rm build.log)` for commands that stay exact. */
export function commandRule(argv: string[]): string {
  const [first, second] = argv;
  const prefixable =
    argv.length >= 2 && !NO_PREFIX.has(first) && !first.includes("/") && /^[A-Za-z][\w:-]*$/.test(second);
  return prefixable ? `bash(${quoteWords([first, second])}:*)` : `bash(${quoteWords(argv)})`;
}

/** The directory pattern for a suggestion: `src/**`, `/README.md` at the root, `~/x/**` or `//abs/**` outside. */
function pathPattern(path: RequestPath, context: PermissionContext): string {
  if (path.insideWorkspace && !path.relative.startsWith("../")) {
    const slash = path.relative.lastIndexOf("/");
    return slash < 0 ? `/${path.relative}` : `${path.relative.slice(0, slash)}/**`;
  }
  const posixReal = path.real.split(sep).join("/");
  const inHome = relative(context.home, path.real).split(sep).join("/");
  if (inHome !== "" && !inHome.startsWith("../") && inHome !== ".." && !isAbsolute(inHome)) {
    const slash = inHome.lastIndexOf("/");
    return slash < 0 ? `~/${inHome}` : `~/${inHome.slice(0, slash)}/**`;
  }
  const dir = posixReal.slice(0, posixReal.lastIndexOf("/"));
  return dir === "" ? `/${posixReal}` : `/${dir}/**`;
}

/**
 * The files a `read` deny rule with a path covers (`read(**\/.env)`), as a predicate on real paths for the tools
 * that look into many files at once (grep, glob): a deny rule must hold for a folder-wide search too, not only
 * for a read of that one file. Null when there is no such rule.
 */
export function readDenyFilter(
  context: PermissionContext,
  extraRoots: string[] = [],
): ((realPath: string) => boolean) | null {
  const rules = context.rules.rules.deny.filter((rule) => rule.type === "path" && coversTool(rule, "read"));
  if (rules.length === 0) return null;
  return (realPath) =>
    findRule(
      rules,
      { tool: "read", path: requestPath(realPath, context.workspaceRoot, extraRoots) },
      "restrict",
    ) !== null;
}

/** Describe a real path for a request: relative to the workspace root, and whether a tool may write there. */
export function requestPath(realPath: string, workspaceRoot: string, extraRoots: string[] = []): RequestPath {
  const rel = relative(workspaceRoot, realPath);
  const inside = (dir: string) => {
    const r = relative(dir, realPath);
    return r === "" || (r !== ".." && !r.startsWith(`..${sep}`) && !isAbsolute(r));
  };
  return {
    relative: rel === "" ? "." : isAbsolute(rel) ? realPath : rel.split(sep).join("/"),
    real: realPath,
    insideWorkspace: inside(workspaceRoot) || extraRoots.some(inside),
  };
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

/**
 * The model-facing text when an ask cannot be put to anyone (headless). Says why, and whether and how the
 * user can allow it, so the model can explain or work around it instead of retrying.
 */
export function headlessRefusal(request: PermissionRequest, ask: AskDecision): string {
  const nobody = "this headless run has nobody to ask";
  switch (ask.cause) {
    case "destructive":
      return (
        `permission needed: ${ask.reason}. Destructive commands always need a human yes, and ${nobody}. ` +
        "Do not retry it: find a non-destructive way, or tell the user the exact command to run themselves."
      );
    case "protected":
      return (
        `permission needed: writing ${ask.reason} always needs a human yes, and ${nobody}. ` +
        "Do not retry it: tell the user the change to make instead."
      );
    case "rule":
      return `permission needed: ${ask.reason}, and ${nobody}. Do not retry it; carry on without it or tell the user.`;
    default: {
      const ways: string[] = [];
      if (ask.cause === "mode") {
        ways.push(`--permission-mode ${request.kind === "edit" ? "edits" : "auto"}`);
      }
      const rules = ask.suggestedRules ?? [];
      if (rules.length > 0) {
        const listed = rules.map((r) => JSON.stringify(r)).join(" and ");
        ways.push(
          `the rule${rules.length > 1 ? "s" : ""} ${listed} in permissions.allow ` +
            `(their settings, or ${PROJECT_SETTINGS_LABEL} in a folder they trusted with \`hearth trust\`)`,
        );
      }
      const how = ways.length > 0 ? ` The user can allow it with ${ways.join(" or ")}.` : "";
      return `permission needed: ${ask.reason}; ${nobody}.${how} Do not retry it; carry on without it if you can.`;
    }
  }
}

/** One stderr line for a refused call: `refused bash "rm -rf ~": recursive delete of "~" (destructive: ...)`. */
export function refusalLine(
  request: PermissionRequest,
  decision: Exclude<PermissionDecision, { decision: "allow" }>,
): string {
  const target = request.command?.text ?? request.path?.relative ?? "";
  const flat = target.replace(/\s+/g, " ").trim();
  const shown = flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
  const head = `refused ${request.tool}${shown ? ` ${JSON.stringify(shown)}` : ""}: ${decision.reason}`;
  if (decision.decision === "deny") return head;
  switch (decision.cause) {
    case "destructive":
      return `${head} (destructive: needs a human yes)`;
    case "protected":
      return `${head} (protected: needs a human yes)`;
    case "rule":
      return head;
    default: {
      const ways: string[] = [];
      if (decision.cause === "mode")
        ways.push(`--permission-mode ${request.kind === "edit" ? "edits" : "auto"}`);
      for (const rule of decision.suggestedRules ?? []) ways.push(JSON.stringify(rule));
      return ways.length > 0 ? `${head} (allow with ${ways.join(" or ")})` : head;
    }
  }
}
