/**
 * Shell parsing for the command classifier: turns a command string into a small AST of our own (pipelines of
 * simple commands and compound groups, with argv words, redirections and substitutions), with quoting resolved
 * wherever a word is static.
 *
 * Why tree-sitter-bash, through @vscode/tree-sitter-wasm: it is one npm package that ships the tree-sitter
 * runtime (JS + wasm) and a prebuilt bash grammar built as a matched pair (DEPS.md warns about mixing runtime
 * and grammar versions), with no install script, no native build and no download; it is maintained (VS Code
 * uses it) and runs on Node 20, 22 and 24. It understands bash: `$( )`, backticks, process substitution, all
 * quoting forms, heredocs, herestrings and redirections, and marks what it cannot parse with ERROR nodes.
 * Measured on this 2-core machine (Node 20/22/24, bundled): import 2-13 ms; runtime + grammar init + warm-up
 * parse 55-140 ms, once, on first use; then ~0.05 ms to parse and 0.02-0.25 ms to classify a typical command.
 * Rejected: sh-syntax (mvdan/sh as Go wasm) returns JSON without node types and takes ~7 ms per parse;
 * mvdan-sh (GopherJS) is deprecated upstream and takes ~140 ms to import; bash-parser is unmaintained.
 *
 * The runtime is loaded with createRequire rather than a static import so that bundlers leave it alone: it
 * is a UMD file that needs Node's own `require` and locates its .wasm files next to itself.
 */
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import type { Language, Parser, Node as TsNode } from "@vscode/tree-sitter-wasm";

/** A shell word. `value` is the word after quote removal when nothing in it is decided at run time. */
export type ShellWord = {
  /** The literal value (quotes and escapes resolved), or undefined when it has expansions or substitutions. */
  value: string | undefined;
  /** The source text as written. */
  raw: string;
  /** Unquoted glob characters (`*`, `?`, `[`) make `value` a pattern. */
  glob: boolean;
  /** Scripts run by `$( )`, backticks and `<( )`/`>( )` inside the word. */
  substitutions: ShellScript[];
};

export type ShellRedirect = {
  /** The operator as written: `>`, `>>`, `&>`, `&>>`, `>|`, `<`, `>&`, `<&`, `<<`, `<<-`, `<<<`. */
  op: string;
  /** The file descriptor before the operator (`2>`), if any. */
  fd: string | undefined;
  /** The target file, fd number or heredoc delimiter. */
  target: ShellWord | undefined;
  /** The text fed on stdin by a heredoc or herestring. */
  input: ShellWord | undefined;
};

export type SimpleCommand = {
  kind: "simple";
  /** `NAME=value` prefixes. */
  assignments: { name: string; value: ShellWord }[];
  /** argv; empty for a bare assignment or redirection. */
  words: ShellWord[];
  redirects: ShellRedirect[];
};

/** A compound command (subshell, `{ }`, if, loops, case, function definition, `[[ ]]`, `!`): its body and words. */
export type CompoundCommand = {
  kind: "compound";
  /** The tree-sitter node type, e.g. "subshell", "if_statement", "function_definition", "test_command". */
  type: string;
  body: ShellScript;
  /** Words evaluated by the construct itself (loop lists, case subjects, test operands). */
  words: ShellWord[];
  redirects: ShellRedirect[];
};

export type ShellStage = SimpleCommand | CompoundCommand;
export type ShellPipeline = { stages: ShellStage[] };
/** Statements in order; `&&`, `||`, `;`, `&` and newlines all just separate them. */
export type ShellScript = { statements: ShellPipeline[] };

export type ParsedShell = {
  script: ShellScript;
  /** False when the parser hit a syntax error (the script then holds what could be recovered). */
  complete: boolean;
};

export type ShellParser = (source: string) => ParsedShell;

let loading: Promise<ShellParser> | undefined;

