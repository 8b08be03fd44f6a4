/**
 * Permission rules given on the command line for one run (`--allowedTools`, `--disallowedTools`, in Claude
 * Code's names or hearth's). The user typed them, so they count as the user's own rules: added to the user
 * layer, never saved. The engine applies them as any rule: an allow rule never pre-approves a destructive
 * command or a protected file.
 */
import { parseRule } from "../policy/permission-rules.ts";
import { UsageError } from "../protocol/errors.ts";
import { hearthRule } from "./claude-names.ts";
import type { WorkspaceSettings } from "./load-settings.ts";

export type RunRuleFlags = { allowedTools: string[]; disallowedTools: string[] };

/** The settings with the run's rules added, or a UsageError naming the flag and the rule that is not valid. */
export function withRunRules(layers: WorkspaceSettings, flags: RunRuleFlags): WorkspaceSettings {
  const allow = flagRules(flags.allowedTools, "--allowedTools");
  const deny = flagRules(flags.disallowedTools, "--disallowedTools");
  if (allow.length === 0 && deny.length === 0) return layers;
  const permissions = layers.user.permissions ?? {};
  return {
    ...layers,
    user: {
      ...layers.user,
      permissions: {
        ...permissions,
        allow: [...(permissions.allow ?? []), ...allow],
        deny: [...(permissions.deny ?? []), ...deny],
      },
    },
  };
}

function flagRules(given: string[], flag: string): string[] {
  const rules: string[] = [];
  for (const text of given) {
    const rule = hearthRule(text);
    if (rule === null) continue; // a Claude Code tool hearth does not have: nothing to allow or deny
    const parsed = parseRule(rule);
    if (!parsed.ok)
      throw new UsageError(`${flag} ${JSON.stringify(text)} is not a valid rule: ${parsed.message}`);
    rules.push(rule);
  }
  return rules;
}
