/**
 * The assistant's answer as Markdown on a terminal, one line at a time as it streams: headings, bold, italic,
 * inline code, links, lists, block quotes, rules, tables (markdown-table.ts), and fenced code blocks highlighted
 * by code-highlight.ts. A line is rendered once it is complete (the state carried between lines is the open code
 * fence, and the rows of a table, drawn once the table ends), so the history can be printed as it streams;
 * `preview` renders what is still arriving without committing to it.
 * Every row fits the width (display columns, text-width.ts); without colour no escape is written at all.
 * The text must already be plain (terminal-text.ts): Markdown is styled here, never passed through.
 */
import { type HighlightState, highlightLine, type Span } from "./code-highlight.ts";
import { isTableRow, renderTable } from "./markdown-table.ts";
import { charWidth, visibleWidth } from "./text-width.ts";
import type { Style, Theme } from "./theme.ts";

export type MarkdownRenderer = {
  /** One complete line of the answer: its rows, each at most `width` columns. */
  line(text: string, width: number): string[];
  /** The line still arriving (and a table still gathering), rendered as if it ended here; nothing is remembered. */
  preview(text: string, width: number): string[];
  /** A table is being gathered: there is something to preview even before the next line starts. */
  readonly gathering: boolean;
  /** The answer ended: an open code block is closed; a table still gathering is drawn (its rows returned). */
  end(width: number): string[];
};

type Fence = { marker: string; lang: string; highlight: HighlightState };
type State = { fence: Fence | null; table: string[] };

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^\s{0,3}((?:>\s?)+)(.*)$/;
const LIST = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;

export function createMarkdownRenderer(theme: Theme): MarkdownRenderer {
  const state: State = { fence: null, table: [] };
  return {
    line: (text, width) => renderLine(text, Math.max(4, width), state, theme),
    preview(text, width) {
      const copy: State = {
        fence: state.fence ? { ...state.fence, highlight: { ...state.fence.highlight } } : null,
        table: [...state.table],
      };
      const rows = text === "" ? [] : renderLine(text, Math.max(4, width), copy, theme);
      return [...rows, ...tableRows(copy, Math.max(4, width), theme)];
    },
    get gathering() {
      return state.table.length > 0;
    },
    end(width) {
      state.fence = null;
      return tableRows(state, Math.max(4, width), theme);
    },
  };
}

/** The table gathered so far, drawn (and forgotten). */
function tableRows(state: State, width: number, theme: Theme): string[] {
  if (state.table.length === 0) return [];
  const lines = state.table;
  state.table = [];
  const cellText = (cell: string) => {
    const text = joinPieces(inline(cell, theme));
    return { text, width: visibleWidth(text) };
  };
  return renderTable(lines, width, theme, cellText, (text, w) => wrapSpans([{ text }], w, "", ""));
}

function renderLine(text: string, width: number, state: State, theme: Theme): string[] {
  if (!state.fence && isTableRow(text)) {
    state.table.push(text);
    return [];
  }
  // A line that is not a row ends the table before it.
  const table = tableRows(state, width, theme);
  return table.length > 0
    ? [...table, ...renderLine(text, width, state, theme)]
    : renderBlock(text, width, state, theme);
}

