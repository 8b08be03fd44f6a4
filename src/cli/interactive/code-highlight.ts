/**
 * A small syntax highlighter for the fenced code blocks of an answer: comments, strings, numbers and keywords,
 * one line at a time (a block comment carries over to the next line in `state`). Not a parser: it only has to
 * make code easier to read, and it never changes the text, only which style goes round each piece.
 */
import type { Style, Theme } from "./theme.ts";

export type Span = { text: string; style?: Style };

/** What one line leaves open for the next: a `/* ...` comment not yet closed. */
export type HighlightState = { inBlockComment: boolean };

type Grammar = {
  lineComment?: string;
  blockComment?: [string, string];
  quotes: string;
  keywords: ReadonlySet<string>;
};

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

const C_LIKE_KEYWORDS = words(`
  abstract as async await break case catch class const continue debugger default defer delete do else enum export
  extends false final finally fn for from func function go if impl implements import in instanceof interface let
  loop match mod module mut namespace new nil null package private protected pub public readonly return self
  static struct super switch this throw throws trait true try type typeof undefined use var void where while
  yield int char long short double float bool boolean string number unsigned signed sizeof typedef include define
`);
const PYTHON_KEYWORDS = words(`
  and as assert async await break class continue def del elif else except False finally for from global if import
  in is lambda None nonlocal not or pass raise return True try while with yield self match case
`);
const SHELL_KEYWORDS = words(`
  if then else elif fi for while until do done case esac in function return local export readonly set unset
  echo cd exit source alias true false
`);
const RUBY_KEYWORDS = words(`
  alias and begin break case class def defined do else elsif end ensure false for if in module next nil not or
  redo rescue retry return self super then true undef unless until when while yield require
`);
const SQL_KEYWORDS = words(`
  select from where insert into values update set delete create table drop alter index join left right inner
  outer on group by order having limit offset as and or not null primary key foreign references distinct union
  SELECT FROM WHERE INSERT INTO VALUES UPDATE SET DELETE CREATE TABLE DROP ALTER INDEX JOIN LEFT RIGHT INNER
  OUTER ON GROUP BY ORDER HAVING LIMIT OFFSET AS AND OR NOT NULL PRIMARY KEY FOREIGN REFERENCES DISTINCT UNION
`);
const JSON_KEYWORDS = words("true false null");

const C_LIKE: Grammar = {
  lineComment: "//",
  blockComment: ["/*", "*/"],
  quotes: `"'\``,
  keywords: C_LIKE_KEYWORDS,
};
const GRAMMARS: Record<string, Grammar> = {
  python: { lineComment: "#", quotes: `"'`, keywords: PYTHON_KEYWORDS },
  shell: { lineComment: "#", quotes: `"'`, keywords: SHELL_KEYWORDS },
  ruby: { lineComment: "#", quotes: `"'`, keywords: RUBY_KEYWORDS },
  sql: { lineComment: "--", quotes: `"'`, keywords: SQL_KEYWORDS },
  json: { quotes: `"`, keywords: JSON_KEYWORDS },
  yaml: { lineComment: "#", quotes: `"'`, keywords: JSON_KEYWORDS },
  c: C_LIKE,
};
const ALIASES: Record<string, string> = {
  js: "c",
  javascript: "c",
  jsx: "c",
  mjs: "c",
  cjs: "c",
  ts: "c",
  typescript: "c",
  tsx: "c",
  java: "c",
  cpp: "c",
  "c++": "c",
  h: "c",
  hpp: "c",
  cs: "c",
  csharp: "c",
  go: "c",
  golang: "c",
  rust: "c",
  rs: "c",
  kotlin: "c",
  kt: "c",
  swift: "c",
  scala: "c",
  php: "c",
  dart: "c",
  jsonc: "c",
  py: "python",
  python3: "python",
  sh: "shell",
  bash: "shell",
  zsh: "shell",
  shell: "shell",
  console: "shell",
  rb: "ruby",
  toml: "yaml",
  yml: "yaml",
  dockerfile: "shell",
  makefile: "shell",
};

/** The grammar for a fence's language tag, or undefined when the language is not known (shown plain). */
function grammarFor(lang: string): Grammar | undefined {
  const key = lang.toLowerCase();
  return GRAMMARS[ALIASES[key] ?? key];
}

export function isKnownLanguage(lang: string): boolean {
  return grammarFor(lang) !== undefined;
}

/** One line of code as styled spans; the spans' texts joined are exactly `line`. */
export function highlightLine(line: string, lang: string, theme: Theme, state: HighlightState): Span[] {
  const grammar = grammarFor(lang);
  if (!grammar) return [{ text: line }];
  const spans: Span[] = [];
  const comment = theme.dim;
  let plain = "";
  const push = (text: string, style?: Style) => {
    if (plain) spans.push({ text: plain });
    plain = "";
    if (text) spans.push({ text, style });
  };
  let i = 0;
  while (i < line.length) {
    if (state.inBlockComment && grammar.blockComment) {
      const close = line.indexOf(grammar.blockComment[1], i);
      const end = close === -1 ? line.length : close + grammar.blockComment[1].length;
      push(line.slice(i, end), comment);
      if (close !== -1) state.inBlockComment = false;
      i = end;
      continue;
    }
    const rest = line.slice(i);
    if (grammar.lineComment && rest.startsWith(grammar.lineComment)) {
      push(rest, comment);
      break;
    }
    if (grammar.blockComment && rest.startsWith(grammar.blockComment[0])) {
      state.inBlockComment = true;
      push(grammar.blockComment[0], comment);
      i += grammar.blockComment[0].length;
      continue;
    }
    const char = line[i];
    if (grammar.quotes.includes(char)) {
      let end = i + 1;
      while (end < line.length && line[end] !== char) end += line[end] === "\\" ? 2 : 1;
      end = Math.min(line.length, end + 1);
      push(line.slice(i, end), theme.green);
      i = end;
      continue;
    }
    const word = /^[A-Za-z_$][\w$]*/.exec(rest)?.[0];
    if (word) {
      if (grammar.keywords.has(word)) push(word, theme.magenta);
      else plain += word;
      i += word.length;
      continue;
    }
    const number = /^\d[\w.]*/.exec(rest)?.[0];
    if (number) {
      push(number, theme.yellow);
      i += number.length;
      continue;
    }
    plain += char;
    i++;
  }
  push("");
  return spans;
}
