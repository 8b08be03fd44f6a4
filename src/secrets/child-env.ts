/**
 * The environment child processes get: the user's environment minus anything that looks like a credential, so a
 * command the model runs cannot read provider keys or tokens from its env.
 */
const SECRET_NAME =
  /(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|PRIVATE_KEY)$|^(AWS|AZURE|GCP|GOOGLE_APPLICATION)_/i;
const ALWAYS_DROP = new Set([
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "GEMINI_API_KEY",
  "GOOGLE_API_KEY",
  "HEARTH_API_KEY",
]);

export function scrubChildEnv(
  env: NodeJS.ProcessEnv,
  extraSecretNames: Iterable<string> = [],
): Record<string, string> {
  const drop = new Set([...ALWAYS_DROP, ...extraSecretNames]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || drop.has(name) || SECRET_NAME.test(name)) continue;
    out[name] = value;
  }
  return out;
}