function renderBlock(text: string, width: number, state: State, theme: Theme): string[] {
  const fence = state.fence;
  if (fence) {
    const trimmed = text.trim();
    if (trimmed.length >= fence.marker.length && trimmed === fence.marker[0].repeat(trimmed.length)) {
      state.fence = null;
      return [theme.dim("─".repeat(Math.min(width, 3)))];
    }
    const spans = highlightLine(text.replace(/\t/g, "  "), fence.lang, theme, fence.highlight);
    return cutRows(spans, width - 2).map((row) => `  ${row}`);
  }
  const open = FENCE.exec(text);
  if (open) {
    state.fence = { marker: open[1], lang: open[2], highlight: { inBlockComment: false } };
    return [theme.dim(fit(`─── ${open[2]}`.trimEnd(), width))];
  }
  if (text.trim() === "") return [""];
  if (RULE.test(text)) return [theme.dim("─".repeat(Math.min(width, 40)))];
  const heading = HEADING.exec(text);
  if (heading) {
    const style: Style = heading[1].length === 1 ? (t) => theme.bold(theme.underline(t)) : theme.bold;
    return wrapSpans(inline(heading[2], theme, style), width, "", "");
  }
  const quote = QUOTE.exec(text);
  if (quote) {
    const depth = (quote[1].match(/>/g) ?? []).length;
    const bar = theme.dim("│ ".repeat(depth));
    const rows = wrapSpans(inline(quote[2], theme, theme.italic), width - 2 * depth, "", "");
    return rows.map((row) => bar + row);
  }
  const item = LIST.exec(text);
  if (item) {
    const indent = item[1].replace(/\t/g, "  ");
    const ordered = /\d/.test(item[2]);
    const bullet = ordered ? item[2] : Math.floor(indent.length / 2) % 2 === 0 ? "•" : "◦";
    const first = `${indent}${bullet} `;
    const marker = ordered ? first : `${indent}${theme.cyan(bullet)} `;
    const rows = wrapSpans(inline(item[3], theme), width, first, " ".repeat(visibleWidth(first)));
    return [marker + rows[0].slice(first.length), ...rows.slice(1)];
  }
  return wrapSpans(inline(text, theme), width, "", "");
}

function fit(text: string, width: number): string {
  return visibleWidth(text) <= width ? text : cutRows([{ text }], width)[0];
}

const compose =
  (outer: Style | undefined, inner: Style): Style =>
  (text) =>
    outer ? outer(inner(text)) : inner(text);

