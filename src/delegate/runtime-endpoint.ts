/**
 * Where a runtime sends its model requests, read from its own settings the way it reads them: for offline mode,
 * which starts a runtime only when that is a model on this machine (loopback). Unknown means not loopback.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { RuntimeName } from "./runtimes.ts";

export type ModelEndpoint = { url: string; from: string };

const DEFAULTS: Record<RuntimeName, string> = {
  claude: "https://api.anthropic.com",
  codex: "https://api.openai.com/v1",
  gemini: "https://generativelanguage.googleapis.com",
  opencode: "its provider's cloud API",
};

export function modelEndpoint(name: RuntimeName, env: NodeJS.ProcessEnv): ModelEndpoint {
  const home = env.HOME || homedir();
  switch (name) {
    case "claude":
      return env.ANTHROPIC_BASE_URL
        ? { url: env.ANTHROPIC_BASE_URL, from: "ANTHROPIC_BASE_URL" }
        : { url: DEFAULTS.claude, from: "its default" };
    case "gemini":
      return env.GOOGLE_GEMINI_BASE_URL
        ? { url: env.GOOGLE_GEMINI_BASE_URL, from: "GOOGLE_GEMINI_BASE_URL" }
        : { url: DEFAULTS.gemini, from: "its default" };
    case "codex": {
      const file = join(env.CODEX_HOME || join(home, ".codex"), "config.toml");
      const url = codexBaseUrl(readText(file));
      if (url) return { url, from: file };
      return env.OPENAI_BASE_URL
        ? { url: env.OPENAI_BASE_URL, from: "OPENAI_BASE_URL" }
        : { url: DEFAULTS.codex, from: "its default" };
    }
    case "opencode": {
      const file = join(env.XDG_CONFIG_HOME || join(home, ".config"), "opencode", "opencode.json");
      const url = opencodeBaseUrl(readText(file));
      return url ? { url, from: file } : { url: DEFAULTS.opencode, from: "its default" };
    }
  }
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** config.toml: the top-level `model_provider`, and `base_url` in its `[model_providers.<name>]` table. */
export function codexBaseUrl(toml: string): string | null {
  let table = "";
  let provider: string | null = null;
  const urls = new Map<string, string>();
  for (const raw of toml.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      table = header[1].trim();
      continue;
    }
    const pair = /^([\w.-]+)\s*=\s*"([^"]*)"$/.exec(line);
    if (!pair) continue;
    if (table === "" && pair[1] === "model_provider") provider = pair[2];
    const inTable = /^model_providers\.([\w-]+)$/.exec(table);
    if (inTable && pair[1] === "base_url") urls.set(inTable[1], pair[2]);
  }
  return provider ? (urls.get(provider) ?? null) : null;
}

/** opencode.json: `model` is `<provider>/<model>`; that provider's `options.baseURL`. */
export function opencodeBaseUrl(text: string): string | null {
  try {
    const config = JSON.parse(text) as {
      model?: string;
      provider?: Record<string, { options?: { baseURL?: string } }>;
    };
    const provider = config.model?.split("/")[0];
    return (provider && config.provider?.[provider]?.options?.baseURL) || null;
  } catch {
    return null;
  }
}
