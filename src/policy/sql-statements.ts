/**
 * Reads SQL text (and the client commands mixed into it: psql's `\i`, `\!`, `\o`; sqlite's `.read`,
 * `.shell`; mysql's `source`, `system`) and says what it may destroy, which files it runs, which shell
 * commands it starts and which files it writes. Pure: the database-client handlers read the files.
 *
 * Destructive: DROP (any object, `ALTER ... DROP` included), TRUNCATE, DELETE without WHERE, UPDATE without
 * WHERE (a WHERE that is always true counts as none), and sqlite's `.restore`. Comments are skipped and string
 * literals are data, except in statements that run strings as SQL (EXECUTE, PREPARE, DO, ...), where they are
 * read as SQL too. Dollar-quoted bodies (`DO $$ ... $$`, function bodies) are read as SQL.
 */

export type SqlFindings = {
  /** What would destroy data, e.g. "DROP TABLE users", "DELETE FROM logs without WHERE". */
  destructive: string[];
  /** Files the client runs as more SQL (`\i f`, `.read f`, `source f`). */
  includes: string[];
  /** Shell commands the client or the server runs (`\! cmd`, `.shell cmd`, `COPY ... PROGRAM 'cmd'`). */
  shell: string[];
  /** Files the client writes (`\o f`, `.output f`, `\copy ... to 'f'`). */
  outputs: string[];
  /** Other things that cannot be checked (`\gexec`, `.load`, `\e`). */
  unknown: string[];
};

type Token = { kind: "word" | "string" | "punct"; text: string };

const MAX_DEPTH = 4;
/** Statements that run text given as a string: their strings are read as SQL. */
const DYNAMIC = new Set(["EXECUTE", "EXEC", "PREPARE", "DO", "SP_EXECUTESQL", "CALL"]);
/** Words before DELETE or UPDATE that make it a privilege, a foreign-key action or a lock, not a statement. */
const NOT_A_STATEMENT = new Set(["ON", "GRANT", "REVOKE", "FOR", "DO", "KEY", ",", "BEFORE", "AFTER", "OF"]);

export function inspectSql(text: string, depth = 0): SqlFindings {
  const found = inspect(text, depth, false);
  // mysql reads `\'` inside a string as a quote, standard SQL as the end of the string: read it both ways.
  if (/\\./.test(text) && text.includes("'")) {
    merge(found, inspect(text, depth, true));
    for (const key of KEYS) found[key] = [...new Set(found[key])];
  }
  return found;
}

function inspect(text: string, depth: number, backslashes: boolean): SqlFindings {
  const found: SqlFindings = { destructive: [], includes: [], shell: [], outputs: [], unknown: [] };
  if (depth > MAX_DEPTH) {
    found.unknown.push("SQL nested too deeply to check");
    return found;
  }
  const { statements, bodies } = tokenize(text, found, backslashes);
  for (const body of bodies) merge(found, inspectSql(body, depth + 1));
  for (const statement of statements) {
    inspectStatement(statement, found);
    if (statement.some((t) => t.kind === "word" && DYNAMIC.has(t.text.toUpperCase()))) {
      for (const t of statement) if (t.kind === "string") merge(found, inspectSql(t.text, depth + 1));
    }
  }
  return found;
}

const KEYS = ["destructive", "includes", "shell", "outputs", "unknown"] as const;

function merge(into: SqlFindings, from: SqlFindings): void {
  for (const key of KEYS) into[key].push(...from[key]);
}

