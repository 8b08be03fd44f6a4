/**
 * The actions a headless run refused, for the result's `permission_denials` (the field Claude Code's result has)
 * and the closing stderr line; gathered from the session's `permission_resolved` events.
 */
import type { AgentEventOf } from "../../protocol/events.ts";

export type PermissionDenial = {
  toolName: string;
  toolUseId: string;
  input: Record<string, unknown>;
  /** The refusal line shown on stderr. */
  line?: string;
};

/** The denial a refused call adds, or null when the event allowed it. */
export function denialOf(event: AgentEventOf<"permission_resolved">, line?: string): PermissionDenial | null {
  if (event.decision !== "deny") return null;
  return { toolName: event.tool, toolUseId: event.callId, input: event.arguments, ...(line ? { line } : {}) };
}

/** The closing stderr line: how many actions were refused, which, and how to allow them; null when none were. */
export function denialSummary(denials: PermissionDenial[]): string | null {
  if (denials.length === 0) return null;
  const shown = denials.slice(0, 3).map((d) => `${d.toolName} ${target(d)}`.trim());
  const more = denials.length > 3 ? ` and ${denials.length - 3} more` : "";
  const modes = new Set<string>();
  const rules = new Set<string>();
  for (const d of denials) {
    const allow = /\(allow with (.+)\)$/.exec(d.line ?? "")?.[1] ?? "";
    for (const way of allow.split(" or ")) {
      const mode = /^--permission-mode (\S+)$/.exec(way)?.[1];
      if (mode) modes.add(mode);
      else if (way) rules.add(way);
    }
  }
  const ways: string[] = [];
  if (modes.size > 0) ways.push(`--permission-mode ${[...modes].join(" or ")}`);
  if (rules.size > 0) {
    const listed = [...rules].slice(0, 3).join(", ") + (rules.size > 3 ? ", ..." : "");
    ways.push(`the rule${rules.size > 1 ? "s" : ""} ${listed} in permissions.allow`);
  }
  const how =
    ways.length > 0
      ? `allow them with ${ways.join(", or ")}`
      : "they need a human yes or are denied by a rule: run them yourself if they are right";
  const count = denials.length === 1 ? "1 action was refused" : `${denials.length} actions were refused`;
  return `${count}: ${shown.join(", ")}${more}; ${how}`;
}

function target(denial: PermissionDenial): string {
  const value = denial.input.command ?? denial.input.path ?? denial.input.pattern;
  if (typeof value !== "string") return "";
  const flat = value.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > 60 ? `${flat.slice(0, 59)}…` : flat);
}
