/**
 * The one redactor every string hearth writes to disk or stderr passes through (transcripts, logs, error
 * messages, crash reports, exported sessions). It removes:
 *
 * 1. PEM private key blocks, whole;
 * 2. provider key shapes (`sk-ant-…`, `ghp_…`, `AKIA…`), keeping the non-secret prefix, and JWTs;
 * 3. known secret values (the keys hearth holds, from env vars and the key store), exactly, anywhere;
 * 4. the password in a URL (`https://user:[REDACTED]@host`);
 * 5. `Authorization:` header values (keeping the scheme) and `Bearer <token>` anywhere;
 * 6. `.env`-style lines (`NAME=value`): the whole value when the name looks secret, else when the value
 *    looks random (long, mixed classes, high entropy);
 * 7. `password=` / `"token": "…"` / `api_key: …` pairs in query strings, JSON, YAML and config files.
 *
 * Every rule looks at the original text and proposes spans to replace; the text is rebuilt once. Where spans
 * overlap the larger one wins, and for the same span the earlier rule in this list does (so a key keeps its
 * `sk-ant-` prefix even when it is also a known value and a `x-api-key:` header).
 *
 * Input may be plain text or already JSON-serialized text (a transcript line): no rule consumes half of a
 * backslash escape, so redacting a JSON document leaves valid JSON, and a word starts after an escape as it
 * does after the character the escape stands for (`\nAKIA…`, `\tsk-ant-…`, `\u0007ghp_…`). Every pattern is linear: each repetition
 * is a single character class or an unrolled loop with one way to match, and open-ended scans start only at a
 * literal or a word or line start, so adversarial input cannot make a pattern backtrack quadratically. Every
 * rule leaves the redactor's own output alone, and redact() runs the rules to a fixed point, so redacting twice
 * changes nothing.
 */

/** What stands where a secret was. */
export const REDACTED = "[REDACTED]";
/** What stands where a whole private key block was. */
const PRIVATE_KEY_REDACTED = "[REDACTED PRIVATE KEY]";

export type Redactor = {
  /** `text` with every known secret and every secret-shaped string replaced. */
  redact(text: string): string;
  /**
   * `text` with only the known secret values and private key blocks replaced: what goes to a model (a tool
   * result, the prompt). The shape rules stay out of it, so the model still sees the code, configs and test
   * fixtures it works on byte for byte, and never a key hearth holds.
   */
  redactKnown(text: string): string;
  /** Also remove `secret` exactly from now on (ignored when shorter than 8 characters, see below). */
  add(secret: string): void;
};

export type RedactorOptions = {
  /** Secret values hearth holds (API keys from env vars and the key store), removed exactly wherever they appear. */
  knownSecrets: Iterable<string>;
};

/**
 * Known values shorter than this are ignored: no real key is that short, and replacing every occurrence of a
 * short value (say `1234` or `admin`) would mangle ordinary text without protecting anything.
 */
const MIN_KNOWN_SECRET = 8;

export function createRedactor(options: RedactorOptions): Redactor {
  const known = new Set<string>();
  const add = (secret: string): void => {
    if (secret.length < MIN_KNOWN_SECRET || collidesWithMarker(secret)) return;
    known.add(secret);
    // Inside a JSON string (a transcript line) a value with a quote, backslash or control character is escaped.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) known.add(escaped);
  };
  for (const secret of options.knownSecrets) add(secret);
  const knownSpans: Rule = (text, spans) => {
    for (const secret of known) {
      for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + secret.length))
        spans.push({ start: at, end: at + secret.length, text: REDACTED });
    }
  };
  /** One pass of every rule over `text`: the new text, or nothing when no rule found anything. */
  const once = (text: string): string | undefined => {
    const spans: Span[] = [];
    for (const rule of RULES_BEFORE_KNOWN) rule(text, spans);
    knownSpans(text, spans);
    for (const rule of RULES_AFTER_KNOWN) rule(text, spans);
    return spans.length === 0 ? undefined : rebuild(text, spans);
  };
  return {
    add,
    redactKnown(text) {
      // One pass is a fixed point here: a marker is never part of a known value nor of a key block.
      const spans: Span[] = [];
      pemBlocks(text, spans);
      knownSpans(text, spans);
      return spans.length === 0 ? text : rebuild(text, spans);
    },
    redact(text) {
      // A replacement can end a word early and so expose a new match (`AKIA…` glued to a known key ends at the
      // marker the second time), so run to a fixed point: that is what makes redact(redact(x)) === redact(x).
      // Each pass that changes anything turns at least one character into a marker, so this ends; ordinary
      // text takes one pass, text with secrets usually two.
      let out = text;
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        const next = once(out);
        if (next === undefined || next === out) break;
        out = next;
      }
      return out;
    },
  };
}

