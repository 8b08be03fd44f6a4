/**
 * What a refused call says when nobody can be asked (headless): the model-facing tool error and the user's
 * stderr line. Every way to allow a call they name comes from the decision itself (a mode the engine found
 * would allow it, rules it checked), so no hint is false: a destructive command never hears "use auto".
 */
import { PROJECT_SETTINGS_LABEL } from "../../policy/permission-rules.ts";
import type { PermissionCause } from "../../protocol/events.ts";

/** The call: its tool and the command or path it names (a `permission_requested` event has these). */
export type RefusedCall = { tool: string; command?: { text: string }; path?: { relative: string } };

/** Why it asks, as the engine decided and the `permission_requested` event says. */
export type AskDecision = {
  decision: "ask";
  reason: string;
  cause: PermissionCause;
  suggestedRules?: string[];
  suggestedMode?: string;
  allowedWithSandbox?: boolean;
};

const NOBODY = "this headless run has nobody to ask";

/**
 * The model-facing text when an ask cannot be put to anyone (headless). Says why, and whether and how the
 * user can allow it, so the model can explain or work around it instead of retrying.
 */
export function headlessRefusal(_request: RefusedCall, ask: AskDecision): string {
  switch (ask.cause) {
    case "destructive":
      return (
        `permission needed: ${ask.reason}. Destructive commands always need a human yes, and ${NOBODY}. ` +
        "Do not retry it: find a non-destructive way, or tell the user the exact command to run themselves."
      );
    case "protected":
      return (
        `permission needed: writing ${ask.reason} always needs a human yes, and ${NOBODY}. ` +
        "Do not retry it: tell the user the change to make instead."
      );
    case "rule":
      return `permission needed: ${ask.reason}, and ${NOBODY}. Do not retry it; carry on without it or tell the user.`;
    default: {
      const ways: string[] = [];
      if (ask.suggestedMode) ways.push(`--permission-mode ${ask.suggestedMode}`);
      const rules = ask.suggestedRules ?? [];
      if (rules.length > 0) {
        const listed = rules.map((r) => JSON.stringify(r)).join(" and ");
        ways.push(
          `the rule${rules.length > 1 ? "s" : ""} ${listed} in permissions.allow ` +
            `(their settings, or ${PROJECT_SETTINGS_LABEL} in a folder they trusted with \`hearth trust\`)`,
        );
      }
      if (ask.allowedWithSandbox) {
        ways.push(
          'an OS sandbox (on Linux: install bubblewrap) or "sandbox": {"enabled": false} in their own settings',
        );
      }
      const how = ways.length > 0 ? ` The user can allow it with ${ways.join(" or ")}.` : "";
      return `permission needed: ${ask.reason}; ${NOBODY}.${how} Do not retry it; carry on without it if you can.`;
    }
  }
}

/** One stderr line for a refused call: `refused bash "rm -rf ~": recursive delete of "~" (destructive: ...)`. */
export function refusalLine(
  request: RefusedCall,
  decision: AskDecision | { decision: "deny"; reason: string },
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
      if (decision.suggestedMode) ways.push(`--permission-mode ${decision.suggestedMode}`);
      for (const rule of decision.suggestedRules ?? []) ways.push(JSON.stringify(rule));
      if (decision.allowedWithSandbox)
        ways.push('bubblewrap installed or "sandbox": {"enabled": false} in user settings');
      return ways.length > 0 ? `${head} (allow with ${ways.join(" or ")})` : head;
    }
  }
}
