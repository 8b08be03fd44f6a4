/**
 * Permission rules as users write them in settings (`permissions.allow|ask|deny`): parse them once, then match
 * them against one tool call. Pure: no fs, no env. picomatch is loaded by `compileRules` only when some rule has
 * a path pattern, so start-up does not pay for it otherwise.
 *
 * Syntax:
 * - `bash`, `read`, `edit`, `write`, `grep`, `glob`, `ls`: any call of that tool. `read` covers every read tool
 *   (read, grep, glob, ls); `edit` covers edit and write. Built-in names are case-insensitive (`Bash(...)`).
 * - `bash(git status)`: exactly that simple command (words compared after shell-style quote removal, so extra
 *   whitespace does not matter). `bash(npm test:*)` or `bash(npm test *)`: that word prefix (`npm test`,
 *   `npm test -- --watch`, not `npm testing`). `bash(*)` is any command.
 * - `read(**\/.env)`, `edit(src/**)`: a glob (picomatch, dotfiles included) on the workspace-relative path,
 *   gitignore-style: a pattern without `/` matches a name at any depth, `/x` is anchored at the workspace root,
 *   and a pattern that matches a directory matches everything below it. `~/x` is below the home directory and
 *   `//x` is the absolute path `/x`; only those two match paths outside the workspace (so `edit(**)` is any
 *   file in the workspace, and bare `edit` is any file anywhere).
 * - `mcp__server__tool`: one MCP tool; `mcp__server` or `mcp__server__*`: every tool of that server.
 */
import { isAbsolute, posix, relative, sep } from "node:path";
import type { PermissionRules } from "../protocol/permissions.ts";

/** Tool names a rule may name besides MCP tools. */
export const RULE_TOOLS = ["bash", "read", "edit", "write", "grep", "glob", "ls", "delegate"] as const;
const READ_TOOLS = ["read", "grep", "glob", "ls"];
const EDIT_TOOLS = ["edit", "write"];

export type RuleList = "allow" | "ask" | "deny";

export const PROJECT_SETTINGS_LABEL = ".hearth/settings.json";
/** Where a rule came from: the user's own settings or the project's `.hearth/settings.json`. */
export type RuleOrigin = "user" | "project";

/** A path as the engine sees it: real (symlinks resolved) and relative to the workspace root. */
export type RequestPath = {
  /** Posix path relative to the workspace root ("." for the root; may start with "../" outside it). */
  relative: string;
  /** Real absolute path. */
  real: string;
  /** Inside the workspace root or one of its writable extra roots (--add-dir). */
  insideWorkspace: boolean;
};

/** Describe a real path for a request: relative to the workspace root, and whether a tool may write there. */
export function requestPath(realPath: string, workspaceRoot: string, extraRoots: string[] = []): RequestPath {
  const rel = relative(workspaceRoot, realPath);
  const inside = (dir: string) => {
    const r = relative(dir, realPath);
    return r === "" || (r !== ".." && !r.startsWith(`..${sep}`) && !isAbsolute(r));
  };
  return {
    relative: rel === "" ? "." : isAbsolute(rel) ? realPath : rel.split(sep).join("/"),
    real: realPath,
    insideWorkspace: inside(workspaceRoot) || extraRoots.some(inside),
  };
}

/** What a rule is matched against: the subset of a permission request rules look at. */
export type RuleSubject = {
  tool: string;
  path?: RequestPath;
  command?: { text: string; classification: { commands: string[][] } };
};

type PathPattern = {
  /** "workspace": matched against the relative path; "absolute" and "home" (below ~): against the real path. */
  anchor: "workspace" | "absolute" | "home";
  glob: string;
  /** The glob has no "/": it matches a name at any depth. */
  anyDepth: boolean;
};

/** A parsed rule, before its globs are compiled. */
export type ParsedRule =
  | { type: "tool"; tool: string }
  | { type: "mcp-server"; server: string }
  | { type: "command"; words: string[]; prefix: boolean }
  | { type: "path"; tool: string; pattern: PathPattern };

export type Rule = ParsedRule & {
  /** As written in settings. */
  source: string;
  origin: RuleOrigin;
  list: RuleList;
  /** Path rules only: does the compiled glob match this path? */
  matchPath?: (path: string) => boolean;
};

export type RuleSet = { allow: Rule[]; ask: Rule[]; deny: Rule[] };

export type RuleParse = { ok: true; rule: ParsedRule } | { ok: false; message: string };

export type RuleSource = { origin: RuleOrigin; rules: Partial<PermissionRules>; label: string };

const RULE_SHAPE = /^([A-Za-z0-9_*-]+)(?:\(([\s\S]*)\))?$/;
const ANY = new Set(["*", "**"]);

