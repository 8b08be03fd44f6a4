/**
 * A tolerant JSON reader for what small models write when they mean JSON: single-quoted or smart-quoted strings,
 * unquoted keys, Python's True/False/None, trailing or missing commas, comments, raw newlines and stray backslashes
 * in strings. It reads one value from a start offset and says which of these it had to accept, or where it failed.
 */

/** What was accepted that strict JSON refuses; shown to users and logs as "repaired: ...". */
export const REPAIR = {
  trailingComma: "trailing comma",
  missingComma: "missing comma",
  singleQuotes: "single quotes",
  smartQuotes: "smart quotes",
  unquotedKey: "unquoted key",
  pythonLiteral: "Python literal",
  comment: "comment",
  invalidEscape: "invalid escape",
  controlCharacter: "raw control character in a string",
} as const;

export type LenientValue =
  | { ok: true; value: unknown; end: number; repairs: string[] }
  | { ok: false; at: number; reason: string };

const MAX_DEPTH = 200;
const QUOTE_CLOSERS: Record<string, string> = {
  '"': '"',
  "'": "'",
  "\u201c": "\u201d\u201c",
  "\u201d": "\u201d\u201c",
  "\u2018": "\u2019\u2018",
  "\u2019": "\u2019\u2018",
};
const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$-]*/y;
const LITERALS: Record<string, { value: unknown; python: boolean }> = {
  true: { value: true, python: false },
  false: { value: false, python: false },
  null: { value: null, python: false },
  True: { value: true, python: true },
  False: { value: false, python: true },
  None: { value: null, python: true },
};

class Failure {
  readonly at: number;
  readonly reason: string;
  constructor(at: number, reason: string) {
    this.at = at;
    this.reason = reason;
  }
}

/** Reads one JSON-ish value from `text` at `start` (leading whitespace and comments are skipped). */
export function readLenientValue(text: string, start = 0): LenientValue {
  const reader = new Reader(text, start);
  try {
    reader.skipSpace();
    const value = reader.value(0);
    return { ok: true, value, end: reader.pos, repairs: [...reader.repairs] };
  } catch (error) {
    if (error instanceof Failure) return { ok: false, at: error.at, reason: error.reason };
    throw error;
  }
}

/** The offset of the first character at or after `start` that is not whitespace or a comment. */
export function skipSpace(text: string, start: number): number {
  const reader = new Reader(text, start);
  try {
    reader.skipSpace();
  } catch (error) {
    if (error instanceof Failure) return error.at;
    throw error;
  }
  return reader.pos;
}

class Reader {
  readonly repairs = new Set<string>();
  pos: number;
  private readonly text: string;

  constructor(text: string, start: number) {
    this.text = text;
    this.pos = start;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new Failure(this.pos, "nested too deeply");
    const ch = this.text[this.pos];
    if (ch === undefined) throw this.endFailure();
    if (ch === "{") return this.object(depth);
    if (ch === "[") return this.array(depth);
    if (ch in QUOTE_CLOSERS) return this.string();
    if (ch === "-" || (ch >= "0" && ch <= "9")) return this.number();
    WORD.lastIndex = this.pos;
    const word = WORD.exec(this.text)?.[0];
    const literal = word === undefined ? undefined : LITERALS[word];
    if (word !== undefined && literal) {
      if (literal.python) this.repairs.add(REPAIR.pythonLiteral);
      this.pos += word.length;
      return literal.value;
    }
    throw this.unexpected();
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++; // {
    this.skipSpace();
    let afterComma = false;
    while (true) {
      const ch = this.text[this.pos];
      if (ch === "}") {
        if (afterComma) this.repairs.add(REPAIR.trailingComma);
        this.pos++;
        return out;
      }
      const key = this.key();
      this.skipSpace();
      if (this.text[this.pos] !== ":") throw this.unexpected();
      this.pos++;
      this.skipSpace();
      // Own property even for "__proto__", as JSON.parse does.
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipSpace();
      const next = this.text[this.pos];
      afterComma = next === ",";
      if (afterComma) {
        this.pos++;
        this.skipSpace();
      } else if (next !== undefined && next in QUOTE_CLOSERS) {
        this.repairs.add(REPAIR.missingComma);
      } else if (next !== "}") {
        throw this.unexpected();
      }
    }
  }

