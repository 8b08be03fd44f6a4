/**
 * The permission seam for this version: a decision from the mode and the tool's kind. Headless runs have nobody
 * to ask, so "ask" refuses edits and commands with a message that says how to allow them. The full rule system
 * (allow/ask/deny rules, command classifier) plugs in here.
 */
import type { PermissionMode } from "../store/settings-schema.ts";
import type { ToolKind } from "../tools/tool.ts";

export type PermissionDecision = { decision: "allow" } | { decision: "deny"; reason: string };

export function decideByMode(mode: PermissionMode, toolName: string, kind: ToolKind): PermissionDecision {
  if (kind === "read" || mode === "auto" || (mode === "edits" && kind === "edit"))
    return { decision: "allow" };
  const what = kind === "exec" ? "run commands" : "change files";
  if (mode === "plan") {
    return {
      decision: "deny",
      reason: `plan mode is read-only: ${toolName} cannot ${what}; describe the change you would make instead`,
    };
  }
  return {
    decision: "deny",
    reason: `permission denied: ${toolName} would ${what}, and this headless run in ask mode has nobody to approve it; the user can allow it with --permission-mode auto`,
  };
}
