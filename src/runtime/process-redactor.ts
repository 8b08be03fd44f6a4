/**
 * The one redactor of a hearth process. Everything hearth writes to stderr, stdout or disk passes through it,
 * and everything it sends to a model passes its `redactKnown`: it removes the secret values it knows
 * (credentials in the environment, every key in the key store, whichever provider the run uses) and, for what
 * is written, anything shaped like a secret (see secrets/redact.ts).
 *
 * The environment and the key file are read when the redactor is first needed; the keychain, which costs tens
 * of milliseconds to open, only when `learnKeychainKeys` is called (after start-up, before the first tool result).
 */
import { secretValues } from "../secrets/child-env.ts";
import { createRedactor, type Redactor } from "../secrets/redact.ts";
import { keychainValues, keyFileValues } from "../secrets/stored-key-values.ts";

let shared: Redactor | undefined;
let keychainLearnt: Promise<void> | undefined;

export function processRedactor(): Redactor {
  shared ??= createRedactor({ knownSecrets: [...secretValues(process.env), ...keyFileValues(process.env)] });
  return shared;
}

/**
 * Teach the redactor the keys kept in the OS keychain. Started once (later calls get the same promise), never
 * rejects, and bounded by the keychain's deadline.
 */
export function learnKeychainKeys(): Promise<void> {
  keychainLearnt ??= keychainValues(process.env).then((values) => {
    const redactor = processRedactor();
    for (const value of values) redactor.add(value);
  });
  return keychainLearnt;
}

/** `text` as a model may see it: no key hearth knows (keychain included) and no private key block. */
export async function redactForModel(text: string): Promise<string> {
  await learnKeychainKeys();
  return processRedactor().redactKnown(text);
}