function inspectStatement(tokens: Token[], found: SqlFindings): void {
  // Keywords upper-cased; a string is only ever data here.
  const upper = tokens.map((t) =>
    t.kind === "word" ? t.text.toUpperCase() : t.kind === "string" ? "'…'" : t.text,
  );
  const depths: number[] = [];
  let depth = 0;
  for (const t of upper) {
    if (t === ")") depth--;
    depths.push(depth);
    if (t === "(") depth++;
  }
  /** What a statement acts on, for the reason: `TABLE users`, `FROM logs`. */
  const object = (from: number, count = 2) =>
    tokens
      .slice(from)
      .map((t, j) => [upper[from + j], KEYWORDS.has(upper[from + j]) ? upper[from + j] : t.text])
      .filter(([word]) => !/^(IF|EXISTS|ONLY)$/.test(word))
      .map(([, shown]) => shown)
      .slice(0, count)
      .join(" ");
  /** Whether a WHERE that is not always true follows at the same depth. */
  const filtered = (from: number): boolean => {
    const level = depths[from];
    const at = upper.findIndex((t, j) => j > from && t === "WHERE" && depths[j] === level);
    if (at < 0 || upper.slice(from, at).some((_, j) => depths[from + j] < level)) return false;
    const cond: string[] = [];
    for (let j = at + 1; j < upper.length && depths[j] >= level; j++) {
      if (depths[j] === level && CLAUSES.has(upper[j])) break;
      cond.push(upper[j]);
    }
    const text = cond.join(" ").replace(/\b(\d+) = \1\b/g, "1 = 1");
    return !/^(1|TRUE|1 = 1|'…' = '…')( OR .*)?$/.test(text);
  };
  const statementWord = (i: number) =>
    !NOT_A_STATEMENT.has(upper[i - 1] ?? "") && !/^(CASCADE|RESTRICT|SET|NO)$/.test(upper[i + 1] ?? "");
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].kind !== "word") continue;
    const word = upper[i];
    if (word === "DROP") found.destructive.push(`DROP ${object(i + 1)}`.trim());
    else if (word === "TRUNCATE" && upper[i + 1] !== "(")
      found.destructive.push(`TRUNCATE ${object(i + 1)}`.trim());
    else if ((word === "DELETE" || word === "UPDATE") && statementWord(i) && !filtered(i)) {
      found.destructive.push(`${word} ${object(i + 1, word === "DELETE" ? 2 : 1)} without WHERE`);
    } else if (word === "PROGRAM" && tokens[i + 1]?.kind === "string") found.shell.push(tokens[i + 1].text);
  }
}

const KEYWORDS = new Set(
  "TABLE DATABASE SCHEMA VIEW INDEX COLUMN CONSTRAINT FROM USER ROLE OWNED FUNCTION SEQUENCE TYPE TRIGGER EXTENSION KEYSPACE MATERIALIZED PROCEDURE".split(
    " ",
  ),
);
/** Clauses that end a WHERE condition. */
const CLAUSES = new Set(["ORDER", "LIMIT", "RETURNING", "GROUP", "OFFSET", "OUTPUT"]);

// ---- tokenizer ---------------------------------------------------------------------------------------------

