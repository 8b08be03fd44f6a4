/**
 * Runs the built hearth binary (dist/cli.cjs) the way a user would: a temp HOME, a temp project, real processes,
 * and the fake model server on 127.0.0.1. `npm test` builds dist/ first.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";

/** The built CLI under test; HEARTH_CLI points the benchmarks at another build (a before/after in one run). */
export const CLI =
  process.env.HEARTH_CLI ?? resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli.cjs");
if (!existsSync(CLI)) throw new Error("dist/cli.cjs is missing: run `npm run build` (npm test does it)");

export type Sandbox = { home: string; project: string; env: Record<string, string> };

/** A temp HOME and project, with an environment that has no provider keys and no proxies. */
export function makeSandbox(files: Record<string, string> = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  const home = join(root, "home");
  const project = join(root, "project");
  mkdirSync(home, { recursive: true });
  mkdirSync(project, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(project, name)), { recursive: true });
    writeFileSync(join(project, name), content);
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_STATE_HOME: join(home, ".local/state"),
    LANG: "C.UTF-8",
    // Keep the local-server probe away from anything that might listen on this machine's default ports.
    OLLAMA_HOST: "127.0.0.1:9",
  };
  return { home, project, env };
}

export function writeSettings(sandbox: Sandbox, where: "user" | "project", settings: unknown): string {
  const path =
    where === "user"
      ? join(sandbox.env.XDG_CONFIG_HOME, "hearth", "settings.json")
      : join(sandbox.project, ".hearth", "settings.json");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof settings === "string" ? settings : JSON.stringify(settings, null, 2));
  return path;
}

/**
 * A fake model server with `script` (pushed onto `servers` for the file's `after` to close) and a sandbox whose
 * user settings make it the model `fake/m` (OpenAI chat), with the OS sandbox off. `provider` adds to the
 * provider's settings (a context window, say).
 */
export async function fakeModelSandbox(
  servers: FakeServer[],
  script: FakeTurn[],
  files: Record<string, string> = {},
  provider: Record<string, unknown> = {},
): Promise<{ fake: FakeServer; sandbox: Sandbox }> {
  const fake = await startFakeServer({ script });
  servers.push(fake);
  const sandbox = makeSandbox(files);
  writeSettings(sandbox, "user", {
    providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1`, ...provider } },
    model: "fake/m",
    sandbox: { enabled: false },
  });
  return { fake, sandbox };
}

export type RunResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (stream-json); lines that are not JSON are skipped. */
  events: Array<Record<string, unknown>>;
  durationMs: number;
};

export type RunOptions = {
  stdin?: string;
  /** Leave stdin open for onSpawn/onLine to write to and end (a client driving --input-format stream-json). */
  keepStdinOpen?: boolean;
  env?: Record<string, string>;
  /** Called with the child once spawned (to send signals). */
  onSpawn?: (child: import("node:child_process").ChildProcess) => void;
  /** Called for each stdout line as it arrives. */
  onLine?: (line: string, child: import("node:child_process").ChildProcess) => void;
  timeoutMs?: number;
};

export function runHearth(sandbox: Sandbox, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: sandbox.project,
      env: { ...sandbox.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    options.onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl !== -1) {
        options.onLine?.(pending.slice(0, nl), child);
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hearth did not exit within ${options.timeoutMs ?? 30000} ms\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const events = stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
      resolvePromise({ code, signal, stdout, stderr, events, durationMs: Date.now() - started });
    });
    if (options.keepStdinOpen) return;
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/** Environment and flags that point each built-in provider at the fake server. */
export function providerSetup(
  protocol: string,
  fakeUrl: string,
): { env: Record<string, string>; model: string; settings?: unknown } {
  const port = new URL(fakeUrl).port;
  switch (protocol) {
    case "anthropic-messages":
      return {
        env: { ANTHROPIC_BASE_URL: fakeUrl, ANTHROPIC_API_KEY: "test-anthropic-key" },
        model: "anthropic/claude-sonnet-4-5",
      };
    case "openai-responses":
      return {
        env: { OPENAI_BASE_URL: `${fakeUrl}/v1`, OPENAI_API_KEY: "test-openai-key" },
        model: "openai/gpt-5",
      };
    case "gemini":
      return {
        env: { GOOGLE_GEMINI_BASE_URL: fakeUrl, GEMINI_API_KEY: "test-gemini-key" },
        model: "google/gemini-2.5-pro",
      };
    case "ollama":
      return { env: { OLLAMA_HOST: `127.0.0.1:${port}` }, model: "ollama/qwen2.5-coder:7b" };
    case "openai-chat":
      return {
        env: { FAKE_CHAT_KEY: "test-chat-key" },
        model: "fakechat/fake-model",
        settings: {
          providers: {
            fakechat: { api: "openai-chat", baseUrl: `${fakeUrl}/v1`, apiKeyEnv: "FAKE_CHAT_KEY" },
          },
        },
      };
    default:
      throw new Error(`unknown protocol ${protocol}`);
  }
}
