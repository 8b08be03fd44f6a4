/**
 * The checks of `hearth doctor`. Each returns one result, `ok`, `warn` or `fail`, with one line that says what
 * was found and, when it is not ok, what to do. Checks never throw (the runner also catches) and make no
 * request off loopback: the HTTP client they get refuses anything else.
 */
import { accessSync, constants, existsSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isLoopbackHost } from "../egress/offline.ts";
import { findExecutable } from "../policy/find-executable.ts";
import { describeSandbox, detectSandbox } from "../policy/sandbox.ts";
import { formatBytes } from "../protocol/byte-size.ts";
import type { HttpClient } from "../protocol/http.ts";
import { probeLocalServers } from "../providers/local-servers.ts";
import { localProbeTargets } from "../runtime/model-selection.ts";
import { readKeyFile } from "../secrets/key-file.ts";
import { openKeyStore } from "../secrets/key-store.ts";
import type { KeychainOptions } from "../secrets/keychain-backend.ts";
import { logsDir } from "../store/daily-log.ts";
import type { HearthPaths } from "../store/paths.ts";
import { type Diagnostic, formatDiagnostic } from "../store/settings.ts";
import type { Settings } from "../store/settings-schema.ts";

export type CheckStatus = "ok" | "warn" | "fail";
export type CheckResult = { status: CheckStatus; message: string };

/** What every check may use. */
export type DoctorContext = {
  env: NodeJS.ProcessEnv;
  paths: HearthPaths;
  /** The workspace (--cwd or the current directory), a real path. */
  cwd: string;
  /** The settings that apply (user, then the project's file when the folder is trusted). */
  settings: Settings;
  /** Loopback only: any other host is refused before a connection is made. */
  http: HttpClient;
};

export type DoctorCheck = { name: string; run(context: DoctorContext): CheckResult | Promise<CheckResult> };

const ok = (message: string): CheckResult => ({ status: "ok", message });
const warn = (message: string): CheckResult => ({ status: "warn", message });
const fail = (message: string): CheckResult => ({ status: "fail", message });

/** A settings file: valid, missing, or its first problem as `file:line: message`. */
export function settingsResult(path: string, exists: boolean, diagnostics: Diagnostic[]): CheckResult {
  const errors = diagnostics.filter((d) => d.severity === "error");
  const more = (list: Diagnostic[]) => (list.length > 1 ? ` (and ${list.length - 1} more)` : "");
  if (errors.length > 0) {
    return fail(
      `${formatDiagnostic(errors[0])}${more(errors)}; fix it (or move the file aside): hearth refuses to start with it`,
    );
  }
  if (diagnostics.length > 0) return warn(`${formatDiagnostic(diagnostics[0])}${more(diagnostics)}`);
  return ok(exists ? `${path} is valid` : `${path} does not exist (defaults apply)`);
}

/** A directory hearth writes in: create (and remove) a file in it, or check where it would be created. */
export function writableDirectory(dir: string, envName: string, extra = ""): CheckResult {
  const fix = `fix its permissions, or set ${envName} to a directory you own`;
  const existing = nearestExisting(dir);
  try {
    if (!statSync(existing).isDirectory()) return fail(`${existing} is not a directory; move it aside`);
  } catch (error) {
    return fail(`cannot inspect ${existing} (${codeOf(error)}); ${fix}`);
  }
  if (existing !== dir) {
    try {
      accessSync(existing, constants.W_OK);
      return ok(`${dir} does not exist yet; hearth creates it (${existing} is writable)${extra}`);
    } catch (error) {
      return fail(`${dir} does not exist and ${existing} is not writable (${codeOf(error)}); ${fix}`);
    }
  }
  const probe = join(dir, `.hearth-doctor-${process.pid}-${Date.now()}.tmp`);
  try {
    writeFileSync(probe, "doctor\n", { flag: "wx", mode: 0o600 });
    rmSync(probe, { force: true });
    return ok(`${dir} is writable${extra}`);
  } catch (error) {
    return fail(`cannot write in ${dir} (${codeOf(error)}); ${fix}`);
  }
}

export function stateDirectory(paths: HearthPaths): CheckResult {
  return writableDirectory(paths.stateDir, "XDG_STATE_HOME", `; logs go to ${logsDir(paths.stateDir)}`);
}

/** Free space where sessions and the index are kept. */
export function diskSpace(dir: string, warnBytes: number): CheckResult {
  const where = nearestExisting(dir);
  let free: number;
  try {
    const stats = statfsSync(where);
    free = Number(stats.bavail) * Number(stats.bsize);
  } catch (error) {
    return warn(`cannot measure free space at ${where} (${codeOf(error)})`);
  }
  const text = formatBytes(free);
  if (free < warnBytes) {
    return warn(
      `only ${text} free at ${where}; sessions stop being saved when the disk fills up: free some space`,
    );
  }
  return ok(`${text} free at ${where}`);
}

