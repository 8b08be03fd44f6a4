/**
 * Finding model servers on this machine: Ollama, LM Studio and llama.cpp server on their default ports, probed in
 * parallel within one small time budget. Nothing here throws: a server that is absent, slow or odd is skipped.
 */
import { readText } from "../egress/http-client.ts";
import type { ApiId } from "../protocol/model-apis.ts";
import type { HttpClient } from "./provider.ts";

export type LocalServer = { provider: "ollama" | "lmstudio" | "llamacpp"; baseUrl: string; models: string[] };

/** What a server says about one of its models, for `hearth models`. */
export type LocalModelDetails = { contextLength?: number; sizeBytes?: number; quantization?: string };

type LocalProvider = LocalServer["provider"];

export const LOCAL_DEFAULTS = {
  ollama: { baseUrl: "http://127.0.0.1:11434", api: "ollama" },
  lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-chat" },
  llamacpp: { baseUrl: "http://127.0.0.1:8080/v1", api: "openai-chat" },
} as const satisfies Record<LocalProvider, { baseUrl: string; api: ApiId }>;

const DEFAULT_PROBE_BUDGET_MS = 300;

export type ProbeOptions = {
  /** From `resolveOllamaBaseUrl(OLLAMA_HOST)`; default LOCAL_DEFAULTS.ollama.baseUrl. */
  ollamaBaseUrl?: string;
  lmstudioBaseUrl?: string;
  llamacppBaseUrl?: string;
  /** Total time budget for all probes together. Default 300 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
};

/** The local servers that answered with at least one model, in the order ollama, lmstudio, llamacpp. */
export async function probeLocalServers(
  http: HttpClient,
  options: ProbeOptions = {},
): Promise<LocalServer[]> {
  const budgetMs = options.timeoutMs ?? DEFAULT_PROBE_BUDGET_MS;
  const controller = new AbortController();
  const stop = () => controller.abort();
  if (options.signal?.aborted) return [];
  options.signal?.addEventListener("abort", stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // Resolves when the budget is spent, whether or not the HTTP client honours the abort.
  const budget = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      stop();
      resolve(null);
    }, budgetMs);
    controller.signal.addEventListener("abort", () => resolve(null), { once: true });
  });

  const probe = async (provider: LocalProvider, baseUrl: string): Promise<LocalServer | null> => {
    const url = provider === "ollama" ? `${baseUrl}/api/tags` : `${baseUrl}/models`;
    const attempt = (async () => {
      try {
        const response = await http({
          method: "GET",
          url,
          headers: { accept: "application/json" },
          signal: controller.signal,
          connectTimeoutMs: budgetMs,
          purpose: "probe",
        });
        const text = await readText(response.body, 1024 * 1024);
        if (response.status >= 400) return null;
        const models = modelNames(text);
        return models.length > 0 ? { provider, baseUrl, models } : null;
      } catch {
        return null;
      }
    })();
    return Promise.race([attempt, budget]);
  };

  try {
    const found = await Promise.all([
      probe("ollama", trimSlash(options.ollamaBaseUrl ?? LOCAL_DEFAULTS.ollama.baseUrl)),
      probe("lmstudio", trimSlash(options.lmstudioBaseUrl ?? LOCAL_DEFAULTS.lmstudio.baseUrl)),
      probe("llamacpp", trimSlash(options.llamacppBaseUrl ?? LOCAL_DEFAULTS.llamacpp.baseUrl)),
    ]);
    return found.filter((server): server is LocalServer => server !== null);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", stop);
    stop(); // end any probe still waiting
  }
}

/** Model names from an Ollama /api/tags body or an OpenAI-style /models body. */
function modelNames(text: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  if (!json || typeof json !== "object") return [];
  const list = (json as { models?: unknown; data?: unknown }).models ?? (json as { data?: unknown }).data;
  if (!Array.isArray(list)) return [];
  const names: string[] = [];
  for (const entry of list) {
    if (!entry || typeof entry !== "object") continue;
    const { name, model, id } = entry as { name?: unknown; model?: unknown; id?: unknown };
    const value = [id, name, model].find((v): v is string => typeof v === "string" && v.length > 0);
    if (value) names.push(value);
  }
  return names;
}

