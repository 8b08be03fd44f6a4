/**
 * The values of every key hearth has stored, whichever provider a run uses: the redactor must know them all, so
 * that `cat ~/.config/hearth/keys.json` in an Ollama run shows the model no OpenAI key. Never throws; a store
 * that cannot be read gives what it can.
 *
 * The key file is read at once (one small file); the keychain costs tens of milliseconds to open (a native module
 * and a D-Bus round trip), so it is its own call, made after start-up.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { keyFilePath } from "./key-file.ts";

/**
 * Every string value under `keys` in the key file. Unlike reading keys to use them (key-file.ts), a file that
 * others may read is read here too: its keys are no less secret for being exposed.
 */
export function keyFileValues(env: NodeJS.ProcessEnv, home?: string): string[] {
  try {
    const parsed = JSON.parse(readFileSync(keyFilePath(env, home), "utf8")) as { keys?: unknown };
    const keys = parsed?.keys;
    if (typeof keys !== "object" || keys === null) return [];
    return Object.values(keys).filter((value): value is string => typeof value === "string");
  } catch {
    return [];
  }
}

/** Deadline for each keychain call here: a hung keychain delays the first tool result by this much at most. */
const KEYCHAIN_DEADLINE_MS = 2000;

/** The values of the keys hearth keeps in the OS keychain (none when it is off or does not answer). */
export async function keychainValues(env: NodeJS.ProcessEnv): Promise<string[]> {
  if (noSessionBus(env)) return [];
  try {
    const deadline = { probeTimeoutMs: KEYCHAIN_DEADLINE_MS, timeoutMs: KEYCHAIN_DEADLINE_MS };
    // Loaded here, not at start-up: only the deferred call needs the keychain's code.
    const { openKeyStore } = await import("./key-store.ts");
    const store = await openKeyStore(env, { keychain: deadline });
    if (store.backend !== "keychain") return [];
    const { keys } = await store.list();
    const found = await Promise.all(
      keys
        .filter((key) => key.where === "keychain")
        .map((key) =>
          store.get(key.provider).then(
            (stored) => stored?.value,
            () => undefined,
          ),
        ),
    );
    return found.filter((value): value is string => value !== undefined);
  } catch {
    return [];
  }
}

/**
 * Linux reaches the Secret Service over the D-Bus session bus; with none (a server, CI, a container, ssh without a
 * desktop session) no keychain can answer, so its binding (about 40 ms to load) is not even loaded.
 */
function noSessionBus(env: NodeJS.ProcessEnv): boolean {
  if (process.platform !== "linux" || env.DBUS_SESSION_BUS_ADDRESS) return false;
  return !(env.XDG_RUNTIME_DIR && existsSync(join(env.XDG_RUNTIME_DIR, "bus")));
}