/** Parse one rule string. Never throws: an invalid rule comes back with a message saying what is wrong. */
export function parseRule(text: string): RuleParse {
  const trimmed = text.trim();
  const shape = RULE_SHAPE.exec(trimmed);
  if (!shape) {
    if (/^[A-Za-z0-9_*-]+\([\s\S]*\)/.test(trimmed)) return fail('text after the closing ")"');
    return fail(
      trimmed.includes("(") && !trimmed.endsWith(")") ? 'missing ")"' : 'expected "tool" or "tool(...)"',
    );
  }
  const [, name, spec] = shape;
  if (name.startsWith("mcp__")) return parseMcp(name, spec);
  const tool = name.toLowerCase();
  if (!(RULE_TOOLS as readonly string[]).includes(tool)) {
    return fail(
      `unknown tool "${name}"; rules name one of ${RULE_TOOLS.join(", ")} or an MCP tool (mcp__server__tool)`,
    );
  }
  if (spec === undefined) return { ok: true, rule: { type: "tool", tool } };
  // A runtime's task is not a path or a command: the bare name is the only form.
  if (tool === "delegate") return fail('write "delegate" for every delegated task (it takes no "(...)")');
  const body = spec.trim();
  if (body === "") return fail(`empty "()"; write "${tool}" for any call`);
  if (tool === "bash") return parseCommand(body);
  const pattern = parsePathPattern(body);
  return typeof pattern === "string" ? fail(pattern) : { ok: true, rule: { type: "path", tool, pattern } };
}

export type InvalidRule = {
  list: RuleList;
  index: number;
  /** `permissions.deny[0]: "bash(curl" is not a valid rule: missing ")"`. */
  message: string;
};

const RULE_LISTS = ["allow", "ask", "deny"] as const;

/** The rules of one settings file that do not parse, with what is wrong; settings loading refuses the file. */
export function invalidRules(rules: Partial<PermissionRules>): InvalidRule[] {
  const out: InvalidRule[] = [];
  for (const list of RULE_LISTS) {
    (rules[list] ?? []).forEach((text, index) => {
      const parsed = parseRule(text);
      if (!parsed.ok) {
        const message = `permissions.${list}[${index}]: ${JSON.stringify(text)} is not a valid rule: ${parsed.message}`;
        out.push({ list, index, message });
      }
    });
  }
  return out;
}

/**
 * Parse the three lists of each source. Invalid rules are dropped and reported as settings-diagnostic-style
 * strings (`.hearth/settings.json: permissions.deny[0]: "bash(curl" is not a valid rule: missing ")"`).
 */
export async function compileRules(
  sources: RuleSource[],
  home: string,
): Promise<{ rules: RuleSet; problems: string[] }> {
  const rules: RuleSet = { allow: [], ask: [], deny: [] };
  const problems: string[] = [];
  for (const source of sources) {
    for (const list of RULE_LISTS) {
      for (const text of source.rules[list] ?? []) {
        const parsed = parseRule(text);
        if (parsed.ok) rules[list].push({ ...parsed.rule, source: text.trim(), origin: source.origin, list });
      }
    }
    for (const invalid of invalidRules(source.rules)) problems.push(`${source.label}: ${invalid.message}`);
  }
  const all = [...rules.allow, ...rules.ask, ...rules.deny];
  if (all.some((rule) => rule.type === "path")) {
    // picomatch loads on first use: start-up does not pay for it when no rule has a path pattern.
    const { default: picomatch } = await import("picomatch");
    for (const rule of all) {
      if (rule.type !== "path") continue;
      const { anchor, glob, anyDepth } = rule.pattern;
      const homeGlob = escapeGlob(home.replace(/\\/g, "/").replace(/\/$/, ""));
      const full = anchor !== "home" ? glob : glob === "" ? homeGlob : `${homeGlob}/${glob}`;
      rule.matchPath = picomatch(full, { dot: true, basename: anyDepth });
    }
  }
  return { rules, problems };
}

/** Where a rule is written, for messages: `your settings permissions.deny`. */
export function ruleLocation(rule: Rule): string {
  const file = rule.origin === "project" ? PROJECT_SETTINGS_LABEL : "your settings";
  return `${file} permissions.${rule.list}`;
}

/** Does the rule name this tool (ignoring any specifier)? `read` covers all read tools, `edit` covers write. */
export function coversTool(rule: Rule, tool: string): boolean {
  switch (rule.type) {
    case "command":
      return tool === "bash";
    case "mcp-server":
      return tool.startsWith(`mcp__${rule.server}__`);
    default:
      if (rule.tool === tool) return true;
      if (rule.tool === "read") return READ_TOOLS.includes(tool);
      if (rule.tool === "edit") return EDIT_TOOLS.includes(tool);
      return false;
  }
}

