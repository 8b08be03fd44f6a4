/**
 * Claude Code's names for what hearth also has, so that scripts and settings written for `claude -p` work:
 * its permission modes, its tool rules (`Bash(git diff:*)`, `Edit`, `Read(./x)`) and its `--allowedTools` /
 * `--disallowedTools` flags, which take several values after one flag, comma or space separated.
 */
import type { PermissionMode } from "../protocol/permissions.ts";

/** Claude Code's modes as hearth's. bypassPermissions is auto: a destructive command still needs a human yes. */
export const CLAUDE_PERMISSION_MODES: Record<string, PermissionMode> = {
  default: "ask",
  acceptEdits: "edits",
  bypassPermissions: "auto",
  plan: "plan",
};

/** Claude Code's tool names: hearth's tool for each, or null for a tool hearth does not have. */
const CLAUDE_TOOLS: Record<string, string | null> = {
  Bash: "bash",
  Read: "read",
  Edit: "edit",
  MultiEdit: "edit",
  Write: "write",
  Glob: "glob",
  Grep: "grep",
  LS: "ls",
  NotebookEdit: null,
  NotebookRead: null,
  WebFetch: null,
  WebSearch: null,
  Task: null,
  Agent: null,
  TodoWrite: null,
  BashOutput: null,
  KillShell: null,
  ExitPlanMode: null,
  SlashCommand: null,
  Skill: null,
};

const HEARTH_TOOLS = new Set(["bash", "read", "edit", "write", "grep", "glob", "ls"]);
const RULE_SHAPE = /^([A-Za-z0-9_*-]+)(?:\(([\s\S]*)\))?$/;

/**
 * One rule in hearth's syntax: Claude Code's tool names become hearth's, and a path `./x` (relative to the
 * folder Claude was started in) becomes `/x` (anchored at the workspace root). Null for a rule about a tool
 * hearth does not have (it allows or denies nothing here). Anything else comes back as written, for the rule
 * parser to accept or explain.
 */
export function hearthRule(text: string): string | null {
  const trimmed = text.trim();
  const shape = RULE_SHAPE.exec(trimmed);
  if (!shape || !Object.hasOwn(CLAUDE_TOOLS, shape[1])) return trimmed;
  const tool = CLAUDE_TOOLS[shape[1]];
  if (tool === null) return null;
  const spec = shape[2];
  if (spec === undefined) return tool;
  if (tool === "bash") return `bash(${spec})`;
  return `${tool}(${spec.trim().replace(/^\.\/(?=.)/, "/")})`;
}

/** hearth's flag for each spelling of the two tool-list flags. */
const TOOL_LIST_SPELLINGS: Record<string, string> = {
  allowedTools: "--allowed-tools",
  "allowed-tools": "--allowed-tools",
  disallowedTools: "--disallowed-tools",
  "disallowed-tools": "--disallowed-tools",
};
const TOOL_LIST_FLAG = /^--([A-Za-z-]+)(?:=([\s\S]*))?$/;

/**
 * The command line with every tool-list flag as hearth's `--allowed-tools RULE` / `--disallowed-tools RULE`,
 * one rule each. As in Claude Code, the flag takes every following argument that is a list of tool rules
 * (`--allowedTools Read "Bash(git diff:*)" Edit`); the first argument after it always belongs to it.
 */
export function splitToolLists(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const flag = TOOL_LIST_FLAG.exec(arg);
    const spelling =
      flag && Object.hasOwn(TOOL_LIST_SPELLINGS, flag[1]) ? TOOL_LIST_SPELLINGS[flag[1]] : null;
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (!flag || !spelling) {
      out.push(arg);
      continue;
    }
    const values: string[] = [];
    if (flag[2] !== undefined) values.push(flag[2]);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("-")) {
      values.push(argv[++i]);
      while (i + 1 < argv.length && isToolList(argv[i + 1])) values.push(argv[++i]);
    } else {
      out.push(spelling); // no value: the parser says so
      continue;
    }
    for (const rule of values.flatMap(splitRules)) out.push(spelling, rule);
  }
  return out;
}

/** `Bash(git diff:*),Edit Read` -> three rules: commas and spaces separate, except inside (...). */
export function splitRules(text: string): string[] {
  const rules: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of text) {
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    if (depth === 0 && (c === "," || /\s/.test(c))) {
      if (current) rules.push(current);
      current = "";
    } else current += c;
  }
  if (current) rules.push(current);
  return rules;
}

/** An argument made only of rules that name a known tool (so a prompt after the list is left alone). */
function isToolList(arg: string): boolean {
  const rules = splitRules(arg);
  return (
    rules.length > 0 &&
    rules.every((rule) => {
      const name = RULE_SHAPE.exec(rule)?.[1];
      if (!name) return false;
      return Object.hasOwn(CLAUDE_TOOLS, name) || HEARTH_TOOLS.has(name) || name.startsWith("mcp__");
    })
  );
}
