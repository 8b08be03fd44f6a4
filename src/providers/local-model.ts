/**
 * `local/<name-or-path>`: a GGUF file run in-process by the embedded engine. Resolution finds the file (see
 * model-files.ts) and takes the engine settings; `embeddedPreflight` is the check the CLI runs before a run starts
 * (engine installed, file readable as GGUF, context window from the file's metadata).
 */
import { pathToFileURL } from "node:url";
import { hearthPaths } from "../store/paths.ts";
import type { Settings } from "../store/settings-schema.ts";
import { ENGINE_MISSING, engineDir, installedEngineVersion } from "./embedded-engine.ts";
import { resolveModelFile } from "./model-files.ts";
import type { Resolution } from "./model-resolution.ts";
import type { ResolvedModel } from "./provider.ts";

export const LOCAL_PROVIDER = "local";
/** Context size used when settings give none (the model's trained context is used when smaller). */
export const DEFAULT_LOCAL_CONTEXT = 8192;

/** The `local` block of settings: how the embedded engine runs. */
export type LocalEngineSettings = {
  threads?: number;
  contextSize?: number;
  gpu?: "auto" | false;
  temperature?: number;
  seed?: number;
};

export function resolveLocalModel(name: string, settings: Settings, env: NodeJS.ProcessEnv): Resolution {
  if (!name) {
    return { ok: false, message: "name a model file: --model local/<name> or --model local/<path.gguf>" };
  }
  const file = resolveModelFile(name, hearthPaths(env).dataDir);
  if (!file.ok) return file;
  const local: LocalEngineSettings = settings.local ?? {};
  const contextSize = local.contextSize ?? DEFAULT_LOCAL_CONTEXT;
  return {
    ok: true,
    model: {
      provider: LOCAL_PROVIDER,
      id: file.name,
      api: "embedded",
      baseUrl: pathToFileURL(file.path).href,
      contextWindow: contextSize,
      maxOutputTokens: settings.maxOutputTokens,
      local: true,
      // The engine reads text only.
      images: false,
      embedded: {
        path: file.path,
        engineDir: engineDir(env),
        threads: local.threads,
        contextSize,
        gpu: local.gpu,
        temperature: local.temperature,
        seed: local.seed,
      },
    },
  };
}

/**
 * Before a run on the embedded engine: null when it can start, else one line saying what to do. Sets the model's
 * context window to the file's trained context, capped by the configured size.
 */
export async function embeddedPreflight(model: ResolvedModel): Promise<string | null> {
  const options = model.embedded;
  if (!options) return null;
  if (!installedEngineVersion(options.engineDir)) return ENGINE_MISSING;
  const { readGgufMetadata } = await import("./gguf-metadata.ts");
  try {
    const trained = (await readGgufMetadata(options.path)).contextLength;
    const cap = options.contextSize ?? DEFAULT_LOCAL_CONTEXT;
    const size = Math.min(trained ?? cap, cap);
    model.contextWindow = size;
    options.contextSize = size;
    return null;
  } catch (error) {
    return `cannot use ${options.path}: ${(error as Error).message}`;
  }
}
