/**
 * A runtime permission request as ACP's `session/request_permission`, and the client's choice back as the
 * runtime's answer. The options follow the interactive prompt's: allow once; allow always (saves the rule the
 * policy suggests, named on the option) when there is one and the call is not destructive; reject. A
 * destructive call is only ever allowed once. Anything but an offered option (cancelled, another id) is a no.
 */
import type {
  PermissionOption,
  RequestPermissionOutcome,
  RequestPermissionRequest,
} from "@agentclientprotocol/sdk";
import type { PermissionAnswer } from "../../protocol/commands.ts";
import type { AgentEventOf } from "../../protocol/events.ts";
import { terminalText } from "../terminal-text.ts";
import { toolDiff, toolKind } from "./acp-updates.ts";

type Requested = AgentEventOf<"permission_requested">;

const ALLOW_ONCE = "allow_once";
const ALLOW_ALWAYS = "allow_always";
const REJECT = "reject_once";

export function permissionRequest(
  sessionId: string,
  event: Requested,
  cwd: string,
): RequestPermissionRequest {
  const destructive = event.cause === "destructive";
  const rule = destructive ? undefined : event.suggestedRules?.[0];
  const options: PermissionOption[] = [
    {
      optionId: ALLOW_ONCE,
      name: destructive ? "Allow once (destructive)" : "Allow once",
      kind: "allow_once",
    },
    ...(rule
      ? [{ optionId: ALLOW_ALWAYS, name: `Always allow ${rule}`, kind: "allow_always" as const }]
      : []),
    { optionId: REJECT, name: "Reject", kind: "reject_once" },
  ];
  const call = { type: "tool_call" as const, id: event.callId, name: event.tool, arguments: event.arguments };
  const why = terminalText(event.reason);
  return {
    sessionId,
    toolCall: {
      toolCallId: event.callId,
      title: `${destructive ? "Destructive: " : ""}${terminalText(event.target)}`,
      kind: toolKind(event.tool),
      status: "pending",
      rawInput: event.arguments,
      content: [
        ...toolDiff(call, cwd),
        { type: "content", content: { type: "text", text: `Why it asks: ${why}` } },
      ],
    },
    options,
  };
}

/** The client's choice among `offered` (an option that was not offered is a no, whatever its id says). */
export function permissionAnswer(
  outcome: RequestPermissionOutcome | undefined,
  offered: PermissionOption[],
): PermissionAnswer {
  if (outcome?.outcome !== "selected")
    return { decision: "deny", reason: "the client cancelled the request" };
  if (!offered.some((option) => option.optionId === outcome.optionId))
    return {
      decision: "deny",
      reason: `the client chose an option hearth did not offer (${outcome.optionId})`,
    };
  switch (outcome.optionId) {
    case ALLOW_ONCE:
      return { decision: "allow_once" };
    case ALLOW_ALWAYS:
      return { decision: "allow_always" };
    case REJECT:
      return { decision: "deny", reason: "the user rejected it" };
    default:
      return {
        decision: "deny",
        reason: `the client chose an option hearth did not offer (${outcome.optionId})`,
      };
  }
}