/** A bound on passes for pathological input; real text reaches its fixed point in two or three. */
const MAX_PASSES = 8;

/**
 * A known value that could be part of what the redactor writes (`[`, `]`, `…`, or a piece of a marker or a kept
 * prefix) is ignored: removing it would make redact(redact(x)) differ from redact(x). No API key looks like that.
 */
function collidesWithMarker(secret: string): boolean {
  if (/[[\]…]/.test(secret)) return true;
  return [PRIVATE_KEY_REDACTED, ...KEY_SHAPES.keys()].some((kept) => kept.includes(secret));
}

// ---- Spans ------------------------------------------------------------------------------------------------

/** Replace `[start, end)` of the original text with `text`. */
type Span = { start: number; end: number; text: string };

/** A rule adds the spans it wants replaced in `text`. */
type Rule = (text: string, spans: Span[]) => void;

/**
 * A rule that runs a global `pattern` over the text (only when the cheap `when` test passes) and asks `span`
 * what to replace for each match (nothing when the match is not a secret after all). With `wordAfter`, a match
 * counts only where a word may start (see startsWord), as with a lookbehind; checked here rather than in the
 * pattern, so that the pattern starts with its literal and is found fast.
 */
function patternRule(
  pattern: RegExp,
  span: (match: RegExpExecArray, text: string) => Span | undefined,
  when?: (text: string) => boolean,
  wordAfter?: RegExp,
): Rule {
  return (text, spans) => {
    if (when !== undefined && !when(text)) return;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      if (wordAfter !== undefined && !startsWord(text, match.index, wordAfter)) {
        // Go on from the next place inside the match where a word may start, so nothing is scanned twice over.
        const end = match.index + match[0].length;
        let next = match.index + 1;
        while (next < end && !startsWord(text, next, wordAfter)) next++;
        pattern.lastIndex = next;
        continue;
      }
      const found = span(match, text);
      if (found !== undefined) spans.push(found);
      if (match[0].length === 0) pattern.lastIndex++;
    }
  };
}

/** The span replacing the last `length` characters of `match` with `replacement`. */
function tail(match: RegExpExecArray, length: number, replacement: string): Span {
  const end = match.index + match[0].length;
  return { start: end - length, end, text: replacement };
}

/**
 * `text` with `spans` applied. Spans are taken by start, longer first, and for equal spans in the order the
 * rules proposed them; a span inside an earlier one is dropped, and two that partly overlap become one
 * `[REDACTED]` covering both.
 */
function rebuild(text: string, spans: Span[]): string {
  spans.sort((a, b) => a.start - b.start || b.end - a.end); // stable: equal spans keep rule order
  let out = "";
  let done = 0;
  let current = spans[0];
  for (let i = 1; i <= spans.length; i++) {
    const next = spans[i];
    if (next !== undefined && next.start < current.end) {
      if (next.end > current.end) current = { start: current.start, end: next.end, text: REDACTED };
      continue;
    }
    out += text.slice(done, current.start) + current.text;
    done = current.end;
    if (next !== undefined) current = next;
  }
  return out + text.slice(done);
}

/**
 * A value that starts with a redaction marker (with or without a kept prefix) was dealt with by an earlier run:
 * left as it is, so redacting twice changes nothing. What follows a marker there was not secret the first time.
 */