/**
 * The first rule of `rules` that matches the call, or null. `how` decides compound commands:
 * - "restrict" (deny and ask rules): a bash rule matches when ANY simple command matches. Leading `NAME=value`
 *   words are skipped and `/usr/bin/curl` counts as `curl`, and a command the classifier found no simple
 *   commands in is matched word by word on its raw text: stricter rules should not miss.
 * - "allow": a call is allowed only when EVERY simple command matches some rule (the returned rule is the
 *   first one used), and words are compared exactly. A command that redirects output into a file is never
 *   matched: a rule names a command, not where its output may be written (`npm test > ~/.bashrc`).
 */
export function findRule(rules: Rule[], subject: RuleSubject, how: "allow" | "restrict"): Rule | null {
  const candidates = rules.filter((rule) => coversTool(rule, subject.tool));
  if (candidates.length === 0) return null;
  const whole = candidates.find((rule) => rule.type === "tool" || rule.type === "mcp-server");
  if (whole) return whole;
  if (subject.tool === "bash") return findCommandRule(candidates, subject, how);
  const path = subject.path;
  if (!path) return null;
  return candidates.find((rule) => rule.type === "path" && pathMatches(rule, path)) ?? null;
}

function findCommandRule(rules: Rule[], subject: RuleSubject, how: "allow" | "restrict"): Rule | null {
  const commandRules = rules.filter((rule) => rule.type === "command");
  const commands = subject.command?.classification.commands ?? [];
  if (how === "allow") {
    if (commands.length === 0 || redirectsToFile(subject.command?.text ?? "")) return null;
    let first: Rule | null = null;
    for (const argv of commands) {
      const rule = commandRules.find((r) => r.type === "command" && wordsMatch(r, argv));
      if (!rule) return null;
      first ??= rule;
    }
    return first;
  }
  const loose = commands.map(withoutAssignments);
  if (loose.length === 0 && subject.command) loose.push(...rawWordRuns(subject.command.text));
  return (
    commandRules.find(
      (rule) =>
        rule.type === "command" &&
        loose.some((argv) => wordsMatch(rule, argv) || wordsMatch(rule, withBaseName(argv))),
    ) ?? null
  );
}

function wordsMatch(rule: Rule, argv: string[]): boolean {
  if (rule.type !== "command") return false;
  const { words, prefix } = rule;
  if (words.length === 0) return true;
  if (prefix ? argv.length < words.length : argv.length !== words.length) return false;
  return words.every((word, i) => argv[i] === word);
}

function withoutAssignments(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length - 1 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i])) i++;
  return argv.slice(i);
}

function withBaseName(argv: string[]): string[] {
  if (argv.length === 0 || !argv[0].includes("/")) return argv;
  return [posix.basename(argv[0]), ...argv.slice(1)];
}

