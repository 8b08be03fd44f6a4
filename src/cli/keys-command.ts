/**
 * `hearth keys`: store API keys in the OS keychain (or, where none works, a 0600 file) instead of shell rc
 * files and settings. Never prints a key.
 *
 *   hearth keys set <provider>   prompt for the key without echo; or read it from stdin when piped
 *   hearth keys list             providers with a stored key and where each is kept
 *   hearth keys rm <provider>    remove a stored key
 */

import type { Readable } from "node:stream";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { BUILTIN_PROVIDERS } from "../providers/model-resolution.ts";
import { describeKeyFileMode } from "../secrets/key-file.ts";
import { isValidProviderName, type KeyStore, KeyStoreError, openKeyStore } from "../secrets/key-store.ts";
import type { KeychainOptions } from "../secrets/keychain-backend.ts";
import { subcommandOutput } from "./subcommand.ts";

export const KEYS_USAGE = `Usage:
  hearth keys set <provider>   store a key; prompts without echo, or reads it from stdin:
                               echo "$KEY" | hearth keys set anthropic
  hearth keys list             providers with a stored key and where each is kept (never the key)
  hearth keys rm <provider>    remove a stored key
Providers: anthropic, openai, google, or a custom provider named under "providers" in settings.
Environment variables (ANTHROPIC_API_KEY, ...) take precedence over stored keys.
`;

/** Standard input as `hearth keys set` uses it: a terminal gets a hidden prompt, anything else is read whole. */
export type KeysStdin = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

export type KeysIo = {
  stdin?: KeysStdin;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Home directory for the key file when XDG_CONFIG_HOME is unset; default os.homedir(). */
  home?: string;
  keychain?: KeychainOptions;
};

const MAX_KEY_LENGTH = 8192;

