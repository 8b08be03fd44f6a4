/**
 * The environment child processes get: the user's environment minus anything that looks like a credential, so a
 * command the model runs cannot read provider keys, tokens, passwords or cloud credentials from its env. A
 * variable goes when its name looks secret or when its value is shaped like a credential whatever it is called
 * (`NOTES=sk-ant-…`, a key block, a JWT, a URL with a password: the redactor's shape rules). A name the user
 * allow-lists (settings `env.allow`) passes even then.
 */
import { secretShaped } from "./redact.ts";

/** Names that look like a credential: matched against the whole name, case-insensitively. */
const SECRET_NAME = new RegExp(
  [
    // *_TOKEN, *_SECRET, *_KEY and their spellings, as whole underscore-separated words at the end
    "(^|_)(API_?KEY|KEY|ACCESS_?KEY|SECRET_?KEY|PRIVATE_?KEY|TOKEN|SECRET|CREDENTIALS?|AUTH|COOKIE|PAT)S?$",
    // ... or anywhere, for names like GITHUB_TOKEN_FOR_CI or CLIENT_SECRET_VALUE
    "(^|_)(TOKEN|SECRET|CREDENTIALS?)(_|$)",
    // *PASSWORD* anywhere (PGPASSWORD, DB_PASSWORD_FILE), and its relatives
    "PASSWORD|PASSWD|PASSPHRASE",
    // cloud credentials
    "^(AWS|AZURE|ARM|GCP|GCLOUD|CLOUDSDK_AUTH|ALIBABA_CLOUD|ALICLOUD|OCI_CLI|DIGITALOCEAN|HCLOUD|LINODE|SCW)_",
    "^GOOGLE_(APPLICATION_CREDENTIALS|CLOUD_KEYFILE_JSON|CREDENTIALS|OAUTH_ACCESS_TOKEN)$",
  ].join("|"),
  "i",
);
const ALWAYS_DROP = new Set([
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "GEMINI_API_KEY",
  "GOOGLE_API_KEY",
  "HEARTH_API_KEY",
]);

/**
 * The child environment: `env` without names that look secret, without `extraSecretNames` (e.g. the
 * configured provider's key variable), except that every name in `allowNames` passes.
 */
export function scrubChildEnv(
  env: NodeJS.ProcessEnv,
  extraSecretNames: Iterable<string> = [],
  allowNames: Iterable<string> = [],
): Record<string, string> {
  const drop = new Set([...ALWAYS_DROP, ...extraSecretNames]);
  const allow = new Set(allowNames);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (!allow.has(name) && looksSecret(name, value, drop)) continue;
    out[name] = value;
  }
  return out;
}

/** The values of the variables that look like credentials: what the redactor must never let through. */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value && looksSecret(name, value, ALWAYS_DROP)) out.push(value);
  }
  return out;
}

/** Whether a variable looks like a credential, by its name or by its value's shape. */
export function isSecretVariable(name: string, value: string): boolean {
  return looksSecret(name, value, ALWAYS_DROP);
}

function looksSecret(name: string, value: string, drop: Set<string>): boolean {
  return drop.has(name) || SECRET_NAME.test(name) || secretShaped(value);
}
