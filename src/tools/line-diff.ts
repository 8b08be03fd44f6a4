/**
 * A short line-based unified diff between two versions of a file, for showing a change to a human (e.g. why
 * `hearth undo` refuses). Common head and tail are cut first; the rest is an LCS diff when small enough, else
 * shown as removed-then-added. Output is capped.
 */

const CONTEXT = 3;
/** Above this many cells (old lines x new lines left after trimming) the middle is not aligned. */
const MAX_CELLS = 4_000_000;

type Op = { kind: " " | "-" | "+"; text: string };

/** `from`/`to` null: the file does not exist. Returns the diff's lines, at most `maxLines` plus a note. */
export function lineDiff(path: string, from: Buffer | null, to: Buffer | null, maxLines = 40): string[] {
  if ((from && isBinary(from)) || (to && isBinary(to))) return [`Binary file ${path} differs`];
  const head = [from ? `--- ${path}` : "--- /dev/null", to ? `+++ ${path}` : "+++ /dev/null"];
  const a = from ? splitLines(from.toString("utf8")) : [];
  const b = to ? splitLines(to.toString("utf8")) : [];
  const lines = [...head, ...hunks(diffOps(a, b))];
  if (lines.length <= maxLines + 1) return lines;
  return [...lines.slice(0, maxLines), `... (${lines.length - maxLines} more lines)`];
}

function diffOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const same = (lines: string[]): Op[] => lines.map((text) => ({ kind: " ", text }));
  return [
    ...same(a.slice(0, start)),
    ...middle(a.slice(start, endA), b.slice(start, endB)),
    ...same(a.slice(endA)),
  ];
}

function middle(a: string[], b: string[]): Op[] {
  const removed = (text: string): Op => ({ kind: "-", text });
  const added = (text: string): Op => ({ kind: "+", text });
  if (a.length * b.length > MAX_CELLS) return [...a.map(removed), ...b.map(added)];
  // lengths[i * (m + 1) + j] = LCS length of a[i..] and b[j..]
  const n = a.length;
  const m = b.length;
  const lengths = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * (m + 1) + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(lengths[(i + 1) * (m + 1) + j], lengths[i * (m + 1) + j + 1]);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: " ", text: a[i++] });
      j++;
    } else if (lengths[(i + 1) * (m + 1) + j] >= lengths[i * (m + 1) + j + 1]) ops.push(removed(a[i++]));
    else ops.push(added(b[j++]));
  }
  while (i < n) ops.push(removed(a[i++]));
  while (j < m) ops.push(added(b[j++]));
  return ops;
}

function hunks(ops: Op[]): string[] {
  const changed = ops.flatMap((op, index) => (op.kind === " " ? [] : [index]));
  const out: string[] = [];
  for (let g = 0; g < changed.length; ) {
    let last = g;
    while (last + 1 < changed.length && changed[last + 1] - changed[last] <= 2 * CONTEXT + 1) last++;
    const from = Math.max(0, changed[g] - CONTEXT);
    const to = Math.min(ops.length, changed[last] + 1 + CONTEXT);
    const before = ops.slice(0, from);
    const range = ops.slice(from, to);
    const oldStart = before.filter((op) => op.kind !== "+").length;
    const newStart = before.filter((op) => op.kind !== "-").length;
    const oldCount = range.filter((op) => op.kind !== "+").length;
    const newCount = range.filter((op) => op.kind !== "-").length;
    out.push(
      `@@ -${oldStart + (oldCount ? 1 : 0)},${oldCount} +${newStart + (newCount ? 1 : 0)},${newCount} @@`,
    );
    for (const op of range) out.push(`${op.kind}${op.text}`);
    g = last + 1;
  }
  return out;
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8192).includes(0);
}