/** Run `hearth keys` with the arguments after "keys". Returns the exit code; never throws for user errors. */
export async function runKeys(args: string[], env: NodeJS.ProcessEnv, io: KeysIo = {}): Promise<number> {
  const { out, err, say, fail } = subcommandOutput(io);

  const storeOptions = { home: io.home, keychain: io.keychain };
  const [command, ...rest] = args;
  if (command === undefined || command === "help" || command === "-h" || command === "--help") {
    (command === undefined ? err : out)(KEYS_USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command !== "set" && command !== "list" && command !== "rm")
    return fail(`unknown keys command "${command}"\n${KEYS_USAGE}`, EXIT_USAGE);
  if (command === "list" && rest.length > 0)
    return fail(`hearth keys list takes no arguments\n${KEYS_USAGE}`, EXIT_USAGE);
  if (command === "set" && rest.length > 1)
    return fail(
      "hearth keys set takes only the provider name; never put a key on the command line (shell history and " +
        "process lists keep it): let hearth prompt for it, or pipe it in",
      EXIT_USAGE,
    );
  if (command !== "list") {
    if (rest.length !== 1)
      return fail(`hearth keys ${command} takes one provider name\n${KEYS_USAGE}`, EXIT_USAGE);
    if (!isValidProviderName(rest[0]))
      return fail(
        `"${rest[0]}" is not a provider name (letters, digits, . _ -, starting with a letter or digit)`,
        EXIT_USAGE,
      );
  }

  try {
    if (command === "list") return await listKeys(await openKeyStore(env, storeOptions), env, say, err);
    const provider = rest[0];
    if (command === "rm") {
      const store = await openKeyStore(env, storeOptions);
      const { removed, problems } = await store.remove(provider);
      for (const problem of problems) err(`hearth: ${problem}\n`);
      if (removed.length > 0)
        say(`removed the ${provider} key from ${removed.map((w) => place(store, w)).join(" and ")}`);
      else if (problems.length === 0) say(`no stored key for ${provider}`);
      return problems.length > 0 ? EXIT_FAILED : EXIT_OK;
    }

    const stdin = io.stdin ?? (process.stdin as KeysStdin);
    const read = stdin.isTTY
      ? await promptHidden(stdin, err, `${provider} API key (input hidden): `)
      : await readAll(stdin);
    if (read === null) return fail("cancelled; nothing stored", EXIT_INTERRUPTED);
    const value = read.trim();
    if (!value)
      return fail(
        stdin.isTTY
          ? "no key entered; nothing stored"
          : `no key on stdin; pipe one in: echo "$KEY" | hearth keys set ${provider}`,
      );
    if (value.length > MAX_KEY_LENGTH)
      return fail(`that is too long to be a key (${value.length} characters)`);
    if (/[\s\u0000-\u001f\u007f]/.test(value))
      return fail("expected one key with no spaces, line breaks or control characters; nothing stored");

    const store = await openKeyStore(env, storeOptions);
    const result = await store.set(provider, value);
    if (result.notice) err(`hearth: ${result.notice}\n`);
    say(`stored the ${provider} key in ${place(store, result.where)}`);
    const builtin = BUILTIN_PROVIDERS[provider];
    if (!builtin)
      say(
        `note: "${provider}" is not a built-in provider (${builtinNames().join(", ")}); the key is used only if settings name it under "providers"`,
      );
    const override = builtin?.keyEnv.find((name) => env[name]);
    if (override)
      say(`note: ${override} is set in this environment and takes precedence over the stored key`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof KeyStoreError) return fail(error.message);
    throw error;
  }
}

async function listKeys(
  store: KeyStore,
  env: NodeJS.ProcessEnv,
  say: (line: string) => void,
  err: (text: string) => void,
): Promise<number> {
  if (store.backend === "keychain") say(`keys are stored in the OS keychain (${store.keychainLabel})`);
  else {
    say(`the OS keychain is not available: ${store.keychainProblem}`);
    say(`keys are stored in ${store.filePath} (${describeKeyFileMode(store.filePath)}) instead`);
  }
  const { keys, problems } = await store.list();
  for (const problem of problems) err(`hearth: ${problem}\n`);
  if (keys.length === 0) {
    if (problems.length === 0) say("no stored keys (add one with `hearth keys set <provider>`)");
  } else {
    const width = Math.max(...keys.map((k) => k.provider.length));
    for (const { provider, where } of keys) {
      const override = BUILTIN_PROVIDERS[provider]?.keyEnv.find((name) => env[name]);
      const note = override ? `  (${override} is set and takes precedence)` : "";
      say(`  ${provider.padEnd(width)}  ${where === "file" ? `file ${store.filePath}` : "keychain"}${note}`);
    }
  }
  return problems.length > 0 ? EXIT_FAILED : EXIT_OK;
}

function place(store: KeyStore, where: "keychain" | "file"): string {
  return where === "keychain"
    ? `the OS keychain (${store.keychainLabel})`
    : `${store.filePath} (${describeKeyFileMode(store.filePath)})`;
}

function builtinNames(): string[] {
  return Object.entries(BUILTIN_PROVIDERS)
    .filter(([, p]) => p.keyEnv.length > 0)
    .map(([name]) => name);
}

/** All of stdin as text, up to a limit far above any key (a mistaken pipe of a big file stops early). */
async function readAll(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buffer);
    size += buffer.length;
    if (size > MAX_KEY_LENGTH * 4) break;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Read one line from a terminal without echoing it. Enter or Ctrl-D ends it; Backspace and Ctrl-U edit it;
 * Ctrl-C cancels (null). The terminal is always put back in cooked mode.
 */
function promptHidden(stdin: KeysStdin, err: (text: string) => void, prompt: string): Promise<string | null> {
  err(prompt);
  return new Promise((resolve) => {
    let value = "";
    const finish = (result: string | null) => {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      err("\n");
      resolve(result);
    };
    const onEnd = () => finish(value);
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish(value);
        if (ch === "\u0003") return finish(null);
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch === "\u0015") value = "";
        else value += ch;
      }
    };
    stdin.setRawMode?.(true);
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
  });
}