/** Loads the parser once (about 0.1 s) and returns a synchronous parse function. Await it early to pre-warm. */
export function loadShellParser(): Promise<ShellParser> {
  loading ??= init().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function init(): Promise<ShellParser> {
  // V8 re-compiles hot wasm with its optimising tier, and for this module that blocks the main thread for
  // about 0.7 s shortly after the first parse on Node 20 (measured: an event-loop stall that delayed Ctrl-C). The baseline
  // tier parses a command in well under a millisecond, so keep it. Affects only wasm compiled from now on,
  // and tree-sitter is hearth's only wasm.
  // Node 20 honours --liftoff-only set at run time; Node 24 needs tier-up off as well, or process.exit waits
  // for the background recompile (about 2 s, measured).
  for (const flag of ["--liftoff-only", "--no-wasm-tier-up", "--no-wasm-dynamic-tiering"])
    setFlagsFromString(flag);
  const require = createRequire(import.meta.url);
  const runtime = require("@vscode/tree-sitter-wasm") as typeof import("@vscode/tree-sitter-wasm");
  const wasmDir = require.resolve("@vscode/tree-sitter-wasm/wasm/tree-sitter.wasm").replace(/[^/\\]+$/, "");
  await runtime.Parser.init({ locateFile: (file: string) => wasmDir + file });
  const bash: Language = await runtime.Language.load(`${wasmDir}tree-sitter-bash.wasm`);
  const parser: Parser = new runtime.Parser();
  parser.setLanguage(bash);
  // V8 compiles wasm functions on first use: pay for it here, so that awaiting this once warms everything.
  parser.parse(`cd x && echo "$(ls -la 'a')" | grep -e y > /dev/null 2>&1 <<EOF\n$z\nEOF\n`)?.delete();
  return (source) => {
    const tree = parser.parse(source);
    if (!tree) return { script: { statements: [] }, complete: false };
    try {
      truncated = false;
      const script = toScript(tree.rootNode);
      return { script, complete: !tree.rootNode.hasError && !truncated };
    } finally {
      tree.delete();
    }
  };
}

/** Deeper nesting than this (of substitutions, compounds, expansions) is cut off and the parse marked incomplete. */
const MAX_NESTING = 100;
let nesting = 0;
let truncated = false;

/** Runs `convert` one level deeper, or returns `empty` past MAX_NESTING. */
function nested<T>(empty: T, convert: () => T): T {
  if (nesting >= MAX_NESTING) {
    truncated = true;
    return empty;
  }
  nesting++;
  try {
    return convert();
  } finally {
    nesting--;
  }
}

const STATEMENTS = new Set([
  "command",
  "pipeline",
  "list",
  "redirected_statement",
  "subshell",
  "compound_statement",
  "if_statement",
  "while_statement",
  "for_statement",
  "c_style_for_statement",
  "case_statement",
  "function_definition",
  "negated_command",
  "test_command",
  "declaration_command",
  "unset_command",
  "variable_assignment",
  "variable_assignments",
]);
const WORDS = new Set([
  "word",
  "string",
  "raw_string",
  "ansi_c_string",
  "translated_string",
  "concatenation",
  "number",
  "simple_expansion",
  "expansion",
  "arithmetic_expansion",
  "command_substitution",
  "process_substitution",
  "brace_expression",
  "array",
]);
const REDIRECTS = new Set(["file_redirect", "heredoc_redirect", "herestring_redirect"]);

function children(node: TsNode): TsNode[] {
  const out: TsNode[] = [];
  for (let i = 0; i < node.childCount; i++) {
    const child = node.child(i);
    if (child) out.push(child);
  }
  return out;
}

function toScript(node: TsNode): ShellScript {
  const statements: ShellPipeline[] = [];
  collect(node, statements, []);
  return { statements };
}

/** Walks a container node: statements go to `out`, words evaluated by the container to `words`. */
function collect(node: TsNode, out: ShellPipeline[], words: ShellWord[]): void {
  nested(undefined, () => collectChildren(node, out, words));
}

function collectChildren(node: TsNode, out: ShellPipeline[], words: ShellWord[]): void {
  for (const child of children(node)) {
    if (!child.isNamed) continue;
    if (child.type === "list")
      collectChildren(child, out, words); // `a && b && c` nests lists: not deeper
    else if (STATEMENTS.has(child.type)) out.push(toPipeline(child));
    else if (WORDS.has(child.type)) words.push(toWord(child));
    else if (REDIRECTS.has(child.type)) {
      // A redirection without a command (`> file`) is still a write.
      const extra: ShellWord[] = [];
      const redirects = toRedirects(child, extra);
      out.push({ stages: [{ kind: "simple", assignments: [], words: extra, redirects }] });
    } else if (child.type !== "comment" && child.type !== "variable_name") collect(child, out, words);
  }
}

function toPipeline(node: TsNode): ShellPipeline {
  if (node.type !== "pipeline") return { stages: [toStage(node)] };
  return {
    stages: children(node)
      .filter((c) => c.isNamed && c.type !== "comment")
      .map(toStage),
  };
}

function toStage(node: TsNode): ShellStage {
  switch (node.type) {
    case "command":
      return toCommand(node);
    case "redirected_statement": {
      const extra: ShellWord[] = [];
      const redirects = children(node)
        .filter((c) => REDIRECTS.has(c.type))
        .flatMap((c) => toRedirects(c, extra));
      const body = node.childForFieldName("body");
      if (!body) return { kind: "simple", assignments: [], words: extra, redirects };
      const stage = toStage(body);
      stage.words.push(...extra);
      stage.redirects.push(...redirects);
      return stage;
    }
    case "variable_assignment":
    case "variable_assignments": {
      const assignments = node.type === "variable_assignment" ? [node] : children(node);
      return { kind: "simple", assignments: assignments.flatMap(toAssignment), words: [], redirects: [] };
    }
    case "declaration_command":
    case "unset_command": {
      const words = children(node).map((c) =>
        c.type === "variable_assignment" ? assignmentWord(c) : c.isNamed ? toWord(c) : literal(c.text),
      );
      return { kind: "simple", assignments: [], words, redirects: [] };
    }
    default: {
      const words: ShellWord[] = [];
      const statements: ShellPipeline[] = [];
      if (node.type === "pipeline") statements.push(toPipeline(node));
      else collect(node, statements, words);
      return { kind: "compound", type: node.type, body: { statements }, words, redirects: [] };
    }
  }
}

function toCommand(node: TsNode): SimpleCommand {
  const command: SimpleCommand = { kind: "simple", assignments: [], words: [], redirects: [] };
  const source = node.text;
  let lastEnd = -1;
  const add = (child: TsNode, word: ShellWord) => {
    // tree-sitter splits `r\<newline>m` in two; bash removes the line continuation first: one word.
    const gap = source.slice(lastEnd - node.startIndex, child.startIndex - node.startIndex);
    const last = command.words[command.words.length - 1];
    if (last && lastEnd >= 0 && /^(\\\n)+$/.test(gap))
      command.words[command.words.length - 1] = join(last, word);
    else command.words.push(word);
    lastEnd = child.endIndex;
  };
  for (let i = 0; i < node.childCount; i++) {
    const child = node.child(i);
    if (!child) continue;
    if (child.type === "variable_assignment") command.assignments.push(...toAssignment(child));
    else if (child.type === "command_name") {
      const inner = child.namedChild(0);
      add(child, inner ? toWord(inner) : literal(child.text));
    } else if (REDIRECTS.has(child.type)) command.redirects.push(...toRedirects(child, command.words));
    else if (child.type === "comment") continue;
    else if (child.isNamed || node.fieldNameForChild(i) === "argument") add(child, toWord(child));
  }
  return command;
}

function join(a: ShellWord, b: ShellWord): ShellWord {
  const value = a.value === undefined || b.value === undefined ? undefined : a.value + b.value;
  return {
    value,
    raw: a.raw + b.raw,
    glob: a.glob || b.glob,
    substitutions: [...a.substitutions, ...b.substitutions],
  };
}

function toAssignment(node: TsNode): { name: string; value: ShellWord }[] {
  if (node.type !== "variable_assignment") return [];
  const name = node.childForFieldName("name")?.text ?? "";
  const valueNode = node.childForFieldName("value");
  return [{ name, value: valueNode ? toWord(valueNode) : literal("") }];
}

/** `export A=$(x)` as one word `A=...` (static when the value is). */
function assignmentWord(node: TsNode): ShellWord {
  const [assignment] = toAssignment(node);
  if (!assignment) return literal(node.text);
  const { name, value } = assignment;
  return {
    value: value.value === undefined ? undefined : `${name}=${value.value}`,
    raw: node.text,
    glob: value.glob,
    substitutions: value.substitutions,
  };
}

/**
 * The redirections in `node`. Words after a redirection's target are arguments of the command in bash
 * (`rm > /dev/null -rf ~` is `rm -rf ~`), though tree-sitter puts them inside the redirect: they go to `extra`.
 */
function toRedirects(node: TsNode, extra: ShellWord[]): ShellRedirect[] {
  const parts = children(node);
  const op = parts.find((c) => !c.isNamed)?.text ?? "";
  const fd = parts.find((c) => c.type === "file_descriptor")?.text;
  const words: ShellWord[] = [];
  const nested: ShellRedirect[] = [];
  for (let i = 0; i < parts.length; i++) {
    const field = node.fieldNameForChild(i);
    if (field === "destination" || field === "argument") words.push(toWord(parts[i]));
    else if (REDIRECTS.has(parts[i].type)) nested.push(...toRedirects(parts[i], extra));
  }
  if (node.type === "heredoc_redirect") {
    const start = parts.find((c) => c.type === "heredoc_start");
    const body = parts.find((c) => c.type === "heredoc_body");
    extra.push(...words);
    const input = body ? heredocWord(body) : literal("");
    return [{ op, fd, target: start ? literal(start.text) : undefined, input }, ...nested];
  }
  if (words.length === 0) {
    const word = parts.find((c) => c.isNamed && WORDS.has(c.type));
    if (word) words.push(toWord(word));
  }
  const [target, ...rest] = words;
  extra.push(...rest);
  if (node.type === "herestring_redirect") return [{ op, fd, target: undefined, input: target }, ...nested];
  return [{ op, fd, target, input: undefined }, ...nested];
}

function heredocWord(node: TsNode): ShellWord {
  const substitutions = findSubstitutions(node);
  const dynamic = children(node).some((c) => c.isNamed && c.type !== "heredoc_content");
  return { value: dynamic ? undefined : node.text, raw: node.text, glob: false, substitutions };
}

/** A static word with this value (for option values split out of `--name=value`, synthesized paths, ...). */
export function literal(text: string): ShellWord {
  return { value: text, raw: text, glob: false, substitutions: [] };
}

function toWord(node: TsNode): ShellWord {
  return nested({ value: undefined, raw: "", glob: false, substitutions: [] }, () => convertWord(node));
}

function convertWord(node: TsNode): ShellWord {
  const raw = node.text;
  switch (node.type) {
    case "word":
      return unquoted(raw);
    case "number":
      return literal(raw);
    case "raw_string":
      return literal(raw.slice(1, -1));
    case "ansi_c_string": {
      const value = ansiC(raw.slice(2, -1));
      return { value, raw, glob: false, substitutions: [] };
    }
    case "string":
    case "translated_string":
      return doubleQuoted(node);
    case "concatenation": {
      const parts = children(node).map((c) => (c.isNamed ? toWord(c) : unquoted(c.text)));
      const dynamic = parts.some((p) => p.value === undefined);
      const value = dynamic ? undefined : parts.map((p) => p.value).join("");
      // `{a,b}` splits into separate words; treat any unquoted brace expansion as dynamic.
      const brace = /\{[^}]*(,|\.\.)[^}]*\}/.test(
        children(node)
          .map((c) => (c.type === "word" || !c.isNamed ? c.text : "_"))
          .join(""),
      );
      return {
        value: brace ? undefined : value,
        raw,
        glob: parts.some((p) => p.glob),
        substitutions: parts.flatMap((p) => p.substitutions),
      };
    }
    case "command_substitution":
    case "process_substitution":
      return { value: undefined, raw, glob: false, substitutions: [toScript(node)] };
    default:
      return { value: undefined, raw, glob: false, substitutions: findSubstitutions(node) };
  }
}

