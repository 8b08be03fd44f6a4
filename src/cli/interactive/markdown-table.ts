/**
 * A Markdown table on a terminal: its rows are gathered as they stream (markdown.ts) and drawn once whole, with
 * columns as wide as their widest cell, the header bold and a rule under it, `---:` columns aligned right. A
 * table wider than the terminal is drawn a row per line instead (cells joined by " │ ", wrapped), so nothing is
 * cut off.
 */
import type { Theme } from "./theme.ts";

/** A cell's inline Markdown styled, and its width in columns. */
export type CellText = (cell: string) => { text: string; width: number };

/** A line that belongs to a table: starts with "|" (after up to three spaces). */
export function isTableRow(line: string): boolean {
  return /^\s{0,3}\|/.test(line);
}

const SEPARATOR_CELL = /^:?-{1,}:?$/;

export function renderTable(
  lines: string[],
  width: number,
  theme: Theme,
  cellText: CellText,
  wrap: (text: string, width: number) => string[],
): string[] {
  const rows = lines.map(cells);
  const separator = rows.findIndex((row) => row.length > 0 && row.every((cell) => SEPARATOR_CELL.test(cell)));
  const right = separator === -1 ? [] : rows[separator].map((cell) => /-:$/.test(cell));
  const body = rows.filter((_, index) => index !== separator);
  const headerRows = Math.max(separator, 0);
  const columns = Math.max(...body.map((row) => row.length));
  const styled = body.map((row, index) =>
    Array.from({ length: columns }, (_, column) => {
      const cell = cellText(row[column] ?? "");
      return index < headerRows ? { text: theme.bold(cell.text), width: cell.width } : cell;
    }),
  );
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(1, ...styled.map((row) => row[column].width)),
  );
  const total = widths.reduce((sum, w) => sum + w, 0) + 3 * (columns - 1);
  if (total > width) {
    // Too wide to line up: each row on its own, wrapped.
    return styled.flatMap((row) => wrap(row.map((cell) => cell.text).join(theme.dim(" │ ")), width));
  }
  const out: string[] = [];
  for (const [index, row] of styled.entries()) {
    const padded = row.map((cell, column) => {
      const pad = " ".repeat(widths[column] - cell.width);
      return right[column] ? pad + cell.text : cell.text + pad;
    });
    out.push(padded.join(theme.dim(" │ ")).trimEnd());
    if (index === headerRows - 1) out.push(theme.dim(widths.map((w) => "─".repeat(w)).join("─┼─")));
  }
  return out;
}

/** The cells of a row: split on unescaped "|", the outer pipes dropped, each trimmed. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = "";
  const text = line.trim();
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\" && text[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (text[i] === "|") {
      out.push(cell.trim());
      cell = "";
    } else cell += text[i];
  }
  out.push(cell.trim());
  // "| a | b |" splits into "", "a", "b", "".
  if (out[0] === "") out.shift();
  if (out.length > 0 && out[out.length - 1] === "" && text.endsWith("|")) out.pop();
  return out;
}
