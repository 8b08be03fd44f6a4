/**
 * The gateway's backends: a requested model name mapped through `serve.models` (gateway/model-map.ts) to a hearth
 * model, chosen and resolved as a run chooses its model (runtime/model-selection.ts: keys, the Ollama num_ctx,
 * the window a local server loaded, the GGUF file), then kept for the next request to the same model. With
 * offline on, only local models are served. The embedded engine gets a bounded queue.
 */

import type { BackendChoice } from "../../gateway/gateway-server.ts";
import { type Backend, createBackend } from "../../gateway/model-call.ts";
import { mapModelName } from "../../gateway/model-map.ts";
import { createRequestQueue } from "../../gateway/request-queue.ts";
import { EXIT_USAGE } from "../../protocol/errors.ts";
import { LOCAL_PROVIDER } from "../../providers/local-model.ts";
import { BUILTIN_PROVIDERS, providerOf } from "../../providers/model-resolution.ts";
import type { HttpClient } from "../../providers/provider.ts";
import { loadStreamFunction } from "../../providers/registry.ts";
import { chooseModel } from "../../runtime/model-selection.ts";
import { processRedactor } from "../../runtime/process-redactor.ts";
import type { Settings } from "../../store/settings-schema.ts";

export const DEFAULT_QUEUE = 8;

export type ServeBackends = {
  backendFor(name: string, signal: AbortSignal): Promise<BackendChoice>;
  /** The names /v1/models lists: the exact names in serve.models, the models they map to, the default. */
  modelNames(): string[];
};

export function createServeBackends(options: {
  settings: Settings;
  env: NodeJS.ProcessEnv;
  http: HttpClient;
  /** --model: the model for names serve.models does not map. */
  model?: string;
  offline: boolean;
}): ServeBackends {
  const { settings, env, http } = options;
  const map = { models: settings.serve?.models, fallback: options.model ?? settings.serve?.model };
  const ready = new Map<string, Promise<BackendChoice>>();

  /** A name that is itself "<provider>/<model>" of a provider hearth knows, when nothing maps it. */
  const direct = (name: string) => {
    if (!name.includes("/")) return false;
    const provider = providerOf(name);
    return Boolean(
      BUILTIN_PROVIDERS[provider] || settings.providers?.[provider] || provider === LOCAL_PROVIDER,
    );
  };

  async function open(asked: string | undefined, signal: AbortSignal): Promise<BackendChoice> {
    // "auto" (the router) chooses per prompt of a session; a gateway request has no session: its local model.
    const auto = (asked ?? (env.HEARTH_MODEL || settings.model)) === "auto";
    const spec = auto ? settings.router?.local : asked;
    if (auto && !spec)
      return {
        ok: false,
        status: 404,
        message:
          'the model is "auto" (the router), which hearth serve does not use: set serve.model, router.local or --model',
      };
    const choice = await chooseModel({ flag: spec, env, settings, http, signal });
    if (!choice.ok)
      return {
        ok: false,
        status: choice.exitCode === EXIT_USAGE ? 404 : 503,
        message: firstLine(choice.message),
      };
    const { model } = choice;
    if (options.offline && !model.local)
      return {
        ok: false,
        status: 403,
        message: `offline: hearth serve serves only local models, and ${model.provider}/${model.id} is a cloud model`,
      };
    if (model.apiKey) processRedactor().add(model.apiKey);
    let queue: Backend["queue"];
    if (model.api === "embedded") {
      queue = createRequestQueue({ concurrency: 1, waiting: settings.serve?.queue ?? DEFAULT_QUEUE });
      const { loadEmbeddedModel } = await import("../../providers/embedded.ts");
      // A load failure comes back from the adapter as an error on the first request.
      loadEmbeddedModel(model).catch(() => {});
    }
    return { ok: true, backend: createBackend(model, await loadStreamFunction(model.api), queue) };
  }

  return {
    async backendFor(name, signal) {
      const mapped = mapModelName(name, map);
      const spec = mapped.rule === "default" && direct(name) ? name : mapped.spec;
      const key = spec ?? "";
      let pending = ready.get(key);
      if (!pending) {
        // Resolution outlives the request that started it: the next request to this model shares it.
        pending = open(spec, new AbortController().signal);
        ready.set(key, pending);
        void pending.then((choice) => {
          if (!choice.ok) ready.delete(key); // a server that starts later gets another chance
        });
      }
      if (signal.aborted) return { ok: false, status: 499, message: "the caller went away" };
      return pending;
    },
    modelNames() {
      const names = new Set<string>();
      for (const [name, spec] of Object.entries(map.models ?? {})) {
        if (!name.includes("*")) names.add(name);
        names.add(spec);
      }
      if (map.fallback) names.add(map.fallback);
      return [...names];
    },
  };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
