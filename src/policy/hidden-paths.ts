/**
 * Paths kept from the model, for the tools that reach many files at once: a command that names them, and the
 * folder-wide searches (grep, glob). Kept are the paths a `read(...)` deny rule covers, the secret stores
 * (~/.ssh, ~/.aws, ...), hearth's own config (its key file and settings) and `.env` files
 * (src/policy/secret-paths.ts).
 *
 * For commands, when an OS sandbox runs it hides deny-rule paths and secret stores itself; when none runs, a
 * command whose words name such a path, or a folder that contains one, asks. A `.env` file or hearth's config
 * named by a command asks in any case, unless a `read(...)` allow rule names it. This is a gate on what a command
 * says, not a proof: a program can still open a path it computes; only the sandbox holds against that.
 */
import { join } from "node:path";
import type { AskDecision, CommandPath, PermissionContext, PermissionRequest } from "./permission-engine.ts";
import { coversTool, findRule, type Rule, requestPath, ruleLocation } from "./permission-rules.ts";
import { pathPattern } from "./permission-suggestions.ts";
import { readProtectedReason, SECRET_STORES, secretStoreReason } from "./secret-paths.ts";
import { isInside } from "./workspace.ts";

/** The ask for a command that names a hidden path, or null. */
export function hiddenPathAsk(request: PermissionRequest, context: PermissionContext): AskDecision | null {
  const paths = request.command?.paths ?? [];
  if (request.tool !== "bash" || (paths.length === 0 && !request.command?.unresolved)) return null;
  const unsandboxed = context.sandbox !== "active";
  const deny = unsandboxed ? readDenyRules(context) : [];
  const noSandbox = "and no OS sandbox runs to hide it from commands";
  // A word only the shell can resolve may name anything: without a sandbox that asks when a deny rule is to be
  // kept, or when the sandbox is missing rather than turned off by the user.
  const unresolved = request.command?.unresolved;
  if (unresolved && unsandboxed && (deny.length > 0 || context.sandbox === "unavailable")) {
    return {
      decision: "ask",
      reason: `the command has a word only the shell can resolve (${unresolved}), which may name a file kept from the model (${deny.length > 0 ? `permissions.deny: ${deny.map((r) => r.source).join(", ")}` : "a secret store"}), and no OS sandbox runs to hide it`,
      cause: deny.length > 0 ? "rule" : "secret",
    };
  }
  for (const path of paths) {
    if (unsandboxed) {
      const rule = deny.find(
        (r) =>
          findRule([r], { tool: "read", path }, "restrict") !== null ||
          (path.directory && mayMatchBelow(r, path.real, context)),
      );
      if (rule) {
        return {
          decision: "ask",
          reason: `the command names ${shown(path)}, which the rule "${rule.source}" in ${ruleLocation(rule)} keeps from the model, ${noSandbox}`,
          cause: "rule",
        };
      }
      const store =
        secretStoreReason(path.real, context.home) ?? (path.directory ? storeBelow(path, context) : null);
      if (store) {
        return { decision: "ask", reason: `the command names ${store}, ${noSandbox}`, cause: "secret" };
      }
    }
    const guarded = readProtectedReason(path.real, context);
    if (guarded && !findRule(readAllowRules(context), { tool: "read", path }, "allow")) {
      const pattern = pathPattern(path, context, true);
      return {
        decision: "ask",
        reason: `the command reads ${guarded}, which asks first in every mode`,
        cause: "secret",
        ...(pattern === null ? {} : { suggestedRules: [`read(${pattern})`] }),
      };
    }
  }
  return null;
}

/**
 * The files grep and glob leave out, as a predicate on real paths, or null when none can be reached (a filter
 * costs grep its fast engine): a deny rule must hold for a folder-wide search too, and a search of a workspace
 * that holds ~/.ssh must not print keys.
 */
export function hiddenPathFilter(
  context: PermissionContext,
  extraRoots: string[] = [],
): ((realPath: string) => boolean) | null {
  const deny = readDenyRules(context);
  const roots = [context.workspaceRoot, ...extraRoots];
  const stores = [...SECRET_STORES.map(([path]) => join(context.home, path)), configDir(context)];
  const reachable = stores.some((store) => roots.some((root) => isInside(store, root)));
  if (deny.length === 0 && !reachable) return null;
  const allow = readAllowRules(context);
  return (realPath) => {
    const path = requestPath(realPath, context.workspaceRoot, extraRoots);
    if (deny.length > 0 && findRule(deny, { tool: "read", path }, "restrict")) return true;
    if (secretStoreReason(realPath, context.home)) return true;
    return (
      readProtectedReason(realPath, context) !== null && !findRule(allow, { tool: "read", path }, "allow")
    );
  };
}

/**
 * Only what `read(...)` deny rules cover, or null when there are none: what the OS sandbox hides from commands
 * (secret stores it hides on its own; `.env` files stay visible to commands, which need them to run, and a
 * command that names one asks instead).
 */
export function readDenyFilter(
  context: PermissionContext,
  extraRoots: string[] = [],
): ((realPath: string) => boolean) | null {
  const deny = readDenyRules(context);
  if (deny.length === 0) return null;
  return (realPath) =>
    findRule(
      deny,
      { tool: "read", path: requestPath(realPath, context.workspaceRoot, extraRoots) },
      "restrict",
    ) !== null;
}

function readDenyRules(context: PermissionContext): Rule[] {
  return context.rules.rules.deny.filter((rule) => rule.type === "path" && coversTool(rule, "read"));
}

function readAllowRules(context: PermissionContext): Rule[] {
  return context.rules.rules.allow.filter((rule) => rule.type === "path" && coversTool(rule, "read"));
}

function configDir(context: PermissionContext): string {
  return context.configDir ?? join(context.home, ".config", "hearth");
}

/** A secret store or hearth's config inside the folder `dir`, described, or null. */
function storeBelow(dir: CommandPath, context: PermissionContext): string | null {
  for (const [path, what] of SECRET_STORES) {
    if (isInside(join(context.home, path), dir.real)) return `${shown(dir)}, which holds ${what} (~/${path})`;
  }
  if (isInside(configDir(context), dir.real))
    return `${shown(dir)}, which holds hearth's own keys and settings`;
  return null;
}

const GLOB_MAGIC = /[*?[\]{}()!+@]/;

/** Could the path rule match something below the folder `dir` (it lies below, or its base lies inside)? */
function mayMatchBelow(rule: Rule, dir: string, context: PermissionContext): boolean {
  if (rule.type !== "path") return false;
  const { anchor, glob, anyDepth } = rule.pattern;
  const root = anchor === "workspace" ? context.workspaceRoot : anchor === "home" ? context.home : "/";
  const segments = glob.split("/").filter(Boolean);
  const firstMagic = anyDepth ? 0 : segments.findIndex((segment) => GLOB_MAGIC.test(segment));
  const base = join(root, ...(firstMagic < 0 ? segments : segments.slice(0, firstMagic)));
  return isInside(base, dir) || (firstMagic >= 0 && isInside(dir, base));
}

function shown(path: CommandPath): string {
  return path.insideWorkspace && !path.relative.startsWith("../") ? path.relative : path.real;
}
