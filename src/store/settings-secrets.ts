/**
 * Spotting API keys pasted into a settings file, so loading can refuse them: keys belong in the keychain
 * (`hearth keys set`) or the environment, never in a file that gets copied, committed and shown to models.
 * Looks at every string value: known key shapes anywhere (sk-ant-…, AIza…, ghp_…), credential-looking values in
 * fields named like key/token/secret, and `Authorization` header values. Never returns the value itself.
 */

export type SettingsSecret = {
  /** Dotted path to the value, e.g. "providers.groq.headers.Authorization" or "permissions.allow.0". */
  path: string;
  /** The same path as segments, for locating the value in the file (jsonc-parser findNodeAtLocation). */
  segments: Array<string | number>;
  /** What it looks like, e.g. "an Anthropic API key (sk-ant-…)". Never contains the value. */
  why: string;
  /** The provider to name in `hearth keys set <provider>`, when the path or the key's shape tells. */
  provider?: string;
};

type Shape = { pattern: RegExp; why: string; provider?: string };

/** A token boundary: the key must not be the tail of a longer word ("task-…", "desk-…"). */
const B = "(?:^|[^A-Za-z0-9_-])";
const KNOWN_SHAPES: Shape[] = [
  { pattern: re("sk-ant-[A-Za-z0-9_-]{20,}"), why: "an Anthropic API key (sk-ant-…)", provider: "anthropic" },
  { pattern: re("sk-proj-[A-Za-z0-9_-]{20,}"), why: "an OpenAI project key (sk-proj-…)", provider: "openai" },
  { pattern: re("sk-or-v1-[A-Za-z0-9]{20,}"), why: "an OpenRouter key (sk-or-v1-…)", provider: "openrouter" },
  // Plain sk- keys (OpenAI, DeepSeek, many OpenAI-compatible hosts): long, with letters and digits.
  {
    pattern: re("sk-(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}"),
    why: "a secret key (sk-…)",
  },
  { pattern: re("AIza[0-9A-Za-z_-]{35}"), why: "a Google API key (AIza…)", provider: "google" },
  { pattern: re("gsk_[A-Za-z0-9]{20,}"), why: "a Groq API key (gsk_…)", provider: "groq" },
  { pattern: re("xai-[A-Za-z0-9]{20,}"), why: "an xAI API key (xai-…)", provider: "xai" },
  {
    pattern: re("(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"),
    why: "a GitHub token (ghp_…)",
  },
  { pattern: re("glpat-[A-Za-z0-9_-]{20,}"), why: "a GitLab token (glpat-…)" },
  { pattern: re("hf_[A-Za-z0-9]{30,}"), why: "a Hugging Face token (hf_…)", provider: "huggingface" },
  { pattern: re("(?:AKIA|ASIA)[0-9A-Z]{16}"), why: "an AWS access key id (AKIA…)" },
  { pattern: re("xox[abprs]-[A-Za-z0-9-]{10,}"), why: "a Slack token (xox…-)" },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, why: "a private key block" },
];

function re(body: string): RegExp {
  return new RegExp(`${B}${body}`);
}

/** Field names whose values are credentials: apiKey, api_key, x-api-key, token, accessToken, clientSecret… */
const SECRET_FIELD = /(?:key|token|secret|password|passwd|passphrase|credentials?)$/i;
/** `Bearer abc…`, `Basic abc…`, `Token abc…`. */
const AUTH_SCHEME = /^\s*(?:Bearer|Basic|Token|Bot)\s+(\S+)\s*$/i;
/** A reference to an environment variable rather than a value: `$VAR`, `${VAR}`, `env:VAR`. */
const ENV_REFERENCE = /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|env:[A-Za-z_][A-Za-z0-9_]*)$/;

/** Every string in `value` (parsed settings JSON) that looks like a credential. */
export function findSecretsInSettings(value: unknown): SettingsSecret[] {
  const found: SettingsSecret[] = [];
  walk(value, [], found);
  return found;
}

/** `serve.key` is hearth's own gateway key, meant for the user's settings file (not a provider's key). */
function isGatewayKey(segments: Array<string | number>): boolean {
  return segments.length === 2 && segments[0] === "serve" && segments[1] === "key";
}

function walk(value: unknown, segments: Array<string | number>, found: SettingsSecret[]): void {
  if (typeof value === "string") {
    if (isGatewayKey(segments)) return;
    const why = describeSecret(value, fieldName(segments));
    if (why) {
      const provider = providerFromPath(segments) ?? why.provider;
      found.push({ path: segments.join("."), segments, why: why.why, ...(provider ? { provider } : {}) });
    }
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(item, [...segments, index], found);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) walk(item, [...segments, key], found);
  }
}

/** The name of the field holding the value; for an array item, the array's name. */
function fieldName(segments: Array<string | number>): string {
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    if (typeof segment === "string") return segment;
  }
  return "";
}

function providerFromPath(segments: Array<string | number>): string | undefined {
  return segments[0] === "providers" && typeof segments[1] === "string" ? segments[1] : undefined;
}

function describeSecret(text: string, field: string): { why: string; provider?: string } | null {
  for (const shape of KNOWN_SHAPES) {
    if (shape.pattern.test(text)) return { why: shape.why, provider: shape.provider };
  }
  const scheme = AUTH_SCHEME.exec(text);
  if (scheme) {
    const credential = scheme[1];
    return ENV_REFERENCE.test(credential) || credential.length < 8
      ? null
      : { why: "an Authorization header value with a credential in it" };
  }
  if (
    /^(?:proxy-)?authorization$/i.test(field) &&
    text.trim().length >= 8 &&
    !ENV_REFERENCE.test(text.trim())
  )
    return { why: "an Authorization header value" };
  if (SECRET_FIELD.test(field) && looksLikeCredential(text))
    return { why: `a credential in a field named "${field}"` };
  return null;
}

/**
 * A random-looking token of 16+ characters: no spaces; not a URL, a path, an env var name or reference, or a name made of
 * words (a model like "Meta-Llama-3.1-8B-Instruct"); at least two of lower/upper/digit; high entropy.
 */
function looksLikeCredential(text: string): boolean {
  const value = text.trim();
  if (value.length < 16 || /\s/.test(value)) return false;
  if (ENV_REFERENCE.test(value) || /^[A-Z][A-Z0-9_]*$/.test(value)) return false;
  if (value.includes("://") || /^(?:~|\.{0,2})\//.test(value)) return false;
  if (isMadeOfWords(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((c) => c.test(value)).length;
  if (classes < 2) return false;
  // Random hex of 16+ characters scores about 3.5 bits; base64 about 4.5; "aaaa1111…" far less.
  return entropy(value) >= Math.min(3, Math.log2(value.length) - 1.3);
}

/**
 * Every part between separators is short or reads as a word: "DeepSeek", "qwen2", "gpt4o", "GGUF", "70B".
 * A random token has long parts with digits and capitals scattered through them.
 */
function isMadeOfWords(value: string): boolean {
  return value.split(/[-._/:@]+/).every((part) => part.length <= 4 || WORD_PART.test(part));
}
const WORD_PART = /^(?:(?:[A-Z]?[a-z]+)+\d*[a-z]?|[A-Z]+\d*|\d+[A-Za-z]?)$/;

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
