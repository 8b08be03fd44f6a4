/** Lookups in the model catalog (catalog.json) and cost estimates from its prices. */
import type { Usage } from "../protocol/messages.ts";
import catalog from "./catalog.json" with { type: "json" };

export type ModelPrice = { input: number; output: number; cacheRead?: number; cacheWrite?: number };
export type CatalogEntry = {
  contextWindow?: number;
  maxOutputTokens?: number;
  price?: ModelPrice;
  /** The model takes images with a prompt. */
  images?: boolean;
};

/** `images`: every model of the provider takes images, unless its own entry says otherwise. */
type ProviderCatalog = { default?: string; images?: boolean; models: Record<string, CatalogEntry> };
const providers = catalog as unknown as Record<string, ProviderCatalog | string>;

function providerCatalog(provider: string): ProviderCatalog | undefined {
  const entry = providers[provider];
  return typeof entry === "object" ? entry : undefined;
}

export function catalogEntry(provider: string, model: string): CatalogEntry | undefined {
  return providerCatalog(provider)?.models[model];
}

/**
 * Whether the catalog says a model takes images: its own entry, else its provider's (all Claude and Gemini models
 * do); undefined for a model or provider the catalog does not know.
 */
export function catalogImages(provider: string, model: string): boolean | undefined {
  const entry = providerCatalog(provider);
  return entry?.models[model]?.images ?? entry?.images;
}

/** The catalog's models of a provider, default first. */
export function catalogModels(provider: string): Array<CatalogEntry & { id: string }> {
  const entry = providerCatalog(provider);
  if (!entry) return [];
  const all = Object.entries(entry.models).map(([id, model]) => ({ id, ...model }));
  return all.sort((a, b) => Number(b.id === entry.default) - Number(a.id === entry.default));
}

/** Every catalog model as "<provider>/<model>". */
export function catalogSpecs(): string[] {
  return Object.keys(providers).flatMap((provider) =>
    catalogModels(provider).map((model) => `${provider}/${model.id}`),
  );
}

export function defaultModel(provider: string): string | undefined {
  return providerCatalog(provider)?.default;
}

/** Estimated cost in USD, or null when the model's price is not known. */
export function estimateCost(provider: string, model: string, usage: Usage): number | null {
  const price = catalogEntry(provider, model)?.price;
  if (!price) return null;
  const uncachedInput = usage.inputTokens;
  const cost =
    uncachedInput * price.input +
    usage.outputTokens * price.output +
    (usage.cacheReadTokens ?? 0) * (price.cacheRead ?? price.input) +
    (usage.cacheWriteTokens ?? 0) * (price.cacheWrite ?? price.input);
  return Math.round(cost) / 1e6;
}