const ALREADY_REDACTED = /^(?:[A-Za-z0-9_-]*…)?\[REDACTED/;

/**
 * Whether a word may start at `at`: not after a character `wordChar` matches (a letter, a digit, ...), except
 * that a JSON escape (`\n`, `\t`, `\r`, `\b`, `\f`, `\u001b`) ends with a letter or digit yet stands for a
 * separator.
 */
function startsWord(text: string, at: number, wordChar: RegExp): boolean {
  const before = text[at - 1];
  if (before === undefined || !wordChar.test(before)) return true;
  if (text[at - 2] === "\\" && "nrtbf".includes(before)) return true;
  return text[at - 6] === "\\" && text[at - 5] === "u" && HEX4.test(text.slice(at - 4, at));
}
const HEX4 = /^[0-9A-Fa-f]{4}$/;
/** What continues a word before a key prefix or `bearer`; `authorization` may follow a `-` (`Proxy-…`). */
const KEY_WORD = /[A-Za-z0-9_\]-]/;
const HEADER_WORD = /[A-Za-z0-9_\]]/;

// ---- 1. PEM private key blocks ----------------------------------------------------------------------------

/**
 * `-----BEGIN … PRIVATE KEY-----` through `-----END … PRIVATE KEY-----`. The body stops at a bare `"` (so a
 * block never swallows JSON structure between two fields) and at the next `-----`, so each BEGIN is followed
 * at most to the next dash run. A block whose END is missing (a truncated file, `head` of a key) still loses
 * the lines of base64 that follow its header.
 */
const PEM_BLOCK = new RegExp(
  "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:" +
    String.raw`[^"\\-]*(?:(?:\\[^]|-(?!----))[^"\\-]*)*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----` +
    // no END: whole lines of base64 after the header, with real or escaped line breaks
    String.raw`|(?:(?:\r?\n|(?:\\+r)?\\+n)[A-Za-z0-9+/=]+(?![^\r\n\\"]))*)`,
  "g",
);

// ---- 2. Provider key shapes -------------------------------------------------------------------------------

type KeyShape = { minBody: number; exact?: RegExp };
/** Prefix -> the shape of what follows it. The prefix is kept in the output: it says what kind of key was there. */
const KEY_SHAPES = new Map<string, KeyShape>([
  ["sk-ant-", { minBody: 20 }], // Anthropic (sk-ant-api03-…, sk-ant-admin01-…)
  ["sk-proj-", { minBody: 20 }], // OpenAI project key
  ["sk-svcacct-", { minBody: 20 }], // OpenAI service account
  ["sk-admin-", { minBody: 20 }], // OpenAI admin key
  ["sk-", { minBody: 20 }], // OpenAI legacy, and the providers that copied it (DeepSeek, OpenRouter sk-or-…)
  ["AIza", { minBody: 30 }], // Google API key
  ["gsk_", { minBody: 20 }], // Groq
  ["xai-", { minBody: 20 }], // xAI
  ["github_pat_", { minBody: 30 }], // GitHub fine-grained token
  ["ghp_", { minBody: 30 }], // GitHub classic, OAuth, server-to-server, user-to-server and refresh tokens
  ["gho_", { minBody: 30 }],
  ["ghs_", { minBody: 30 }],
  ["ghu_", { minBody: 30 }],
  ["ghr_", { minBody: 30 }],
  ["glpat-", { minBody: 20 }], // GitLab
  ["xoxa-", { minBody: 10 }], // Slack
  ["xoxb-", { minBody: 10 }],
  ["xoxp-", { minBody: 10 }],
  ["xoxr-", { minBody: 10 }],
  ["xoxs-", { minBody: 10 }],
  ["AKIA", { minBody: 16, exact: /^[A-Z0-9]{16}$/ }], // AWS access key id (long-lived, temporary)
  ["ASIA", { minBody: 16, exact: /^[A-Z0-9]{16}$/ }],
  ["sk_live_", { minBody: 20 }], // Stripe secret and restricted keys
  ["rk_live_", { minBody: 20 }],
  ["sk_test_", { minBody: 20 }],
  ["rk_test_", { minBody: 20 }],
  ["hf_", { minBody: 30 }], // Hugging Face
  ["npm_", { minBody: 30 }], // npm
]);

/**
 * A prefix at the start of a word (so `risk-free` and `task-ant-x` are not `sk-…`), then the key body. Longer
 * prefixes come first, so `sk-ant-` wins over `sk-`.
 */
const PROVIDER_KEY = new RegExp(
  "(" +
    [...KEY_SHAPES.keys()]
      .sort((a, b) => b.length - a.length)
      .map((prefix) => prefix.replace(/-/g, "\\-"))
      .join("|") +
    ")([A-Za-z0-9_-]*)",
  "g",
);