/** Substitutions anywhere below `node` (in `${x:-$(cmd)}`, `$(( $(cmd) ))`, heredoc bodies, ...). */
function findSubstitutions(node: TsNode): ShellScript[] {
  return nested([], () => substitutionsBelow(node));
}

function substitutionsBelow(node: TsNode): ShellScript[] {
  const out: ShellScript[] = [];
  for (const child of children(node)) {
    if (child.type === "command_substitution" || child.type === "process_substitution")
      out.push(toScript(child));
    else out.push(...findSubstitutions(child));
  }
  return out;
}

/** An unquoted word: backslash escapes removed; unescaped glob or brace characters noted. */
function unquoted(text: string): ShellWord {
  let value = "";
  let glob = false;
  let brace = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") {
      if (text[i + 1] !== "\n" && i + 1 < text.length) value += text[i + 1];
      i++;
      continue;
    }
    if (ch === "*" || ch === "?" || ch === "[") glob = true;
    if (ch === "{" && /^\{[^}]*(,|\.\.)[^}]*\}/.test(text.slice(i))) brace = true;
    value += ch;
  }
  return { value: brace ? undefined : value, raw: text, glob, substitutions: [] };
}

function doubleQuoted(node: TsNode): ShellWord {
  let value: string | undefined = "";
  const substitutions: ShellScript[] = [];
  const source = node.text;
  const base = node.startIndex;
  let pos = source.startsWith('$"') ? 2 : 1;
  const end = source.length - 1;
  const addText = (text: string) => {
    if (value !== undefined)
      value += text.replace(/\\([\\"$`])|\\\n/g, (_m, c: string | undefined) => c ?? "");
  };
  for (const child of children(node)) {
    const from = child.startIndex - base;
    const to = child.endIndex - base;
    if (!child.isNamed || child.type === "string_content") continue;
    addText(source.slice(pos, from));
    const word = toWord(child);
    substitutions.push(...word.substitutions);
    value = undefined;
    pos = to;
  }
  addText(source.slice(pos, end));
  return { value, raw: source, glob: false, substitutions };
}

const C_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/** Decodes the body of `$'...'`; undefined for escapes we do not decode. */
function ansiC(body: string): string | undefined {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== "\\") {
      out += body[i];
      continue;
    }
    const next = body[i + 1] ?? "";
    const simple = C_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const hex = /^x([0-9a-fA-F]{1,2})/.exec(body.slice(i + 1));
    const octal = /^([0-7]{1,3})/.exec(body.slice(i + 1));
    const unicode = /^(?:u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8}))/.exec(body.slice(i + 1));
    if (hex) {
      out += String.fromCharCode(Number.parseInt(hex[1], 16));
      i += hex[0].length;
    } else if (octal) {
      out += String.fromCharCode(Number.parseInt(octal[1], 8));
      i += octal[0].length;
    } else if (unicode) {
      const code = Number.parseInt(unicode[1] ?? unicode[2], 16);
      if (code > 0x10ffff) return undefined;
      out += String.fromCodePoint(code);
      i += unicode[0].length;
    } else return undefined;
  }
  return out;
}

