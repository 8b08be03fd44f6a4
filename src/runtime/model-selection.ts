/**
 * Which model this run uses: --model, then HEARTH_MODEL, then settings "model", then the first local server
 * found on loopback with a model. For Ollama, also the num_ctx to send (the model's real window, capped).
 */
import { EXIT_FAILED, EXIT_USAGE } from "../protocol/errors.ts";
import { catalogSpecs } from "../providers/catalog.ts";
import { LOCAL_PROVIDER } from "../providers/local-model.ts";
import {
  ollamaModelInfo,
  type ProbeOptions,
  probeLocalServers,
  serverContextLength,
} from "../providers/local-servers.ts";
import { matchModelName } from "../providers/model-names.ts";
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
  let spec = input.flag ?? (env.HEARTH_MODEL || undefined) ?? settings.model;
  let notice: string | undefined;
  let resolved: ReturnType<typeof resolveModel>;
  if (spec && isBareModelName(spec, settings)) {
    const named = await resolveBareName(spec, settings, env, http, signal);
    if ("message" in named) return { ok: false, exitCode: EXIT_USAGE, message: named.message };
    if (!named.spec.toLowerCase().endsWith(`/${spec.toLowerCase()}`))
      notice = `using ${named.spec} for "${spec}"`;
    spec = named.spec;
  }
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
    const { contextLength: length, vision } = await ollamaModelInfo(http, model.baseUrl, model.id, signal);
    model.contextWindow = length;
    // Settings say first; else Ollama knows whether the model takes images.
    model.images ??= vision;
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

/** A model name with no provider (`sonnet`, `gpt-5`, `qwen2.5-coder:7b`), not a provider name alone. */
function isBareModelName(spec: string, settings: Settings): boolean {
  return (
    !spec.includes("/") && !BUILTIN_PROVIDERS[spec] && spec !== LOCAL_PROVIDER && !settings.providers?.[spec]
  );
}

/**
 * The provider of a bare model name: the catalog's models first (no probe when one is spelled exactly), then
 * also the models the local servers report. Unknown or ambiguous: one line with the candidates.
 */
async function resolveBareName(
  name: string,
  settings: Settings,
  env: NodeJS.ProcessEnv,
  http: HttpClient,
  signal: AbortSignal,
): Promise<{ spec: string } | { message: string }> {
  const catalog = catalogSpecs();
  const quick = matchModelName(name, catalog);
  if (quick.kind === "found" && quick.spec.toLowerCase().endsWith(`/${name.toLowerCase()}`))
    return { spec: quick.spec };
  const servers = await probeLocalServers(http, { ...localProbeTargets(settings, env), signal });
  const local = servers.flatMap((server) => server.models.map((model) => `${server.provider}/${model}`));
  const match = matchModelName(name, [...catalog, ...local]);
  if (match.kind === "found") return { spec: match.spec };
  if (match.kind === "ambiguous")
    return { message: `"${name}" could be ${listed(match.specs)}; pass one of them to --model` };
  const close = match.close.length > 0 ? `did you mean ${listed(match.close)}? ` : "";
  const where = servers.length > 0 ? "" : " (no local model server answered)";
  return {
    message: `no model or provider is called "${name}"${where}; ${close}use --model <provider>/<model>, and hearth models to list them`,
  };
}

const listed = (specs: string[]) =>
  specs.length > 6 ? `${specs.slice(0, 6).join(", ")}, ...` : specs.join(", ");

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
