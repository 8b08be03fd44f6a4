/**
 * The OS keychain through `@napi-rs/keyring` (an optional dependency): Secret Service on Linux, Keychain on
 * macOS, Credential Manager on Windows. Service "hearth", account = provider name. The binding is imported
 * only when a key is actually looked up, so start-up never pays for it.
 *
 * On Linux the Secret Service is required: the binding's other Linux store (the kernel keyring) lives in
 * memory only and loses keys at reboot, which would look like success and then silently forget.
 *
 * Every call has a deadline: a keychain that does not answer (a hung D-Bus peer, a prompt nobody sees) makes
 * hearth fall back or fail with a message, never wait for ever.
 */

export const KEYCHAIN_SERVICE = "hearth";
/** Account used to check that the keychain answers; never written. */
const PROBE_ACCOUNT = "hearth-keychain-probe";

export type KeychainOptions = {
  /** Deadline for the availability check, in ms. */
  probeTimeoutMs?: number;
  /** Deadline for each read, write and delete, in ms (a desktop keychain may ask the user to unlock it). */
  timeoutMs?: number;
};

export type Keychain = {
  /** What to call it in messages: "Secret Service", "macOS Keychain", "Windows Credential Manager". */
  label: string;
  get(provider: string): Promise<string | null>;
  set(provider: string, value: string): Promise<void>;
  /** True when there was a key to remove. */
  remove(provider: string): Promise<boolean>;
  /** Provider names with a key stored under service "hearth". */
  list(): Promise<string[]>;
};

/** A keychain failure; `message` is one line, never contains a key. */
export class KeychainError extends Error {
  override name = "KeychainError";
}

type Binding = {
  AsyncEntry: new (service: string, account: string, options?: object | null) => AsyncEntry;
  findCredentialsAsync(
    service: string,
    target?: string | null,
    signal?: AbortSignal | null,
  ): Promise<Array<{ account: string; password: string }>>;
};
type AsyncEntry = {
  getPassword(signal?: AbortSignal | null): Promise<string | null>;
  setPassword(password: string, signal?: AbortSignal | null): Promise<void>;
  deleteCredential(signal?: AbortSignal | null): Promise<boolean>;
};

const PACKAGE = "@napi-rs/keyring";

/**
 * Open the keychain and check that it answers. Returns the keychain, or why it cannot be used (one line:
 * the package is missing, there is no Secret Service, access was denied, it did not answer in time).
 */
export async function openKeychain(
  options: KeychainOptions = {},
): Promise<{ keychain: Keychain } | { problem: string }> {
  const probeTimeoutMs = options.probeTimeoutMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let binding: Binding;
  try {
    // A variable specifier keeps bundlers from inlining the native module: it stays an optional runtime import.
    const specifier = PACKAGE;
    const loaded = (await import(specifier)) as Partial<Binding> & { default?: Binding };
    // A CommonJS package: its exports arrive as named exports, or only as `default` under some loaders.
    binding = loaded.AsyncEntry ? (loaded as Binding) : (loaded.default as Binding);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      problem:
        code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND"
          ? `the optional package ${PACKAGE} is not installed`
          : `${PACKAGE} did not load: ${oneLine(error)}`,
    };
  }
  const entryOptions = process.platform === "linux" ? { linux: { store: "secret-service" } } : undefined;
  const label =
    process.platform === "darwin"
      ? "macOS Keychain"
      : process.platform === "win32"
        ? "Windows Credential Manager"
        : "Secret Service";
  const entry = (account: string) => {
    try {
      return new binding.AsyncEntry(KEYCHAIN_SERVICE, account, entryOptions);
    } catch (error) {
      throw new KeychainError(describe(error));
    }
  };

  try {
    // Reading an account that does not exist touches the store without needing it unlocked.
    await withDeadline(probeTimeoutMs, (signal) => entry(PROBE_ACCOUNT).getPassword(signal));
  } catch (error) {
    return { problem: `${label}: ${error instanceof KeychainError ? error.message : describe(error)}` };
  }

  const call = async <T>(what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(timeoutMs, run);
    } catch (error) {
      throw new KeychainError(
        `${label}: cannot ${what}: ${error instanceof KeychainError ? error.message : describe(error)}`,
      );
    }
  };
  return {
    keychain: {
      label,
      get: (provider) => call(`read the ${provider} key`, (signal) => entry(provider).getPassword(signal)),
      set: (provider, value) =>
        call(`store the ${provider} key`, (signal) => entry(provider).setPassword(value, signal)),
      remove: (provider) =>
        call(`remove the ${provider} key`, (signal) => entry(provider).deleteCredential(signal)),
      list: () =>
        call("list keys", async (signal) => {
          const found = await binding.findCredentialsAsync(KEYCHAIN_SERVICE, null, signal);
          return [...new Set(found.map((c) => c.account).filter((a) => a !== PROBE_ACCOUNT))].sort();
        }),
    },
  };
}

/** Run `op` with an abort signal, and stop waiting at the deadline even if the binding ignores the signal. */
async function withDeadline<T>(ms: number, op: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new KeychainError(`no answer within ${ms} ms (is the keychain locked, or its service hung?)`));
    }, ms);
    // A pending keychain call must not hold the process open.
    timer.unref();
  });
  try {
    return await Promise.race([op(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The binding's error as one short line, with the usual causes said plainly. */
function describe(error: unknown): string {
  const text = oneLine(error);
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch|Failed to connect to (socket|address)/i.test(text))
    return `no D-Bus session bus to reach it on (${text})`;
  if (/no result found|NoDefaultCollection|org\.freedesktop\.secrets/i.test(text))
    return `no usable Secret Service collection (${text})`;
  if (/AccessDenied/i.test(text)) return `access denied (${text})`;
  return text;
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0].trim().slice(0, 300);
}