/** What Ollama's POST /api/show says of a model that hearth uses. */
export type OllamaModelInfo = {
  /** A `num_ctx` set in the model's parameters (what it is loaded with), else the trained `context_length`. */
  contextLength?: number;
  /** Whether its `capabilities` list "vision"; undefined when Ollama sends no list (before 0.6.4 or so). */
  vision?: boolean;
};

/** The context window and the image capability of an Ollama model from POST /api/show; {} when unknown; never throws. */
export async function ollamaModelInfo(
  http: HttpClient,
  baseUrl: string,
  model: string,
  signal: AbortSignal,
): Promise<OllamaModelInfo> {
  try {
    const response = await http({
      method: "POST",
      url: `${trimSlash(baseUrl)}/api/show`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model }),
      signal,
      purpose: "probe",
    });
    const text = await readText(response.body);
    if (response.status >= 400) return {};
    const json = JSON.parse(text) as { model_info?: unknown; parameters?: unknown; capabilities?: unknown };
    const info: OllamaModelInfo = {};
    const numCtx =
      typeof json.parameters === "string" ? /(?:^|\n)\s*num_ctx\s+(\d+)/.exec(json.parameters) : null;
    const contextLength = numCtx ? Number(numCtx[1]) : trainedContextLength(json.model_info);
    if (contextLength !== undefined) info.contextLength = contextLength;
    if (Array.isArray(json.capabilities)) info.vision = json.capabilities.includes("vision");
    return info;
  } catch {
    return {};
  }
}

/**
 * The context window a local OpenAI-compatible server actually loaded the model with, which `/v1/models` does not
 * say: LM Studio's own REST API (`/api/v0/models/<id>`: `loaded_context_length`, else `max_context_length`) and
 * llama.cpp's `/props` (`default_generation_settings.n_ctx`). Undefined when the server does not tell.
 */
export async function serverContextLength(
  http: HttpClient,
  server: "lmstudio" | "llamacpp",
  baseUrl: string,
  model: string,
  signal: AbortSignal,
): Promise<number | undefined> {
  const root = serverRoot(baseUrl);
  if (server === "lmstudio")
    return lmstudioContext(await getJson(http, `${root}/api/v0/models/${encodeURIComponent(model)}`, signal));
  return llamacppLoadedContext(await getJson(http, `${root}/props`, signal));
}

