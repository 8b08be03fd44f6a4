/**
 * Columns a piece of text takes on a terminal, and plain text cut or wrapped to a width. The live region is
 * redrawn by counting rows, so every line drawn there must fit the width: these functions make sure it does.
 * Wide characters (CJK, most emoji) take two columns, combining marks none; styles (SGR) take none.
 */

const SGR = /\x1b\[[0-9;]*m/g;

/** Columns one code point takes. */
export function charWidth(code: number): number {
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if ((code >= 0x300 && code <= 0x36f) || (code >= 0x200b && code <= 0x200f) || code === 0xfe0f) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Columns `text` takes (styles ignored). */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(SGR, "")) width += charWidth(char.codePointAt(0) ?? 0);
  return width;
}

/** Plain `text` (no styles, no line breaks) cut to `width` columns, ending with "…" when cut. */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  let out = "";
  let used = 0;
  for (const char of text) {
    const w = charWidth(char.codePointAt(0) ?? 0);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** Plain `text` cut into pieces of at most `width` columns each, wherever the width runs out. */
export function hardWrap(text: string, width: number): string[] {
  const rows: string[] = [];
  let row = "";
  let used = 0;
  for (const char of text) {
    const w = charWidth(char.codePointAt(0) ?? 0);
    if (used + w > width) {
      rows.push(row);
      row = "";
      used = 0;
    }
    row += char;
    used += w;
  }
  rows.push(row);
  return rows;
}

/** Plain `text` as lines of at most `width` columns: broken at its line breaks, then between words. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/(?<= )/)) {
      if (visibleWidth(line + word.trimEnd()) <= width) {
        line += word;
        continue;
      }
      if (line !== "") out.push(line.trimEnd());
      const pieces = hardWrap(word, width);
      line = pieces.pop() ?? "";
      out.push(...pieces);
    }
    out.push(line.trimEnd());
  }
  return out;
}
