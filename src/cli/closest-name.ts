/** "Did you mean": the known name closest to a mistyped one. */

/** The closest of `names` to `word` (at most 2 edits, and fewer than half its letters), or null. */
export function closestName(word: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.min(2, Math.floor((word.length - 1) / 2));
  for (const name of names) {
    const distance = editDistance(word, name);
    if (distance <= bestDistance && (best === null || distance < bestDistance)) {
      best = name;
      bestDistance = distance;
    }
  }
  return best === word ? null : best;
}

/** Damerau-Levenshtein (optimal string alignment): a swap of two letters is one edit ("shwo" -> "show"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
