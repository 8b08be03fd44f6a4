/**
 * A project's `.claude/settings.json`, for a repository set up for Claude Code and not (yet) for hearth: its
 * `permissions` (allow, ask, deny rules in Claude Code's names, and defaultMode) become the project layer when
 * there is no `.hearth/settings.json`. It is project input like any other: its allow rules and a looser mode
 * apply only once the folder is trusted (`hearth trust`). Nothing else in the file is read.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PERMISSION_MODES, type PermissionMode } from "../protocol/permissions.ts";
import type { Settings } from "../store/settings-schema.ts";
import { CLAUDE_PERMISSION_MODES, hearthRule } from "./claude-names.ts";

export const CLAUDE_PROJECT_LABEL = join(".claude", "settings.json");

/** The project layer from `.claude/settings.json`, a problem that stops the run, or null when there is none. */
export function claudeProjectSettings(cwd: string): { settings: Settings } | { problem: string } | null {
  let text: string;
  try {
    text = readFileSync(join(cwd, CLAUDE_PROJECT_LABEL), "utf8");
  } catch {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      problem: `${CLAUDE_PROJECT_LABEL}: not valid JSON (${(error as Error).message}); hearth reads its permissions, so fix it or move it aside`,
    };
  }
  const permissions = (value as { permissions?: Record<string, unknown> } | null)?.permissions;
  if (!permissions || typeof permissions !== "object") return { settings: {} };
  const settings: Settings = {
    permissions: {
      allow: rules(permissions.allow),
      ask: rules(permissions.ask),
      deny: rules(permissions.deny),
    },
  };
  const mode = permissionMode(permissions.defaultMode);
  if (mode) settings.permissionMode = mode;
  return { settings };
}

function rules(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((text) => {
    const rule = typeof text === "string" ? hearthRule(text) : null;
    return rule === null ? [] : [rule];
  });
}

function permissionMode(value: unknown): PermissionMode | undefined {
  if (typeof value !== "string") return undefined;
  if ((PERMISSION_MODES as readonly string[]).includes(value)) return value as PermissionMode;
  return Object.hasOwn(CLAUDE_PERMISSION_MODES, value) ? CLAUDE_PERMISSION_MODES[value] : undefined;
}