/** Splits SQL into statements of tokens; client commands go straight into `found`. */
function tokenize(
  text: string,
  found: SqlFindings,
  backslashes: boolean,
): { statements: Token[][]; bodies: string[] } {
  const statements: Token[][] = [];
  const bodies: string[] = [];
  let current: Token[] = [];
  let i = 0;
  const end = () => {
    if (current.length > 0) statements.push(current);
    current = [];
  };
  while (i < text.length) {
    const c = text[i];
    const command = current.length === 0 && (c === "." || /^(source|system)\s/i.test(text.slice(i, i + 7)));
    if (command && atLineStart(text, i)) {
      const eol = lineEnd(text, i);
      clientCommand(text.slice(i, eol).trim(), found);
      i = eol;
    } else if (c === "\\") {
      const eol = lineEnd(text, i);
      clientCommand(text.slice(i, eol).trim(), found);
      i = eol;
    } else if (/\s/.test(c)) i++;
    else if (c === "-" && text[i + 1] === "-") i = lineEnd(text, i);
    else if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? text.length : close + 2;
    } else if (c === "'" || ((c === "E" || c === "e") && text[i + 1] === "'")) {
      const start = c === "'" ? i : i + 1;
      const [value, next] = quoted(text, start, "'", backslashes || c !== "'");
      current.push({ kind: "string", text: value });
      i = next;
    } else if (c === '"' || c === "`" || c === "[") {
      const [value, next] = quoted(text, i, c === "[" ? "]" : c, false);
      current.push({ kind: "word", text: value });
      i = next;
    } else if (c === "$" && /^\$(\w*)\$/.test(text.slice(i))) {
      const tag = /^\$(\w*)\$/.exec(text.slice(i))?.[0] ?? "$$";
      const close = text.indexOf(tag, i + tag.length);
      bodies.push(text.slice(i + tag.length, close < 0 ? undefined : close));
      current.push({ kind: "string", text: "" });
      i = close < 0 ? text.length : close + tag.length;
    } else if (c === ";") {
      end();
      i++;
    } else if (/[\w$@#]/.test(c)) {
      // `schema.table` stays one word.
      const m = /^[\w$@#.]+/.exec(text.slice(i))?.[0] ?? c;
      current.push({ kind: "word", text: m });
      i += m.length;
    } else {
      current.push({ kind: "punct", text: c });
      i++;
    }
  }
  end();
  return { statements, bodies };
}

function atLineStart(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
  return i < 0 || text[i] === "\n";
}

function lineEnd(text: string, from: number): number {
  const eol = text.indexOf("\n", from);
  return eol < 0 ? text.length : eol;
}

/** A quoted string from `start` (at the opening quote): its value and the index after it. */
function quoted(text: string, start: number, close: string, backslash: boolean): [string, number] {
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (backslash && c === "\\") value += text[++i] ?? "";
    else if (c === close && text[i + 1] === close && close !== "]") {
      value += c;
      i++;
    } else if (c === close) return [value, i + 1];
    else value += c;
  }
  return [value, text.length];
}

// ---- client commands ---------------------------------------------------------------------------------------

/** One client command line: `\i f`, `\! cmd`, `.read f`, `source f`, ... */
function clientCommand(line: string, found: SqlFindings): void {
  const m = /^(\\[!.]|\\\w+|\.\w+|source|system)\s*([\s\S]*)$/i.exec(line);
  if (!m) return;
  const command = m[1].toLowerCase();
  const arg = m[2].trim();
  const file = unquote(arg.split(/\s+/)[0] ?? "");
  const piped = (target: string) => {
    if (target.startsWith("|")) found.shell.push(target.slice(1).trim());
    else if (target) found.outputs.push(unquote(target));
  };
  switch (command) {
    case "\\i":
    case "\\ir":
    case "\\include":
    case "\\include_relative":
    case "\\.":
    case ".read":
    case "source":
      if (file) found.includes.push(file);
      return;
    case "\\!":
    case ".shell":
    case ".system":
    case "system":
      found.shell.push(arg);
      return;
    case "\\o":
    case "\\out":
    case "\\g":
    case "\\gx":
    case "\\w":
    case "\\write":
    case ".output":
    case ".once":
      piped(arg);
      return;
    case ".backup":
    case ".save": {
      const parts = arg.split(/\s+/).filter(Boolean);
      if (parts.length > 0) found.outputs.push(unquote(parts[parts.length - 1]));
      return;
    }
    case "\\copy": {
      const target = /\b(to|from)\s+(program\s+)?('(?:[^']|'')*'|\S+)/i.exec(arg);
      if (!target) return;
      const value = unquote(target[3]);
      if (target[2]) found.shell.push(value);
      else if (target[1].toLowerCase() === "to" && !/^(stdout|pstdout)$/i.test(value))
        found.outputs.push(value);
      return;
    }
    case ".restore":
      found.destructive.push(".restore replaces the database");
      return;
    case "\\gexec":
    case "\\e":
    case "\\edit":
    case "\\ef":
    case "\\ev":
    case ".load":
    case ".import":
    case "\\setenv":
      found.unknown.push(`${command} cannot be checked`);
      return;
    default:
      return;
  }
}

function unquote(word: string): string {
  if (/^'.*'$/s.test(word)) return word.slice(1, -1).replace(/''/g, "'");
  if (/^".*"$/s.test(word)) return word.slice(1, -1);
  return word;
}
