/**
 * The actions a headless run refused, for the result's `permission_denials` (the field Claude Code's result has)
 * and the closing stderr line. The policy only sees a tool and its arguments; each call runs in an async context
 * that names it, so a refusal is recorded with its tool_use id even when read-only calls run concurrently.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ToolCallPart } from "../../protocol/messages.ts";
import type { ToolPolicy } from "../../tools/tool-runtime.ts";

export type PermissionDenial = {
  toolName: string;
  toolUseId: string;
  input: Record<string, unknown>;
  /** The refusal line shown on stderr, when the policy printed one. */
  line?: string;
};

export type DenialLog = {
  readonly denials: PermissionDenial[];
  /** The policy, recording each refusal under the call being run. */
  policy(inner: ToolPolicy): ToolPolicy;
  /** `say` for the policy: remembers the refusal line of the call being run. */
  say(inner: (line: string) => void): (line: string) => void;
  /** Runs one tool call in the context that names it. */
  during<T>(call: ToolCallPart, run: () => T): T;
};

export function createDenialLog(): DenialLog {
  const current = new AsyncLocalStorage<{ call: ToolCallPart; line?: string }>();
  const denials: PermissionDenial[] = [];
  return {
    denials,
    policy: (inner) => async (tool, args) => {
      const decision = await inner(tool, args);
      if (decision.decision === "deny") {
        const store = current.getStore();
        denials.push({
          toolName: tool.name,
          toolUseId: store?.call.id ?? "",
          input: store?.call.arguments ?? ((args ?? {}) as Record<string, unknown>),
          ...(store?.line ? { line: store.line } : {}),
        });
      }
      return decision;
    },
    say: (inner) => (line) => {
      const store = current.getStore();
      if (store) store.line = line;
      inner(line);
    },
    during: (call, run) => current.run({ call }, run),
  };
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
