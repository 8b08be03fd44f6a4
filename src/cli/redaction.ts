/**
 * The one redactor of a hearth process. Everything hearth writes to stderr, stdout or disk passes through it:
 * it removes the secret values it knows (credentials in the environment, keys from the key store) and anything
 * shaped like a secret (see secrets/redact.ts).
 */
import { secretValues } from "../secrets/child-env.ts";
import { createRedactor, type Redactor } from "../secrets/redact.ts";

let shared: Redactor | undefined;

export function processRedactor(): Redactor {
  shared ??= createRedactor({ knownSecrets: secretValues(process.env) });
  return shared;
}

/** Write to stderr through the redactor. */
export function writeError(text: string): void {
  process.stderr.write(processRedactor().redact(text));
}

/** Write to stdout through the redactor. */
export function writeOutput(text: string): void {
  process.stdout.write(processRedactor().redact(text));
}
