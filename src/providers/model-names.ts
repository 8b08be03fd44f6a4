/**
 * Bare model names (`--model sonnet`, `gpt-5`, `qwen2.5-coder:7b`) to "<provider>/<model>": the one model among
 * the known ones (the catalog's, and those local servers report) that the name picks out, or the close matches
 * to offer instead. Pure: the caller gathers the candidates.
 */

export type NameMatch =
  | { kind: "found"; spec: string }
  /** More than one model fits: name one of them. */
  | { kind: "ambiguous"; specs: string[] }
  /** None fits; `close` are the nearest by spelling (maybe none). */
  | { kind: "none"; close: string[] };

const MAX_CLOSE = 5;

/**
 * The model `name` picks out of `specs` ("<provider>/<model>"): the model id spelled exactly (any case; Ollama's
 * implicit `:latest` included), else the ids of which `name` is a run of whole words (`sonnet` in
 * `claude-sonnet-4-5`, `qwen2.5-coder` in `qwen2.5-coder:7b`). One such model is found; several are ambiguous.
 */
export function matchModelName(name: string, specs: string[]): NameMatch {
  const wanted = name.trim().toLowerCase();
  const idOf = (spec: string) => spec.slice(spec.indexOf("/") + 1).toLowerCase();
  const unique = [...new Set(specs)];
  const exact = unique.filter((spec) => idOf(spec) === wanted || idOf(spec) === `${wanted}:latest`);
  if (exact.length > 0) return pick(exact);
  const words = wordsOf(wanted);
  const partial = unique.filter((spec) => containsRun(wordsOf(idOf(spec)), words));
  if (partial.length > 0) return pick(partial);
  const scored = unique
    .map((spec) => ({ spec, distance: editDistance(wanted, idOf(spec)) }))
    .filter(({ spec, distance }) => distance <= Math.max(2, Math.floor(idOf(spec).length / 3)))
    .sort((a, b) => a.distance - b.distance);
  return { kind: "none", close: scored.slice(0, MAX_CLOSE).map((s) => s.spec) };
}

function pick(specs: string[]): NameMatch {
  return specs.length === 1 ? { kind: "found", spec: specs[0] } : { kind: "ambiguous", specs };
}

/** Words of a model id: split at `-`, `_`, `:` and `/` (dots stay: `2.5`, `qwen2.5`). */
function wordsOf(id: string): string[] {
  return id.split(/[-_:/]+/).filter(Boolean);
}

function containsRun(haystack: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  for (let i = 0; i + needle.length <= haystack.length; i++)
    if (needle.every((word, j) => haystack[i + j] === word)) return true;
  return false;
}

/** Levenshtein distance (names are short). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}
