/** Permission vocabulary shared by settings, flags, the policy and the tools. Types and constants only. */

/**
 * ask: reads free, edits and commands ask. edits: edits inside the workspace free, commands ask.
 * auto: everything free except destructive commands and writes outside the workspace. plan: read-only.
 */
export const PERMISSION_MODES = ["ask", "edits", "auto", "plan"] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/** What a shell command may do, from the parsed command. Ordered from least to most severe. */
export const COMMAND_CLASSES = ["read-only", "workspace", "unknown", "network", "destructive"] as const;
export type CommandClass = (typeof COMMAND_CLASSES)[number];

export type CommandClassification = {
  class: CommandClass;
  /** Why, in a few words a user understands ("recursive delete of ~", "pipes a download into sh"). */
  reason: string;
  /** The simple commands found after unwrapping (sudo, env, bash -c, xargs, ...), each as argv. */
  commands: string[][];
  /**
   * Set when a prefix allow rule (`bash(git diff:*)`) must not pre-approve this command even though its argv
   * starts with the rule's prefix: a form that writes outside the workspace or runs another program
   * (`git diff --output=~/.bashrc`, `--ext-diff`). Says why, in a few words.
   */
  allowRuleUnsafe?: string;
  /**
   * Set when the command writes outside the workspace without destroying anything (appends to a file, creates
   * one: `echo x >> /tmp/log`, `mkdir /tmp/x`, `cp -n a ~/b`): such a write needs a human yes in every mode,
   * like the write tool's writes outside the workspace. (Deleting, overwriting or changing a file outside the
   * workspace is destructive instead.) Says what and where: "appends outside the workspace: /tmp/log".
   */
  writesOutside?: string;
};

/** Permission rules as written in settings: `bash(npm test:*)`, `edit(src/**)`, `read(**\/.env)`, `ls`. */
export type PermissionRules = { allow: string[]; ask: string[]; deny: string[] };

/**
 * What the policy engine needs to know: does the tool only read, change files, run commands, or call something
 * hearth did not write (an MCP server, another agent)? The watchdog's default time depends on it too.
 */
export type ToolKind = "read" | "edit" | "exec" | "external";

export const TOOL_KINDS: readonly ToolKind[] = ["read", "edit", "exec", "external"];

/**
 * What a tool hearth did not write says it does (an MCP tool's annotations): "read-only" (readOnlyHint), "write"
 * (changes things but destructiveHint is false), "destructive" (destructiveHint), or "unknown" (it says nothing).
 * The server's word, from a server the user configured: a destructive tool asks in every mode, an unknown one
 * asks unless a rule allows it.
 */
export type ToolEffect = "read-only" | "write" | "destructive" | "unknown";