export async function keychain(env: NodeJS.ProcessEnv, options: KeychainOptions): Promise<CheckResult> {
  const store = await openKeyStore(env, { keychain: options });
  const file = readKeyFile(store.filePath);
  if (file.problem) return fail(file.problem);
  if (store.backend === "keychain")
    return ok(`the OS keychain (${store.keychainLabel}) answers; hearth keys set stores keys there`);
  const fileNote = `keys set with hearth keys set go to ${store.filePath} (mode 0600)`;
  if (/^(off|0|false|no)$/i.test(env.HEARTH_KEYCHAIN ?? ""))
    return ok(`the OS keychain is turned off (HEARTH_KEYCHAIN=${env.HEARTH_KEYCHAIN}); ${fileNote}`);
  return warn(`the OS keychain is not available (${store.keychainProblem}); ${fileNote}`);
}

export async function sandbox(settings: Settings, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  if (settings.sandbox?.enabled === false)
    return warn(
      "sandbox.enabled is false in settings: commands run without an OS sandbox; remove it to turn it on",
    );
  const status = await detectSandbox(env);
  const line = describeSandbox(status);
  return status.available && !status.experimental ? ok(line) : warn(line);
}

/** Model servers on loopback. Targets that settings put elsewhere are named, not probed. */
export async function localServers(context: DoctorContext, timeoutMs: number): Promise<CheckResult> {
  const targets = { ...localProbeTargets(context.settings, context.env), timeoutMs };
  const skipped: string[] = [];
  for (const [key, url] of [
    ["ollama", targets.ollamaBaseUrl],
    ["lmstudio", targets.lmstudioBaseUrl],
    ["llamacpp", targets.llamacppBaseUrl],
  ] as const) {
    if (url && !isLoopback(url)) skipped.push(`${key} at ${url}`);
  }
  const servers = await probeLocalServers(context.http, targets);
  const notProbed = skipped.length > 0 ? `; not probed (not on loopback): ${skipped.join(", ")}` : "";
  if (servers.length > 0) {
    const found = servers.map((s) => {
      const names = s.models.slice(0, 3).join(", ") + (s.models.length > 3 ? ", ..." : "");
      return `${s.provider} at ${s.baseUrl} (${s.models.length} model${s.models.length === 1 ? "" : "s"}: ${names})`;
    });
    return ok(`${found.join("; ")}${notProbed}`);
  }
  const none = "no local model server answered on loopback (Ollama 11434, LM Studio 1234, llama.cpp 8080)";
  if (context.settings.model) return ok(`${none}; settings choose ${context.settings.model}${notProbed}`);
  return warn(`${none} and no model is set: start one (ollama serve) or set "model" in settings${notProbed}`);
}

export function ripgrep(env: NodeJS.ProcessEnv): CheckResult {
  const path = findExecutable("rg", env.PATH);
  if (path) return ok(`${path}`);
  return warn(
    "rg is not on PATH: grep uses its slower built-in search; install ripgrep (apt-get install ripgrep, brew install ripgrep)",
  );
}

function isLoopback(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).host);
  } catch {
    return false;
  }
}

function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** The session index: the SQLite binding loads, the database opens (a corrupt one is rebuilt) and matches the files. */
export async function sessionIndex(dataDir: string): Promise<CheckResult> {
  const { openSessionIndex } = await import("../store/session-index.ts");
  let index: ReturnType<typeof openSessionIndex>;
  try {
    index = openSessionIndex(dataDir);
  } catch (error) {
    return fail(`${(error as Error).message}`);
  }
  try {
    const report = index.sync();
    const count = index.count();
    if (report.unreadable.length > 0)
      return warn(
        `${report.unreadable.length} session file(s) could not be read (${report.unreadable[0]}); move them aside, then run hearth sessions reindex`,
      );
    return ok(`${count} session${count === 1 ? "" : "s"} indexed (SQLite FTS5)`);
  } catch (error) {
    return warn(`the index could not be updated (${(error as Error).message}); run hearth sessions reindex`);
  } finally {
    index.close();
  }
}

/** The agent CLIs `--runtime` can run: installed ones with their versions; one too old is a warning. */
export async function runtimes(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const { listRuntimes } = await import("../delegate/list-runtimes.ts");
  const { runtimesSummary } = await import("./runtimes-command.ts");
  return runtimesSummary(await listRuntimes(env));
}
