/**
 * Turning "<provider>/<model>" plus settings and environment into a ResolvedModel. Built-in providers are data
 * here; custom providers come from settings. Pure: reads nothing but its arguments (except for `local/<file>`,
 * whose GGUF file is looked up on disk: see local-model.ts).
 */

import { dirname } from "node:path";
import { isLoopbackHost } from "../egress/offline.ts";
import type { ApiId } from "../protocol/model-apis.ts";
import { hearthPaths } from "../store/paths.ts";
import type { ProviderSettings, Settings } from "../store/settings-schema.ts";
import { catalogEntry, catalogImages, defaultModel } from "./catalog.ts";
import { LOCAL_PROVIDER, resolveLocalModel } from "./local-model.ts";
import { resolveOllamaBaseUrl } from "./local-servers.ts";
import { modelsDir } from "./model-files.ts";
import type { ResolvedModel } from "./provider.ts";

type BuiltinProvider = {
  api: ApiId;
  baseUrl: (env: NodeJS.ProcessEnv) => string;
  /** Env vars that may hold the key, in order of preference. None for local servers. */
  keyEnv: string[];
};

export const BUILTIN_PROVIDERS: Record<string, BuiltinProvider> = {
  anthropic: {
    api: "anthropic-messages",
    baseUrl: (env) => env.ANTHROPIC_BASE_URL || "https://api.anthropic.com",
    keyEnv: ["ANTHROPIC_API_KEY"],
  },
  openai: {
    api: "openai-responses",
    baseUrl: (env) => env.OPENAI_BASE_URL || "https://api.openai.com/v1",
    keyEnv: ["OPENAI_API_KEY"],
  },
  google: {
    api: "gemini",
    baseUrl: (env) => env.GOOGLE_GEMINI_BASE_URL || "https://generativelanguage.googleapis.com",
    keyEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  },
  ollama: { api: "ollama", baseUrl: (env) => resolveOllamaBaseUrl(env.OLLAMA_HOST), keyEnv: [] },
  lmstudio: { api: "openai-chat", baseUrl: () => "http://127.0.0.1:1234/v1", keyEnv: [] },
  llamacpp: { api: "openai-chat", baseUrl: () => "http://127.0.0.1:8080/v1", keyEnv: [] },
};

export type Resolution = { ok: true; model: ResolvedModel } | { ok: false; message: string };

/** The kinds of provider whose models run on this machine or the user's own server. */
const LOCAL_KINDS = new Set(["ollama", "lmstudio", "llamacpp", LOCAL_PROVIDER]);

/**
 * Whether a provider's models count as local (the lean prompt, latency lines): decided by its kind, never by its
 * host (a cloud API behind a loopback proxy is still a cloud model). Built-in ollama, lmstudio, llamacpp and the
 * in-process engine are local; a custom provider is local when it says `"local": true`, or speaks Ollama's API.
 */
export function isLocalProvider(provider: string, settings: Settings): boolean {
  const custom = settings.providers?.[provider];
  if (custom?.local !== undefined) return custom.local;
  return LOCAL_KINDS.has(provider) || (!BUILTIN_PROVIDERS[provider] && custom?.api === "ollama");
}

/**
 * Whether a model takes images, as settings say (`images` on its provider: true, false, or the models that do),
 * else as the catalog says; undefined when neither knows (a server may tell later: model-selection.ts).
 */
export function settingsImages(provider: string, model: string, settings: Settings): boolean | undefined {
  const setting = settings.providers?.[provider]?.images;
  if (Array.isArray(setting)) return setting.includes(model) ? true : catalogImages(provider, model);
  return setting ?? catalogImages(provider, model);
}

/** Whether a base URL points at this machine: the same test the offline guard applies. */
export function isLoopbackUrl(baseUrl: string): boolean {
  try {
    return isLoopbackHost(new URL(baseUrl).host);
  } catch {
    return false;
  }
}

/**
 * The "<provider>/<model>" that resolves to `model` again, from any directory: what a session records. For a GGUF
 * file outside the models directory that is its absolute path (`local/./tiny.gguf` is shown as `local/tiny` but
 * recorded as `local//abs/path/tiny.gguf`); everything else is its provider and id.
 */
