/**
 * The allow rules a refusal suggests. Each suggestion must really allow the call when added to
 * `permissions.allow` (the engine tests check this), so it is built from the same rules the engine applies.
 */
import { isAbsolute, relative, sep } from "node:path";
import type { PermissionContext, PermissionRequest } from "./permission-engine.ts";
import {
  escapeGlob,
  findRule,
  quoteWords,
  type RequestPath,
  type Rule,
  redirectsToFile,
} from "./permission-rules.ts";

/** First words that stay exact in a suggestion: any argument after them changes what they do too much. */
const NO_PREFIX = new Set([
  "rm",
  "mv",
  "cp",
  "dd",
  "ln",
  "chmod",
  "chown",
  "sudo",
  "doas",
  "su",
  "env",
  "eval",
  "exec",
  "xargs",
  "find",
  "sh",
  "bash",
  "zsh",
  "fish",
  "curl",
  "wget",
  "ssh",
  "scp",
  "kill",
  "pkill",
]);

export type SuggestOptions = {
  /** The allow rules the engine would apply to this call (already filtered for it). */
  allow: Rule[];
  /** Suggest exactly this command or file, not a prefix or a folder. */
  exact?: boolean;
};

/** Rules that would allow this call; empty when none should be offered. */
export function suggestRules(
  request: PermissionRequest,
  context: PermissionContext,
  options: SuggestOptions,
): string[] {
  if (request.tool === "bash") {
    if (redirectsToFile(request.command?.text ?? "")) return [];
    const commands = request.command?.classification.commands ?? [];
    const out = new Set<string>();
    for (const argv of commands) {
      if (argv.length === 0) continue;
      const subject = { tool: "bash", command: { text: "", classification: { commands: [argv] } } };
      if (findRule(options.allow, subject, "allow")) continue;
      out.add(options.exact ? `bash(${quoteWords(argv)})` : commandRule(argv));
    }
    return [...out];
  }
  const { path } = request;
  const ruleTool = request.kind === "edit" ? "edit" : request.kind === "read" ? "read" : request.tool;
  if (!path || request.tool.startsWith("mcp__") || request.kind === "exec" || request.kind === "external")
    return [request.tool];
  const pattern = pathPattern(path, context, options.exact === true);
  return pattern === null ? [] : [`${ruleTool}(${pattern})`];
}

/** `bash(npm test:*)` for `npm test -- --watch`; `bash(rm build.log)` for commands that stay exact. */
export function commandRule(argv: string[]): string {
  const [first, second] = argv;
  const prefixable =
    argv.length >= 2 && !NO_PREFIX.has(first) && !first.includes("/") && /^[A-Za-z][\w:-]*$/.test(second);
  return prefixable ? `bash(${quoteWords([first, second])}:*)` : `bash(${quoteWords(argv)})`;
}

/**
 * The pattern for a suggestion: the file's directory (`src/**`, `~/x/**`, `//abs/**`), or with `exact` the file
 * itself; a file at the root is anchored (`/README.md`). Names are escaped, so a file named `*`, `!x` or `[ab]`
 * is that file, not a glob, and a folder named `~` is the workspace's; null when no rule can name the path
 * (leading or trailing whitespace, which a rule loses).
 */
export function pathPattern(path: RequestPath, context: PermissionContext, exact: boolean): string | null {
  const scoped = (prefix: string, rel: string) => {
    const slash = rel.lastIndexOf("/");
    const kept = exact || slash <= 0 ? rel : rel.slice(0, slash);
    return `${prefix}${escapeGlob(kept)}${kept === rel ? "" : "/**"}`;
  };
  let pattern: string;
  if (path.insideWorkspace && !path.relative.startsWith("../") && !isAbsolute(path.relative)) {
    const slash = path.relative.lastIndexOf("/");
    pattern =
      slash < 0
        ? `/${escapeGlob(path.relative)}`
        : scoped(path.relative.startsWith("~") ? "./" : "", path.relative);
  } else {
    const inHome = relative(context.home, path.real).split(sep).join("/");
    pattern =
      inHome !== "" && !inHome.startsWith("../") && inHome !== ".." && !isAbsolute(inHome)
        ? scoped("~/", inHome)
        : scoped("/", path.real.split(sep).join("/"));
  }
  return pattern === pattern.trim() ? pattern : null;
}