/** A GET whose answer is a JSON object; null for an error status, a failed request or a body that is not JSON. */
async function getJson(
  http: HttpClient,
  url: string,
  signal: AbortSignal,
): Promise<Record<string, unknown> | null> {
  try {
    const response = await http({ method: "GET", url, headers: {}, signal, purpose: "probe" });
    const text = await readText(response.body);
    if (response.status >= 400) return null;
    const json: unknown = JSON.parse(text);
    return json && typeof json === "object" ? (json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The server's root from an OpenAI-style base URL (".../v1"). */
const serverRoot = (baseUrl: string) => trimSlash(baseUrl).replace(/\/v1$/, "");

/** An LM Studio model entry's context: the one it is loaded with, else its maximum. */
function lmstudioContext(entry: Record<string, unknown> | null | undefined): number | undefined {
  const loaded = entry?.loaded_context_length;
  if (isPositive(loaded)) return loaded;
  const max = entry?.max_context_length;
  return isPositive(max) ? max : undefined;
}

/** The context llama.cpp's server runs with, from its /props. */
function llamacppLoadedContext(props: Record<string, unknown> | null): number | undefined {
  const settings = props?.default_generation_settings as Record<string, unknown> | undefined;
  const nCtx = settings?.n_ctx ?? props?.n_ctx;
  return isPositive(nCtx) ? nCtx : undefined;
}

/**
 * Size, quantization and context of each model a server has, from the APIs that say so: Ollama's /api/tags (size,
 * quantization) and /api/show per model (context); LM Studio's /api/v0/models (quantization, loaded or maximum
 * context); llama.cpp's /v1/models `meta` (size) and /props (the loaded context). Missing facts stay undefined.
 */
export async function localModelDetails(
  http: HttpClient,
  server: LocalServer,
  signal: AbortSignal,
): Promise<Map<string, LocalModelDetails>> {
  const details = new Map<string, LocalModelDetails>(server.models.map((id) => [id, {}]));
  const entries = (json: Record<string, unknown> | null, key: string) =>
    Array.isArray(json?.[key]) ? (json[key] as Array<Record<string, unknown>>) : [];
  const root = serverRoot(server.baseUrl);
  if (server.provider === "ollama") {
    for (const entry of entries(await getJson(http, `${root}/api/tags`, signal), "models")) {
      const found = details.get(String(entry.name ?? entry.model));
      if (!found) continue;
      if (isPositive(entry.size)) found.sizeBytes = entry.size;
      const quant = (entry.details as Record<string, unknown> | undefined)?.quantization_level;
      if (typeof quant === "string") found.quantization = quant;
    }
    await Promise.all(
      server.models.slice(0, 32).map(async (id) => {
        const { contextLength: length } = await ollamaModelInfo(http, server.baseUrl, id, signal);
        const found = details.get(id);
        if (found && length) found.contextLength = length;
      }),
    );
  } else if (server.provider === "lmstudio") {
    for (const entry of entries(await getJson(http, `${root}/api/v0/models`, signal), "data")) {
      const found = details.get(String(entry.id));
      if (!found) continue;
      found.contextLength = lmstudioContext(entry);
      if (typeof entry.quantization === "string") found.quantization = entry.quantization;
    }
  } else {
    const [models, props] = await Promise.all([
      getJson(http, `${root}/v1/models`, signal),
      getJson(http, `${root}/props`, signal),
    ]);
    const loaded = llamacppLoadedContext(props);
    for (const entry of entries(models, "data")) {
      const found = details.get(String(entry.id));
      if (!found) continue;
      const meta = entry.meta as Record<string, unknown> | undefined;
      if (isPositive(meta?.size)) found.sizeBytes = meta.size;
      const context = loaded ?? meta?.n_ctx_train;
      if (isPositive(context)) found.contextLength = context;
    }
  }
  return details;
}

function trainedContextLength(info: unknown): number | undefined {
  if (!info || typeof info !== "object") return undefined;
  const fields = info as Record<string, unknown>;
  const arch = fields["general.architecture"];
  const exact = typeof arch === "string" ? fields[`${arch}.context_length`] : undefined;
  if (isPositive(exact)) return exact;
  for (const [key, value] of Object.entries(fields)) {
    if (key.endsWith(".context_length") && isPositive(value)) return value;
  }
  return undefined;
}

function isPositive(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

/**
 * Ollama's base URL from an OLLAMA_HOST value, read the way Ollama reads it: "host", "host:port" or
 * "scheme://host[:port]"; without a scheme the port defaults to 11434, with one to the scheme's port. A listen-on-all
 * address ("0.0.0.0", "::") becomes 127.0.0.1.
 */
export function resolveOllamaBaseUrl(ollamaHost: string | undefined): string {
  const raw = (ollamaHost ?? "")
    .trim()
    .replace(/^["']+|["']+$/g, "")
    .trim();
  if (!raw) return LOCAL_DEFAULTS.ollama.baseUrl;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(raw);
  const scheme = schemeMatch ? schemeMatch[1].toLowerCase() : "http";
  const rest = schemeMatch ? schemeMatch[2] : raw;
  const defaultPort = !schemeMatch ? "11434" : scheme === "https" ? "443" : "80";
  const slash = rest.indexOf("/");
  const hostPort = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? trimSlash(rest.slice(slash)) : "";

  let host = hostPort;
  let port = "";
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostPort);
  if (bracketed) {
    host = bracketed[1];
    port = bracketed[2] ?? "";
  } else if (hostPort.split(":").length === 2) {
    [host, port] = hostPort.split(":");
  }
  if (!host || host === "0.0.0.0" || host === "::") host = "127.0.0.1";
  if (!/^\d+$/.test(port) || Number(port) > 65535) port = defaultPort;
  const hostText = host.includes(":") ? `[${host}]` : host;
  return `${scheme}://${hostText}:${port}${path}`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