/** Inline Markdown as styled spans: code, bold, italic, strikethrough, links; backslash escapes. */
export function inline(text: string, theme: Theme, base?: Style): Span[] {
  const spans: Span[] = [];
  let plain = "";
  const flush = () => {
    if (plain) spans.push({ text: plain, style: base });
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    const rest = text.slice(i);
    if (char === "\\" && /[\\`*_{}[\]()#+\-.!~>|]/.test(text[i + 1] ?? "")) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (char === "`") {
      const ticks = /^`+/.exec(rest)?.[0] ?? "`";
      const close = text.indexOf(ticks, i + ticks.length);
      if (close !== -1) {
        flush();
        let code = text.slice(i + ticks.length, close);
        if (/^ .* $/.test(code)) code = code.slice(1, -1);
        spans.push({ text: code, style: compose(base, theme.cyan) });
        i = close + ticks.length;
        continue;
      }
    }
    const pair = delimited(text, i);
    if (pair) {
      flush();
      const style = pair.kind === "bold" ? theme.bold : pair.kind === "italic" ? theme.italic : theme.dim;
      spans.push(...inline(pair.inner, theme, compose(base, style)));
      i = pair.end;
      continue;
    }
    if (char === "[") {
      const link = /^\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/.exec(rest);
      if (link) {
        flush();
        spans.push(...inline(link[1], theme, compose(base, theme.underline)));
        if (link[2] !== link[1]) spans.push({ text: ` (${link[2]})`, style: theme.dim });
        i += link[0].length;
        continue;
      }
    }
    plain += char;
    i++;
  }
  flush();
  return spans;
}

/** A `**bold**`, `__bold__`, `*italic*`, `_italic_` or `~~struck~~` starting at `i`, when it is closed. */
function delimited(
  text: string,
  i: number,
): { kind: "bold" | "italic" | "strike"; inner: string; end: number } | null {
  const char = text[i];
  if (char !== "*" && char !== "_" && char !== "~") return null;
  const double = text[i + 1] === char;
  if (char === "~" && !double) return null;
  const marker = double ? char + char : char;
  const start = i + marker.length;
  // Opening: not followed by a space; an underscore not inside a word (snake_case stays as it is).
  if (start >= text.length || /\s/.test(text[start])) return null;
  if (char === "_" && i > 0 && /\w/.test(text[i - 1])) return null;
  let close = text.indexOf(marker, start + 1);
  while (close !== -1) {
    const before = text[close - 1];
    const after = text[close + marker.length] ?? "";
    const okAfter = char !== "_" || !/\w/.test(after);
    const notLonger = double || after !== char;
    if (!/\s/.test(before) && okAfter && notLonger) break;
    close = text.indexOf(marker, close + 1);
  }
  if (close === -1) return null;
  const kind = char === "~" ? "strike" : double ? "bold" : "italic";
  return { kind, inner: text.slice(start, close), end: close + marker.length };
}

type Piece = { text: string; style?: Style };

/** Spans word-wrapped into rows of at most `width` columns, the first after `first`, the rest after `rest`. */
export function wrapSpans(spans: Span[], width: number, first: string, rest: string): string[] {
  // Words: runs of non-space pieces (a word may change style midway, as in "**bold**,"); spaces between them.
  const words: { pieces: Piece[]; space: string }[] = [];
  let current: Piece[] = [];
  let leading = "";
  for (const span of spans) {
    for (const part of span.text.split(/( +)/)) {
      if (part === "") continue;
      if (part.startsWith(" ")) {
        if (current.length > 0) words.push({ pieces: current, space: leading });
        else if (words.length === 0) leading += part;
        current = [];
        leading = part;
      } else current.push({ text: part, style: span.style });
    }
  }
  if (current.length > 0) words.push({ pieces: current, space: words.length === 0 ? "" : leading });
  const rows: string[] = [];
  let prefix = first;
  let row: Piece[] = [];
  let used = 0;
  const room = () => Math.max(1, width - visibleWidth(prefix));
  const finish = () => {
    rows.push(prefix + joinPieces(row));
    prefix = rest;
    row = [];
    used = 0;
  };
  for (const word of words) {
    const size = word.pieces.reduce((sum, piece) => sum + visibleWidth(piece.text), 0);
    const space = row.length > 0 ? visibleWidth(word.space) : 0;
    if (row.length > 0 && used + space + size > room()) finish();
    if (row.length > 0) {
      row.push({ text: word.space });
      used += space;
    }
    if (size <= room() - used) {
      row.push(...word.pieces);
      used += size;
      continue;
    }
    // Longer than a whole row: cut it wherever the width runs out.
    const cut = cutPieces(word.pieces, room());
    for (const [index, piece] of cut.entries()) {
      if (index > 0) finish();
      row = piece.pieces;
      used = piece.width;
    }
  }
  if (row.length > 0 || rows.length === 0) finish();
  return rows;
}

/** Spans cut into rows of at most `width` columns wherever the width runs out (code: no word wrap). */
export function cutRows(spans: Span[], width: number): string[] {
  return cutPieces(spans, Math.max(1, width)).map((row) => joinPieces(row.pieces));
}

function cutPieces(pieces: Piece[], width: number): { pieces: Piece[]; width: number }[] {
  const rows: { pieces: Piece[]; width: number }[] = [{ pieces: [], width: 0 }];
  for (const piece of pieces) {
    let text = "";
    for (const char of piece.text) {
      const w = charWidth(char.codePointAt(0) ?? 0);
      const row = rows[rows.length - 1];
      if (row.width + w > width) {
        if (text) row.pieces.push({ text, style: piece.style });
        text = "";
        rows.push({ pieces: [], width: 0 });
      }
      text += char;
      rows[rows.length - 1].width += w;
    }
    if (text) rows[rows.length - 1].pieces.push({ text, style: piece.style });
  }
  return rows;
}

/** Pieces as one styled string; neighbours in the same style share one pair of escapes. */
function joinPieces(pieces: Piece[]): string {
  let out = "";
  let run = "";
  let style: Style | undefined;
  const flush = () => {
    out += style ? style(run) : run;
    run = "";
  };
  for (const piece of pieces) {
    if (piece.style !== style) {
      flush();
      style = piece.style;
    }
    run += piece.text;
  }
  flush();
  return out.trimEnd();
}
