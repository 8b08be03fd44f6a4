/**
 * Which model this run uses: --model, then HEARTH_MODEL, then settings "model", then the first local server
 * found on loopback with a model. For Ollama, also the num_ctx to send (the model's real window, capped).
 */
import { EXIT_FAILED, EXIT_USAGE } from "../protocol/errors.ts";
import {
  ollamaContextLength,
  type ProbeOptions,
  probeLocalServers,
  serverContextLength,
} from "../providers/local-servers.ts";
import { BUILTIN_PROVIDERS, keyEnvNames, providerOf, resolveModel } from "../providers/model-resolution.ts";
import type { HttpClient, ResolvedModel } from "../providers/provider.ts";
import type { Settings } from "../store/settings-schema.ts";

export type ModelChoice =
  | { ok: true; model: ResolvedModel; notice?: string }
  | { ok: false; message: string; exitCode: number };

export const DEFAULT_OLLAMA_MAX_CONTEXT = 32768;
const OLLAMA_FALLBACK_CONTEXT = 8192;

export async function chooseModel(input: {
  flag?: string;
  env: NodeJS.ProcessEnv;
  settings: Settings;
  http: HttpClient;
  signal: AbortSignal;
}): Promise<ModelChoice> {
  const { env, settings, http, signal } = input;
  const spec = input.flag ?? (env.HEARTH_MODEL || undefined) ?? settings.model;
  let notice: string | undefined;
  let resolved: ReturnType<typeof resolveModel>;
  if (spec) {
    let stored: string | undefined;
    const provider = providerOf(spec);
    const keyNames = keyEnvNames(provider, settings);
    if (keyNames.length > 0 && !keyNames.some((name) => env[name])) {
      try {
        // The key store (and the keychain binding) load only when no env var holds the key.
        const { storedKey } = await import("../secrets/key-store.ts");
        stored = (await storedKey(provider, env))?.value;
      } catch (error) {
        if (error instanceof Error && error.name === "KeyStoreError")
          return { ok: false, exitCode: EXIT_FAILED, message: error.message };
        throw error;
      }
    }
    resolved = resolveModel(spec, settings, env, stored);
  } else {
    const servers = await probeLocalServers(http, { ...localProbeTargets(settings, env), signal });
    const found = servers[0];
    // Nothing to run with is a configuration problem (exit 2), as an unknown provider or a missing key is.
    if (!found) return { ok: false, exitCode: EXIT_USAGE, message: NO_MODEL_HELP };
    resolved = resolveModel(`${found.provider}/${found.models[0]}`, settings, env);
    if (resolved.ok) resolved.model.baseUrl = found.baseUrl;
    notice = `no model configured; using ${found.provider}/${found.models[0]} found at ${found.baseUrl} (pass --model or set "model" in settings to choose)`;
  }
  if (!resolved.ok) return { ok: false, exitCode: EXIT_USAGE, message: resolved.message };
  const model = resolved.model;
  if (model.api === "embedded") {
    // The engine, the GGUF file and its context length, checked before anything starts.
    const { embeddedPreflight } = await import("../providers/local-model.ts");
    const problem = await embeddedPreflight(model);
    if (problem) return { ok: false, exitCode: EXIT_FAILED, message: problem };
  }
  if (model.api === "ollama") {
    const cap = settings.ollama?.maxContext ?? DEFAULT_OLLAMA_MAX_CONTEXT;
    const length = await ollamaContextLength(http, model.baseUrl, model.id, signal);
    model.contextWindow = length;
    model.numCtx = Math.min(length ?? OLLAMA_FALLBACK_CONTEXT, cap);
    model.contextSource = `the num_ctx hearth sends to Ollama${length && length > cap ? `, capped by ollama.maxContext ${cap}` : ""}`;
    model.keepAlive = settings.ollama?.keepAlive;
  } else if ((model.provider === "lmstudio" || model.provider === "llamacpp") && model.local) {
    // The window the server loaded the model with, which its OpenAI-compatible API does not report.
    const loaded = await serverContextLength(http, model.provider, model.baseUrl, model.id, signal);
    if (loaded) {
      model.contextWindow = loaded;
      model.contextSource = `as loaded by ${model.provider === "lmstudio" ? "LM Studio" : "the llama.cpp server"}`;
    }
  }
  return { ok: true, model, notice };
}

/** Where to look for local servers: settings' base URLs for ollama, lmstudio and llamacpp, else the defaults. */
export function localProbeTargets(settings: Settings, env: NodeJS.ProcessEnv): ProbeOptions {
  return {
    ollamaBaseUrl: settings.providers?.ollama?.baseUrl ?? BUILTIN_PROVIDERS.ollama.baseUrl(env),
    lmstudioBaseUrl: settings.providers?.lmstudio?.baseUrl,
    llamacppBaseUrl: settings.providers?.llamacpp?.baseUrl,
    timeoutMs: 300,
  };
}

export const NO_MODEL_HELP = [
  "no model configured and no local model server found on this machine.",
  '  Cloud: export ANTHROPIC_API_KEY=... and run hearth --model anthropic/claude-sonnet-4-5 -p "..."',
  "         (or OPENAI_API_KEY with --model openai/gpt-5, GEMINI_API_KEY with --model google/gemini-2.5-pro)",
  "  Local: start a server (`ollama serve` then `ollama pull qwen2.5-coder:7b`, LM Studio on port 1234,",
  "         or `llama-server -m model.gguf` on port 8080); hearth finds it on its own.",
].join("\n");