function providerKeySpan(match: RegExpExecArray): Span | undefined {
  const [whole, prefix, body] = match;
  const shape = KEY_SHAPES.get(prefix)!;
  if (body.length < shape.minBody) return undefined;
  // A real key body is random, so it has a digit or a capital: `sk-some-long-hyphenated-words` is prose.
  if (shape.exact ? !shape.exact.test(body) : !/[A-Z0-9]/.test(body)) return undefined;
  return tail(match, whole.length, `${prefix}…${REDACTED}`);
}

/**
 * A JSON Web Token: a base64url header that starts `{"` (`eyJ`), a payload and a signature, each of some length.
 * Replaced whole: no part of it is safe to keep (the payload names the user).
 */
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}(?![A-Za-z0-9_-])/g;

// ---- 4. URLs with a password ------------------------------------------------------------------------------

/**
 * `scheme://user:password@host`, found from its `://`. The password runs to the last `@` before the path,
 * since people paste unencoded `@` in passwords; the user name and host stay.
 */
const URL_PASSWORD = /:\/\/([^\s:/@?#"'`\\]*):([^\s/?#"'`\\]+)@/g;

function urlPasswordSpan(match: RegExpExecArray): Span | undefined {
  const password = match[2];
  if (ALREADY_REDACTED.test(password)) return undefined;
  const start = match.index + 3 + match[1].length + 1;
  return { start, end: start + password.length, text: REDACTED };
}

// ---- 5. Authorization headers and bearer tokens -----------------------------------------------------------

/**
 * An `Authorization` (or `Proxy-Authorization`) header as a header line, a JSON field or a JS object key: the
 * credential goes whatever its shape, the scheme word stays.
 */
const AUTHORIZATION = new RegExp(
  String.raw`authorization(?:\\*["'${"`"}])?[ \t]*[:=][ \t]*(?:\\*["'${"`"}])?` +
    String.raw`(?:(bearer|basic|token|digest|negotiate|bot)(?:[ \t]|\\+t)+)?([^\s"'${"`"}\\,;(){}<>]+)`,
  "gi",
);
const AUTH_SCHEME = /^(?:bearer|basic|token|digest|negotiate|bot)$/i;

function authorizationSpan(match: RegExpExecArray, text: string): Span | undefined {
  const [, scheme, credential] = match;
  if (!/[A-Za-z0-9]/.test(credential) || ALREADY_REDACTED.test(credential) || PLACEHOLDER.test(credential))
    return undefined;
  // Without a scheme word, `authorization: auth` is code and "the Authorization: Bearer header" is prose.
  if (scheme === undefined && (AUTH_SCHEME.test(credential) || looksLikeCode(credential, text, match)))
    return undefined;
  return tail(match, credential.length, REDACTED);
}

/** `Bearer <token>` outside a header (a curl command, a log line). The token must look like one (see below). */
const BEARER = /bearer(?:[ \t]|\\+t)+([A-Za-z0-9._~+/-]+=*)/gi;

function bearerSpan(match: RegExpExecArray, text: string): Span | undefined {
  const token = match[1];
  // Followed by `…` or `[`: a kept key prefix (`Bearer sk-ant-…[REDACTED]`), already done.
  const next = text[match.index + match[0].length];
  if (next === "…" || next === "[") return undefined;
  // "Bearer tokens expire": a token has a letter and a digit, or is long and mixed-case (a JWT, an opaque token).
  const looksLikeToken =
    (token.length >= 8 && /[A-Za-z]/.test(token) && /[0-9]/.test(token)) ||
    (token.length >= 20 && /[A-Z]/.test(token) && /[a-z]/.test(token));
  return looksLikeToken ? tail(match, token.length, REDACTED) : undefined;
}

// ---- 6. .env-style lines ----------------------------------------------------------------------------------

/**
 * `NAME=value` (or `export NAME=value`) at the start of a line: a real line start, a `\n` escape inside a JSON
 * string, or the start of a JSON string. No space around `=`, as in .env files and shell, which keeps
 * `key = wire` in code out. The value runs to the end of the line, a quote, or an escaped quote or line break.
 *
 * Found from each `=` by walking back over the name, rather than by a pattern that would have to try a line
 * start at every position: each character is walked over at most once, and indexOf finds the `=` fast.
 */
const envLines: Rule = (text, spans) => {
  for (let eq = text.indexOf("="); eq !== -1; eq = text.indexOf("=", eq + 1)) {
    let start = eq;
    while (start > 0 && isNameChar(text.charCodeAt(start - 1))) start--;
    if (isEscapeLetter(text[start]) && text[start - 1] === "\\") start++; // after a `\n`, `\r` or `\t` escape
    if (start === eq || isDigitOrDot(text.charCodeAt(start)) || !atLineStart(text, start)) continue;
    ENV_VALUE.lastIndex = eq + 1;
    const value = ENV_VALUE.exec(text)![1];
    const span = envValueSpan(text.slice(start, eq), value, ENV_VALUE.lastIndex - value.length);
    if (span !== undefined) spans.push(span);
  }
};

/** After `NAME=`: an optional (escaped) opening quote, then the value. Always matches, maybe empty. */
const ENV_VALUE = /(?:\\*["'])?([^\r\n"'\\]*(?:\\+[^\r\n"'\\nr][^\r\n"'\\]*)*)/y;

const isNameChar = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46;
const isDigitOrDot = (c: number): boolean => (c >= 48 && c <= 57) || c === 46;

/** Whether only blanks, maybe with `export `, stand between a line start and `at`. */
function atLineStart(text: string, at: number): boolean {
  let p = skipBlanks(text, at);
  if (p < at && p >= 6 && text.startsWith("export", p - 6)) p = skipBlanks(text, p - 6);
  if (p === 0) return true;
  const before = text[p - 1];
  return (
    before === "\n" ||
    before === "\r" ||
    before === '"' ||
    ((before === "n" || before === "r") && text[p - 2] === "\\")
  );
}

/** Where the run of blanks (spaces, tabs, `\t` escapes) that ends at `at` starts. */
function skipBlanks(text: string, at: number): number {
  let p = at;
  for (;;) {
    if (p > 0 && (text[p - 1] === " " || text[p - 1] === "\t")) p--;
    else if (p > 1 && text[p - 1] === "t" && text[p - 2] === "\\") p -= 2;
    else return p;
  }
}

const isEscapeLetter = (ch: string | undefined): boolean => ch === "n" || ch === "r" || ch === "t";

function envValueSpan(name: string, value: string, valueStart: number): Span | undefined {
  // The secret part: without a ` # comment` and surrounding blanks.
  const comment = value.search(/\s#/);
  const kept = comment === -1 ? value : value.slice(0, comment);
  const secret = kept.trim();
  if (!/[A-Za-z0-9]/.test(secret) || ALREADY_REDACTED.test(secret) || PLACEHOLDER.test(secret))
    return undefined;
  if (!secretName(name) && !looksRandom(secret)) return undefined;
  const start = valueStart + (kept.length - kept.trimStart().length);
  return { start, end: start + secret.length, text: REDACTED };
}

/**
 * Whether an env-style name says it holds a credential: a `…_KEY`, `…_TOKEN`, `…_SECRET` word at the end, or
 * PASSWORD / SECRET anywhere. camelCase counts as words (`apiKey`, `sessionToken`). `MAX_TOKENS` does not.
 */
function secretName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
  return SECRET_NAME.test(words);
}
const SECRET_NAME =
  /(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|CREDENTIALS?|AUTH|COOKIE|PAT)$|(?:^|_)(?:TOKEN|SECRET)_|PASSWORD|PASSWD|PASSPHRASE/;

/**
 * Whether a value looks like a random credential rather than a word, identifier, path, URL, version or id. It
 * needs all of: 20 or more characters, no whitespace, no `://`, a capital, a small letter and a digit, a Shannon
 * entropy per character near what a random string of that length has, frequent switches between capitals,
 * small letters and digits (a random string switches on about 60% of its characters, `MyApplication2024`
 * rarely), and not being made almost wholly of words (`XMLHttpRequest2Polyfill`). A path passes only when one
 * of its segments does.
 *
 * Judgement calls: hex strings (git SHAs, checksums, UUIDs) have no capitals, so they survive even in a `KEY=`
 * line whose name says nothing; a hex secret is caught only by a secret-sounding name. Base64 blobs and JWTs
 * pass every test and are redacted. The tests lean towards redacting: a camelCase identifier with a digit
 * (`GetUserById2Handler`) as an env value may go; a random 20-character key is missed about 4% of the time
 * (mostly for lacking a digit), a 32-character one about 1%, a 64-character one almost never.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 20 || /\s/.test(value) || value.includes("://")) return false;
  if (PATH_LIKE.test(value)) return value.split(/[/\\]/).some(looksRandom);
  if (!/[A-Z]/.test(value) || !/[a-z]/.test(value) || !/[0-9]/.test(value)) return false;
  if (shannonEntropy(value) < Math.min(4, 0.8 * Math.log2(value.length))) return false;
  return classSwitchRate(value) >= 0.34 && wordCoverage(value) < 0.9;
}

/** `/usr/…`, `~/…`, `./…`, `../…`, `C:\…`, `C:/…` with at least one more separator. */
const PATH_LIKE = /^(?:~|\.{1,2}|[A-Za-z]:)?[/\\][^/\\]*[/\\]/;

/** The share of `value` made of word-like runs (`Word`, `word`, `WORD`, three letters or more). */
function wordCoverage(value: string): number {
  let covered = 0;
  for (const run of value.matchAll(/[A-Z][a-z]{2,}|[a-z]{3,}|[A-Z]{3,}/g)) covered += run[0].length;
  return covered / value.length;
}

/** How often consecutive letters and digits change class (capital, small, digit); other characters are skipped. */
function classSwitchRate(value: string): number {
  let previous = -1;
  let pairs = 0;
  let switches = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const cls = c >= 65 && c <= 90 ? 0 : c >= 97 && c <= 122 ? 1 : c >= 48 && c <= 57 ? 2 : -1;
    if (cls === -1) continue;
    if (previous !== -1) {
      pairs++;
      if (cls !== previous) switches++;
    }
    previous = cls;
  }
  return pairs === 0 ? 0 : switches / pairs;
}

/** Shannon entropy of the character distribution of `text`, in bits per character. */
function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  let length = 0;
  for (const ch of text) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    length++;
  }
  let bits = 0;
  for (const n of counts.values()) bits -= (n / length) * Math.log2(n / length);
  return bits;
}

// ---- 7. password= / token: / "api_key": pairs -------------------------------------------------------------

/**
 * A quoted value: the opening quote, escaped any number of times (JSON inside JSON inside JSON), then the body up
 * to the closing quote however it is escaped, or to an escaped line break; other escapes are taken whole. A
 * single-quoted body also stops at `"`, which may close the JSON string it sits in, and takes YAML's `''`.
 */
const quotedBody = (q: string): string => {
  const stop = q === "'" ? `'"` : q;
  const escaped = q === "'" ? String.raw`(?:''|\\+[^${stop}\\nr\r\n])` : String.raw`\\+[^${stop}\\nr\r\n]`;
  return String.raw`(\\*${q})([^${stop}\\\r\n]*(?:${escaped}[^${stop}\\\r\n]*)*)`;
};

/**
 * A name ending in a secret word (`password`, `DB_PASSWORD`, `client_secret`, `access_token`, `x-api-key`,
 * `aws_secret_access_key`; not `max_tokens`, not `passwordHint`), a `:` or `=`, and a value: double- or
 * single-quoted, a `${…}` template, or bare (up to whitespace, a quote, `&`, `,`, `;` or a bracket, and not
 * starting with `=` or `:`, so `password === x` and `token::Kind` are not pairs). The scan starts at the secret
 * word; what precedes it is kept anyway.
 */
const SECRET_PAIR = new RegExp(
  "(?:password|passwd|passphrase|secret[_-]?key|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)" +
    String.raw`(?:\\*["'])?[ \t]*[:=][ \t]*(?:` +
    quotedBody('"') +
    "|" +
    quotedBody("'") +
    String.raw`|(\$\{[^}\r\n]*\})` +
    String.raw`|([^\s"'${"`"}\\&,;(){}<>=:][^\s"'${"`"}\\&,;(){}<>]*))`,
  "gi",
);

function secretPairSpan(match: RegExpExecArray, text: string): Span | undefined {
  const [, dq, dqBody, sq, sqBody, template, bare] = match;
  const value = dq !== undefined ? dqBody : sq !== undefined ? sqBody : (template ?? bare);
  if (!/[A-Za-z0-9]/.test(value) || ALREADY_REDACTED.test(value) || PLACEHOLDER.test(value)) return undefined;
  if (bare !== undefined && (looksLikeCode(bare, text, match) || /^[0-9]{1,5}$/.test(bare))) return undefined;
  return tail(match, value.length, REDACTED);
}

/**
 * Whether a bare value is code rather than a secret: a function call (`token = getToken()`), a regex literal, an
 * identifier or member access made of word-like runs (`apiKey: key`, `password=password`, `this.token`,
 * `env[name]`), or an identifier ending a statement (`secret: Uint8Array;`).
 * Judgement call: a bare secret made only of letters in word-like runs (`password: hunter`) is taken for code
 * and survives; quote it, give it a digit, or put it on a secret-named .env line and it goes.
 */
function looksLikeCode(value: string, text: string, match: RegExpExecArray): boolean {
  const next = text[match.index + match[0].length];
  if (next === "(" || value.startsWith("/^")) return true;
  if (next === ";" && /^[A-Za-z_$][\w$]*$/.test(value)) return true;
  if (!/^[A-Za-z_$][A-Za-z_$]*(?:\.[A-Za-z_$]+)*(?:\[[\w$.'"]*\])?!?$/.test(value)) return false;
  const letters = value.replace(/[^A-Za-z]/g, "");
  return letters.length < 3 || wordCoverage(letters) >= 0.8;
}

/**
 * Values that are not secrets but stand where one would: type names and keywords in code (`password: string`,
 * `token = await …`), references to a variable (`$TOKEN`, `${TOKEN}`, `$(cat f)`, `{{ token }}`,
 * `process.env.X`), and placeholders (`<your key>`, `***`, `...`). Leaving these keeps code readable.
 */
const PLACEHOLDER = new RegExp(
  "^(?:" +
    [
      "string|number|boolean|bool|str|int|null|nil|none|undefined|true|false|required|optional|any|unknown",
      "never|void|object|await|new|this|self|yes|no|redacted|hidden|secret|password|token",
      String.raw`\*+|x{3,}|\.{3}|…|<[^>]*>`,
      String.raw`\$(?:\{[^}]*\}|\([^)]*\)?|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?])`,
      String.raw`\{\{[^}]*\}\}`,
      String.raw`(?:process\.env|os\.environ|os\.getenv|env)\b.*`,
    ].join("|") +
    ")$",
  "i",
);

/** The rules, in priority order; the known values go between these two lists (see the module comment). */
const pemBlocks = patternRule(
  PEM_BLOCK,
  (m) => tail(m, m[0].length, PRIVATE_KEY_REDACTED),
  (t) => t.includes("PRIVATE KEY"),
);
const jwts = patternRule(
  JWT,
  (m) => tail(m, m[0].length, REDACTED),
  (t) => t.includes("eyJ"),
);
const urlPasswords = patternRule(URL_PASSWORD, urlPasswordSpan, (t) => t.includes("://"));
const authorizations = patternRule(AUTHORIZATION, authorizationSpan, undefined, HEADER_WORD);
const bearers = patternRule(BEARER, bearerSpan, undefined, KEY_WORD);
const providerKeys = patternRule(PROVIDER_KEY, providerKeySpan, undefined, KEY_WORD);
const RULES_BEFORE_KNOWN: Rule[] = [pemBlocks, providerKeys, jwts];
const RULES_AFTER_KNOWN: Rule[] = [
  urlPasswords,
  authorizations,
  bearers,
  envLines,
  patternRule(SECRET_PAIR, secretPairSpan),
];

/**
 * The rules that recognise a credential by its shape alone, whatever names it: key blocks, provider keys, JWTs,
 * a password in a URL, an Authorization header or bearer token. Not the rules that need a name (`.env` lines,
 * `password=` pairs) or randomness, which only make sense with a name beside the value.
 */
const SHAPE_RULES: Rule[] = [...RULES_BEFORE_KNOWN, urlPasswords, authorizations, bearers];

/**
 * Whether `value` holds something shaped like a credential (see SHAPE_RULES): what the child environment drops
 * even under a harmless variable name.
 */
export function secretShaped(value: string): boolean {
  const spans: Span[] = [];
  for (const rule of SHAPE_RULES) {
    rule(value, spans);
    if (spans.length > 0) return true;
  }
  return false;
}