export function modelReference(model: ResolvedModel, env: NodeJS.ProcessEnv): string {
  const file = model.embedded?.path;
  if (file && dirname(file) !== modelsDir(hearthPaths(env).dataDir)) return `${model.provider}/${file}`;
  return `${model.provider}/${model.id}`;
}

/** How a recorded model reference is shown: a GGUF file by path as `local/<name>`, like the run showed it. */
export function modelDisplayName(reference: string): string {
  const match = /^local\/(?:\/|[A-Za-z]:[/\\]).*?([^/\\]+?)(\.gguf)?$/i.exec(reference);
  return match ? `local/${match[1]}` : reference;
}

/** The provider part of "<provider>/<model>". */
export function providerOf(spec: string): string {
  const slash = spec.indexOf("/");
  return slash === -1 ? spec : spec.slice(0, slash);
}

/** The env vars that may hold a provider's key, in order of preference (none for local servers). */
export function keyEnvNames(provider: string, settings: Settings): string[] {
  const custom = settings.providers?.[provider];
  return custom?.apiKeyEnv ? [custom.apiKeyEnv] : (BUILTIN_PROVIDERS[provider]?.keyEnv ?? []);
}

/**
 * Environment variables win; `storedKey` (from `hearth keys set`) is used only when none is set.
 */
export function resolveModel(
  spec: string,
  settings: Settings,
  env: NodeJS.ProcessEnv,
  storedKey?: string,
): Resolution {
  const slash = spec.indexOf("/");
  const providerName = slash === -1 ? spec : spec.slice(0, slash);
  let modelId = slash === -1 ? "" : spec.slice(slash + 1);
  const builtin = BUILTIN_PROVIDERS[providerName];
  const custom: ProviderSettings | undefined = settings.providers?.[providerName];
  if (providerName === LOCAL_PROVIDER && !custom) return resolveLocalModel(modelId, settings, env);
  if (!builtin && !custom) {
    const known = [
      ...Object.keys(BUILTIN_PROVIDERS),
      LOCAL_PROVIDER,
      ...Object.keys(settings.providers ?? {}),
    ].join(", ");
    return {
      ok: false,
      message: `unknown provider "${providerName}" in model "${spec}"; known providers: ${known} (add others under "providers" in settings)`,
    };
  }
  const api = (custom?.api as ApiId | undefined) ?? builtin?.api;
  const baseUrl = (custom?.baseUrl ?? builtin?.baseUrl(env))?.replace(/\/+$/, "");
  if (!api || !baseUrl) {
    return { ok: false, message: `provider "${providerName}" in settings needs both "api" and "baseUrl"` };
  }
  if (!modelId) {
    const fallback = defaultModel(providerName);
    if (!fallback) return { ok: false, message: `name a model: --model ${providerName}/<model>` };
    modelId = fallback;
  }

  const keyEnv = keyEnvNames(providerName, settings);
  const keyName = keyEnv.find((name) => env[name]);
  const apiKey = keyName ? env[keyName] : storedKey;
  const local = isLocalProvider(providerName, settings);
  // A server on this machine (a local one, or a proxy that holds the key itself) may need no key.
  if (!apiKey && keyEnv.length > 0 && !local && !isLoopbackUrl(baseUrl)) {
    return {
      ok: false,
      message: `no API key for ${providerName}: set ${keyEnv.join(" or ")}, or run \`hearth keys set ${providerName}\``,
    };
  }
  const entry = catalogEntry(providerName, modelId);
  return {
    ok: true,
    model: {
      provider: providerName,
      id: modelId,
      api,
      baseUrl,
      apiKey,
      apiKeyEnv: keyName ?? keyEnv[0],
      headers: custom?.headers,
      contextWindow: custom?.contextWindow ?? entry?.contextWindow,
      maxOutputTokens: custom?.maxOutputTokens ?? settings.maxOutputTokens ?? entry?.maxOutputTokens,
      local,
      stream: custom?.stream,
      toolCalls: custom?.toolCalls,
      images: settingsImages(providerName, modelId, settings),
    },
  };
}