/** Every run of words between shell operators in a raw command line (a fallback for deny and ask rules). */
function rawWordRuns(text: string): string[][] {
  const runs: string[][] = [];
  for (const piece of text.split(/[;&|()`\n]|\$\(/)) {
    const words = piece.split(/\s+/).filter(Boolean);
    // Every suffix, so a rule can match from any word (`sudo curl x` meets `bash(curl:*)`).
    for (let i = 0; i < words.length; i++) runs.push(words.slice(i).map(unquoteLoosely));
  }
  return runs;
}

function unquoteLoosely(word: string): string {
  return word.replace(/["'\\]/g, "");
}

function pathMatches(rule: Rule, path: RequestPath): boolean {
  if (rule.type !== "path" || !rule.matchPath) return false;
  const candidates: string[] = [];
  if (rule.pattern.anchor !== "workspace") candidates.push(...withAncestors(path.real.replace(/\\/g, "/")));
  else {
    const relative = posix.normalize(path.relative.replace(/\\/g, "/"));
    if (relative === ".." || relative.startsWith("../") || posix.isAbsolute(relative)) return false;
    if (relative !== ".") candidates.push(...withAncestors(relative));
  }
  const match = rule.matchPath;
  return candidates.some((candidate) => match(candidate));
}

/** `a/b/c` -> `a/b/c`, `a/b`, `a`: a pattern matching a directory matches everything below it. */
function withAncestors(path: string): string[] {
  const out: string[] = [];
  let current = path;
  for (;;) {
    out.push(current);
    const parent = posix.dirname(current);
    if (parent === current || parent === "." || parent === "/") return out;
    current = parent;
  }
}

/** `text` as a glob that matches exactly it. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]{}()!+@]/g, "\\$&");
}

function parseMcp(name: string, spec: string | undefined): RuleParse {
  if (spec !== undefined) return fail("MCP rules name a tool and take no (...)");
  const rest = name.slice("mcp__".length);
  const split = rest.indexOf("__");
  const server = split < 0 ? rest : rest.slice(0, split);
  const tool = split < 0 ? "" : rest.slice(split + 2);
  if (!/^[A-Za-z0-9_-]+$/.test(server) || server.endsWith("_")) {
    return fail("expected mcp__server or mcp__server__tool");
  }
  if (tool === "" || tool === "*") return { ok: true, rule: { type: "mcp-server", server } };
  if (tool.includes("*")) return fail('an MCP rule is a whole server ("mcp__server") or one tool');
  return { ok: true, rule: { type: "tool", tool: name } };
}

function parseCommand(body: string): RuleParse {
  if (ANY.has(body)) return { ok: true, rule: { type: "command", words: [], prefix: true } };
  let text = body;
  let prefix = false;
  if (text.endsWith(":*")) {
    prefix = true;
    text = text.slice(0, -2);
  }
  const words = shellWords(text);
  if (typeof words === "string") return fail(words);
  if (!prefix && words.length > 1 && words[words.length - 1] === "*") {
    prefix = true;
    words.pop();
  }
  if (words.length === 0) return fail('no command before ":*"; write "bash" for any command');
  if (words.some((word) => word === "*")) return fail('"*" works only at the end ("bash(npm test:*)")');
  return { ok: true, rule: { type: "command", words, prefix } };
}

const OPERATOR = /[;&|<>()`]|\$\(/;

/**
 * Split a rule's command into words with shell quoting ('...', "...", backslash). Not a shell parser: rule text
 * is written by the user, and operators are refused because a bash rule matches one simple command.
 */
export function shellWords(text: string): string[] | string {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return "unterminated ' quote";
      word += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '"\\$`'.includes(text[j + 1])) j++;
        word += text[j];
      }
      if (j >= text.length) return 'unterminated " quote';
      i = j;
    } else if (c === "\\") {
      if (i + 1 < text.length) word += text[++i];
    } else if (OPERATOR.test(text.slice(i, i + 2))) {
      return "a bash rule matches one simple command: no operators or redirections (write one rule per command)";
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Does the command line send output into a file (`>`, `>>`, `&>`, `>|`, `>(...)`)? Quotes are respected;
 * descriptor copies (`2>&1`) and /dev/null, /dev/stdout, /dev/stderr are not files. Used only to withhold
 * allow rules, so an over-cautious yes costs a question, never safety.
 */
export function redirectsToFile(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return false;
      i = end;
    } else if (c === '"') {
      const start = i + 1;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      // A command substitution inside double quotes is still a command: look into it.
      const quoted = text.slice(start, i);
      if (/\$\(|`/.test(quoted) && redirectsToFile(quoted)) return true;
    } else if (c === ">") {
      let j = i + 1;
      if (text[j] === ">" || text[j] === "|") j++;
      if (text[j] === "&") {
        if (/^[0-9-]/.test(text[j + 1] ?? "")) {
          i = j + 1;
          continue;
        }
        j++;
      }
      while (text[j] === " " || text[j] === "\t") j++;
      const target = /^[^\s;&|<>()]*/.exec(text.slice(j))?.[0] ?? "";
      if (!/^(\/dev\/null|\/dev\/stdout|\/dev\/stderr)$/.test(target)) return true;
      i = j + target.length - 1;
    }
  }
  return false;
}

/** The inverse of `shellWords`: words quoted only where needed. */
export function quoteWords(words: string[]): string {
  return words
    .map((word) =>
      word !== "" && /^[A-Za-z0-9_@%+=:,./~^-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`,
    )
    .join(" ");
}

function parsePathPattern(body: string): PathPattern | string {
  if (body.includes("\0")) return "the pattern contains a NUL byte";
  if (body.startsWith("!")) return "negated patterns are not supported; put the path in another list instead";
  let glob = body;
  let anchor: PathPattern["anchor"] = "workspace";
  let anchored = false;
  if (glob.startsWith("//")) {
    anchor = "absolute";
    glob = glob.slice(1);
  } else if (glob === "~" || glob.startsWith("~/")) {
    anchor = "home";
    glob = glob.slice(2);
  } else if (glob.startsWith("/")) {
    anchored = true;
    glob = glob.slice(1);
  }
  while (glob.startsWith("./")) glob = glob.slice(2);
  // picomatch reads a leading "!" as "everything but": `/!x` would be every path except x.
  if (glob.startsWith("!"))
    return 'negated patterns are not supported; write "\\!" for a name that starts with "!"';
  if (glob.endsWith("/")) glob = `${glob}**`;
  if (anchor === "workspace" && glob.split("/").includes("..")) {
    return 'the pattern leaves the workspace with ".."; use "~/..." or "//absolute/..." for paths outside it';
  }
  if (glob === "" && anchor !== "home") return "empty pattern";
  const anyDepth = anchor === "workspace" && !anchored && !glob.includes("/");
  return { anchor, glob, anyDepth };
}

function fail(message: string): RuleParse {
  return { ok: false, message };
}