  private key(): string {
    const ch = this.text[this.pos];
    if (ch === undefined) throw this.endFailure();
    if (ch in QUOTE_CLOSERS) return this.string();
    WORD.lastIndex = this.pos;
    const word = WORD.exec(this.text)?.[0];
    if (word === undefined) throw this.unexpected();
    this.repairs.add(REPAIR.unquotedKey);
    this.pos += word.length;
    return word;
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++; // [
    this.skipSpace();
    let afterComma = false;
    while (true) {
      if (this.text[this.pos] === "]") {
        if (afterComma) this.repairs.add(REPAIR.trailingComma);
        this.pos++;
        return out;
      }
      out.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.pos];
      afterComma = next === ",";
      if (afterComma) {
        this.pos++;
        this.skipSpace();
      } else if (next !== "]") {
        throw this.unexpected();
      }
    }
  }

  private string(): string {
    const open = this.text[this.pos];
    const closers = QUOTE_CLOSERS[open];
    if (open === "'") this.repairs.add(REPAIR.singleQuotes);
    else if (open !== '"') this.repairs.add(REPAIR.smartQuotes);
    const start = this.pos;
    this.pos++;
    let out = "";
    let run = this.pos; // start of the plain characters not yet copied to `out`
    while (true) {
      const ch = this.text[this.pos];
      if (ch === undefined) throw new Failure(start, "a string is not closed");
      if (closers.includes(ch)) {
        out += this.text.slice(run, this.pos);
        this.pos++;
        return out;
      }
      if (ch === "\\") {
        out += this.text.slice(run, this.pos) + this.escape(open);
        run = this.pos;
        continue;
      }
      if (ch < " ") this.repairs.add(REPAIR.controlCharacter);
      this.pos++;
    }
  }

  private escape(open: string): string {
    const next = this.text[this.pos + 1];
    if (next === undefined) throw this.endFailure();
    if (next in ESCAPES) {
      this.pos += 2;
      return ESCAPES[next];
    }
    if (next === "u" && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
      const code = Number.parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16);
      this.pos += 6;
      return String.fromCharCode(code);
    }
    if (next === "'") {
      // Normal inside a single-quoted string; strict JSON has no such escape.
      if (open !== "'") this.repairs.add(REPAIR.invalidEscape);
      this.pos += 2;
      return "'";
    }
    // `\d` in a regex written as a JSON string: keep the backslash, which is what the model meant.
    this.repairs.add(REPAIR.invalidEscape);
    this.pos++;
    return "\\";
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match || match[0] === "-") throw this.unexpected();
    this.pos += match[0].length;
    return Number(match[0]);
  }

  skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const ch = text[this.pos];
      if (ch === " " || ch === "\n" || ch === "\r" || ch === "\t" || ch === "\uFEFF") this.pos++;
      else if (ch === "/" && text[this.pos + 1] === "/") {
        const end = text.indexOf("\n", this.pos);
        this.pos = end === -1 ? text.length : end + 1;
        this.repairs.add(REPAIR.comment);
      } else if (ch === "/" && text[this.pos + 1] === "*") {
        const end = text.indexOf("*/", this.pos + 2);
        if (end === -1) throw new Failure(this.pos, "a comment is not closed");
        this.pos = end + 2;
        this.repairs.add(REPAIR.comment);
      } else return;
    }
  }

  private unexpected(): Failure {
    const ch = this.text[this.pos];
    if (ch === undefined) return this.endFailure();
    WORD.lastIndex = this.pos;
    const word = WORD.exec(this.text)?.[0];
    const shown = word ? word.slice(0, 20) : ch;
    return new Failure(this.pos, `unexpected ${JSON.stringify(shown)}`);
  }

  private endFailure(): Failure {
    return new Failure(this.pos, "it ends before the JSON is complete");
  }
}
