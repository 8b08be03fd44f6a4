/**
 * The embedded engine (node-llama-cpp) is not a dependency of hearth: `hearth engine install` puts it in its own
 * directory (about 85 MB for the CPU build) and this file finds and loads it from there, only when a `local/`
 * model is used. The few engine types hearth touches are declared here, structurally, so nothing else needs the
 * package's own types.
 */

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { hearthPaths } from "../store/paths.ts";

/** The version `hearth engine install` installs (and the one hearth is tested with). */
export const ENGINE_VERSION = "3.22.1";
export const ENGINE_PACKAGE = "node-llama-cpp";
export const ENGINE_MISSING =
  "the embedded engine is not installed: run hearth engine install (about 85 MB from the npm registry)";

/** Where the engine lives: HEARTH_ENGINE_DIR, else `<data dir>/engine`. */
export function engineDir(env: NodeJS.ProcessEnv): string {
  const override = env.HEARTH_ENGINE_DIR;
  return override ? resolve(override) : join(hearthPaths(env).dataDir, "engine");
}

/** The engine's package.json inside `dir`, or null when it is not installed there. */
export function installedEngineVersion(dir: string): string | null {
  const manifest = join(dir, "node_modules", ENGINE_PACKAGE, "package.json");
  if (!existsSync(manifest)) return null;
  try {
    const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown }).version;
    return typeof version === "string" ? version : null;
  } catch {
    return null;
  }
}

/**
 * The prebuilt binary packages for this platform: the CPU build, plus the CUDA or Vulkan build when asked for.
 * Null when node-llama-cpp has no prebuilt binary for the platform.
 */
export function binaryPackages(
  platform: NodeJS.Platform,
  arch: string,
  gpu: "none" | "cuda" | "vulkan",
): string[] | null {
  const scope = "@node-llama-cpp/";
  const cpu: Record<string, string> = {
    "linux-x64": "linux-x64",
    "linux-arm64": "linux-arm64",
    "linux-arm": "linux-armv7l",
    "linux-riscv64": "linux-riscv64",
    "darwin-arm64": "mac-arm64-metal",
    "darwin-x64": "mac-x64",
    "win32-x64": "win-x64",
    "win32-arm64": "win-arm64",
  };
  const base = cpu[`${platform}-${arch}`];
  if (!base) return null;
  const packages = [base];
  const gpuCapable = base === "linux-x64" || base === "win-x64";
  if (gpu === "cuda" && gpuCapable) packages.push(`${base}-cuda`, `${base}-cuda-ext`);
  if (gpu === "vulkan" && gpuCapable) packages.push(`${base}-vulkan`);
  return packages.map((name) => `${scope}${name}@${ENGINE_VERSION}`);
}

// --- The slice of node-llama-cpp's API that hearth uses. ---

export type EngineToken = number;

export type EngineTokenMeter = {
  getState(): { usedInputTokens: number; usedOutputTokens: number };
  diff(state: { usedInputTokens: number; usedOutputTokens: number }): {
    usedInputTokens: number;
    usedOutputTokens: number;
  };
};

export type EngineSequence = {
  readonly tokenMeter: EngineTokenMeter;
  readonly contextTokens: EngineToken[];
  readonly nextTokenIndex: number;
};

export type EngineContext = {
  readonly contextSize: number;
  getSequence(): EngineSequence;
  dispose(): Promise<void>;
};

export type EngineModel = {
  readonly trainContextSize: number;
  readonly size: number;
  tokenize(text: string): EngineToken[];
  detokenize(tokens: readonly EngineToken[]): string;
  createContext(options: { contextSize: number; threads: number; sequences: number }): Promise<EngineContext>;
  dispose(): Promise<void>;
};

export type EngineGrammar = { readonly grammar: string };

export type EngineLlama = {
  readonly gpu: string | false;
  loadModel(options: {
    modelPath: string;
    onLoadProgress?: (fraction: number) => void;
    loadSignal?: AbortSignal;
    gpuLayers?: "auto" | number;
  }): Promise<EngineModel>;
  createGrammarForJsonSchema(schema: unknown): Promise<EngineGrammar>;
};

export type EngineHistoryItem =
  | { type: "system"; text: string }
  | { type: "user"; text: string }
  | { type: "model"; response: string[] };

export type EngineChatOptions = {
  /** The main response's text (segments such as thoughts excluded). */
  onTextChunk?: (text: string) => void;
  /** Every chunk; segment chunks (`type: "segment"`) carry e.g. a reasoning model's thoughts. */
  onResponseChunk?: (chunk: { type?: "segment"; segmentType?: string; text: string }) => void;
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  seed?: number;
  grammar?: EngineGrammar;
};

export type EngineChat = {
  readonly chatWrapper: { readonly wrapperName?: string };
  generateResponse(
    history: EngineHistoryItem[],
    options: EngineChatOptions,
  ): Promise<{ response: string; metadata: { stopReason: string } }>;
  dispose(): void;
};

export type EngineModule = {
  getLlama(options: {
    gpu: "auto" | false;
    build: "never";
    logLevel: "error";
    progressLogs: false;
    skipDownload: true;
  }): Promise<EngineLlama>;
  LlamaChat: new (options: { contextSequence: EngineSequence }) => EngineChat;
};

/** The engine could not be loaded; `message` is one line that says what to do. */
export class EngineLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EngineLoadError";
  }
}

const loaded = new Map<string, Promise<EngineModule>>();

/** Imports node-llama-cpp from `dir` (once per process). Throws EngineLoadError when it is missing or broken. */
export function loadEngine(dir: string): Promise<EngineModule> {
  let module = loaded.get(dir);
  if (!module) {
    module = importEngine(dir);
    loaded.set(dir, module);
    module.catch(() => loaded.delete(dir));
  }
  return module;
}

async function importEngine(dir: string): Promise<EngineModule> {
  if (!installedEngineVersion(dir)) throw new EngineLoadError(ENGINE_MISSING);
  let entry: string;
  try {
    entry = createRequire(join(dir, "package.json")).resolve(ENGINE_PACKAGE);
  } catch (error) {
    throw new EngineLoadError(
      `the embedded engine in ${dir} is broken (${firstLine(error)}); run hearth engine install`,
    );
  }
  try {
    return (await import(pathToFileURL(entry).href)) as EngineModule;
  } catch (error) {
    throw new EngineLoadError(
      `the embedded engine in ${dir} does not load (${firstLine(error)}); run hearth engine install`,
    );
  }
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? "";
}