// ---- argv helpers ----

export type Opt = { name: string; value: ShellWord | undefined };

/** Splits options from operands; `valueOptions` take the next word (or the rest of a short cluster). */
export function splitArgs(args: ShellWord[], valueOptions: readonly string[] = [], stopAtOperand = false) {
  const opts: Opt[] = [];
  const operands: ShellWord[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i].value;
    if (a === undefined || a === "-" || !a.startsWith("-")) {
      operands.push(args[i]);
      if (stopAtOperand) {
        operands.push(...args.slice(i + 1));
        break;
      }
    } else if (a === "--") {
      operands.push(...args.slice(i + 1));
      break;
    } else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) opts.push({ name: a.slice(0, eq), value: literal(a.slice(eq + 1)) });
      else if (valueOptions.includes(a)) opts.push({ name: a, value: args[++i] });
      else opts.push({ name: a, value: undefined });
    } else {
      for (let j = 1; j < a.length; j++) {
        const name = `-${a[j]}`;
        if (!valueOptions.includes(name)) {
          opts.push({ name, value: undefined });
          continue;
        }
        const rest = a.slice(j + 1);
        opts.push({ name, value: rest ? literal(rest) : args[++i] });
        break;
      }
    }
  }
  return { opts, operands };
}
export const has = (opts: Opt[], ...names: string[]) => opts.some((o) => names.includes(o.name));
export const optValues = (opts: Opt[], ...names: string[]) =>
  opts.filter((o) => names.includes(o.name)).flatMap((o) => (o.value ? [o.value] : []));
