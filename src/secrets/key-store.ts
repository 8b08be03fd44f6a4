/**
 * Stored API keys: the OS keychain when it works, else a 0600 file (key-file.ts), and a record of why the
 * keychain was not used so `hearth keys list` and `hearth doctor` can say it. Environment variables beat
 * stored keys; the caller checks them first and only then asks here.
 *
 * `HEARTH_KEYCHAIN=off` skips the keychain and uses the file (for boxes known to have none, and for tests
 * that must not touch the user's real keychain).
 */

import { keyFilePath, readKeyFile, writeKeyFile } from "./key-file.ts";
import { type Keychain, KeychainError, type KeychainOptions, openKeychain } from "./keychain-backend.ts";

export type KeyLocation = "keychain" | "file";
export type StoredKey = { value: string; where: KeyLocation };

export type KeyStoreOptions = {
  /** Home directory for the file path when XDG_CONFIG_HOME is unset; default os.homedir(). */
  home?: string;
  keychain?: KeychainOptions;
};

export type KeyStore = {
  /** Where `set` puts keys: the keychain when it answered, else the file. */
  readonly backend: KeyLocation;
  /** The keychain's name ("Secret Service", "macOS Keychain", ...) when it is in use. */
  readonly keychainLabel?: string;
  /** Why the keychain is not in use, one line (present when `backend` is "file"). */
  readonly keychainProblem?: string;
  /** The fallback file (whether or not it exists). */
  readonly filePath: string;
  /** The key for `provider`: keychain first, then the file. Throws KeyStoreError when neither can be read. */
  get(provider: string): Promise<StoredKey | null>;
  /**
   * Store a key. Goes to the keychain when it is in use; if the keychain refuses, to the file, with a
   * `notice` saying why. A copy left in the file by an earlier fallback is removed once the keychain has it.
   * Throws KeyStoreError when it cannot be stored anywhere.
   */
  set(provider: string, value: string): Promise<{ where: KeyLocation; notice?: string }>;
  /** Remove the key from both places. Throws KeyStoreError only for a name that is not a provider name. */
  remove(provider: string): Promise<{ removed: KeyLocation[]; problems: string[] }>;
  /** Provider names with a stored key, and where; never the values. Never throws. */
  list(): Promise<{ keys: Array<{ provider: string; where: KeyLocation }>; problems: string[] }>;
};

/** A stored key that cannot be read or written; `message` is one line for the user and never holds a key. */
export class KeyStoreError extends Error {
  override name = "KeyStoreError";
}

const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Built-in provider names and custom ones from settings: letters, digits, `.`, `_`, `-`. */
export function isValidProviderName(name: string): boolean {
  return PROVIDER_NAME.test(name);
}

/** Open the store: check the keychain (bounded by a short deadline) and fall back to the file. */
export async function openKeyStore(env: NodeJS.ProcessEnv, options: KeyStoreOptions = {}): Promise<KeyStore> {
  const filePath = keyFilePath(env, options.home);
  let keychain: Keychain | undefined;
  let keychainProblem: string | undefined;
  if (/^(off|0|false|no)$/i.test(env.HEARTH_KEYCHAIN ?? "")) {
    keychainProblem = `turned off by HEARTH_KEYCHAIN=${env.HEARTH_KEYCHAIN}`;
  } else {
    const opened = await openKeychain(options.keychain);
    if ("keychain" in opened) keychain = opened.keychain;
    else keychainProblem = opened.problem;
  }

  const checkName = (provider: string) => {
    if (!isValidProviderName(provider))
      throw new KeyStoreError(
        `"${provider}" is not a provider name (letters, digits, . _ -, starting with a letter or digit)`,
      );
  };
  const readFile = () => {
    const contents = readKeyFile(filePath);
    if (contents.problem) throw new KeyStoreError(contents.problem);
    return contents.keys;
  };

  const store: KeyStore = {
    get backend() {
      return keychain ? "keychain" : "file";
    },
    get keychainLabel() {
      return keychain?.label;
    },
    get keychainProblem() {
      return keychainProblem;
    },
    filePath,

    async get(provider) {
      checkName(provider);
      let keychainFailure: string | undefined;
      if (keychain) {
        try {
          const value = await keychain.get(provider);
          if (value) return { value, where: "keychain" };
        } catch (error) {
          keychainFailure = messageOf(error);
        }
      }
      const file = readKeyFile(filePath);
      const value = file.keys[provider];
      if (value) return { value, where: "file" };
      const problem = keychainFailure ?? file.problem;
      if (problem) throw new KeyStoreError(problem);
      return null;
    },

    async set(provider, value) {
      checkName(provider);
      let notice: string | undefined;
      if (keychain) {
        try {
          await keychain.set(provider, value);
          const file = readKeyFile(filePath);
          if (!file.problem && provider in file.keys) {
            delete file.keys[provider];
            const problem = writeKeyFile(filePath, file.keys);
            if (problem) notice = `an older copy of the key is still in ${filePath}: ${problem}`;
          }
          return notice ? { where: "keychain", notice } : { where: "keychain" };
        } catch (error) {
          if (!(error instanceof KeychainError)) throw error;
          // The keychain answered the check but refused the write: use the file from now on, and say why.
          keychainProblem = error.message;
          keychain = undefined;
          notice = `the keychain refused the key (${error.message}); stored it in ${filePath} (mode 0600) instead`;
        }
      }
      const keys = readFile();
      keys[provider] = value;
      const problem = writeKeyFile(filePath, keys);
      if (problem) throw new KeyStoreError(problem);
      return notice ? { where: "file", notice } : { where: "file" };
    },

    async remove(provider) {
      checkName(provider);
      const removed: KeyLocation[] = [];
      const problems: string[] = [];
      if (keychain) {
        try {
          if (await keychain.remove(provider)) removed.push("keychain");
        } catch (error) {
          problems.push(messageOf(error));
        }
      }
      const file = readKeyFile(filePath);
      if (file.problem) problems.push(file.problem);
      else if (provider in file.keys) {
        delete file.keys[provider];
        const problem = writeKeyFile(filePath, file.keys);
        if (problem) problems.push(problem);
        else removed.push("file");
      }
      return { removed, problems };
    },

    async list() {
      const keys: Array<{ provider: string; where: KeyLocation }> = [];
      const problems: string[] = [];
      if (keychain) {
        try {
          for (const provider of await keychain.list()) keys.push({ provider, where: "keychain" });
        } catch (error) {
          problems.push(messageOf(error));
        }
      }
      const file = readKeyFile(filePath);
      if (file.problem) problems.push(file.problem);
      for (const provider of Object.keys(file.keys)) keys.push({ provider, where: "file" });
      keys.sort((a, b) => a.provider.localeCompare(b.provider) || a.where.localeCompare(b.where));
      return { keys, problems };
    },
  };
  return store;
}

/**
 * The stored key for `provider`, for model selection when the provider's environment variable is unset.
 * Null when none is stored. Throws KeyStoreError (one line, no key in it) when a key may be stored but cannot
 * be read: the file is readable by others or corrupt, or the keychain failed and the file has no key.
 */
export async function storedKey(
  provider: string,
  env: NodeJS.ProcessEnv,
  options: KeyStoreOptions = {},
): Promise<StoredKey | null> {
  if (!isValidProviderName(provider)) return null;
  const store = await openKeyStore(env, options);
  return store.get(provider);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
