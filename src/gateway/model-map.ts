/**
 * Which hearth model answers a request, by the model name the caller sent: `serve.models` in settings (an exact
 * name first, then patterns with `*`, the longest pattern first), else the gateway's default model. Pure.
 */

export type ModelMap = {
  /** Request model names (exact, or with `*` wildcards) to "<provider>/<model>". */
  models?: Record<string, string>;
  /** The model for any other name; undefined: hearth's own default (HEARTH_MODEL, settings, a local server). */
  fallback?: string;
};

export type MappedModel = { spec: string | undefined; rule: string };

export function mapModelName(name: string, map: ModelMap): MappedModel {
  const models = map.models ?? {};
  if (Object.hasOwn(models, name) && !name.includes("*")) return { spec: models[name], rule: name };
  const patterns = Object.keys(models)
    .filter((key) => key.includes("*"))
    .sort((a, b) => b.length - a.length || a.localeCompare(b));
  for (const pattern of patterns)
    if (wildcard(pattern).test(name)) return { spec: models[pattern], rule: pattern };
  return { spec: map.fallback, rule: "default" };
}

function wildcard(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "i");
}
