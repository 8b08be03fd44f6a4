/**
 * Drawing on the terminal: history is printed once, above the live region, and then belongs to the terminal's
 * own scrollback; only the live region (what is still changing: a streaming line, running tools, the prompt,
 * the status line) is erased and redrawn. Every live line must fit the width (the caller wraps), so the region's
 * height is its line count and the cursor can go back to its top by counting rows.
 *
 * On a resize nothing is cleared: a terminal that narrows rewraps what it shows (tmux, VTE, iTerm2, kitty,
 * Windows Terminal do), so the live lines drawn at the old width now take more rows. `resized` counts them at
 * the new width, and the next draw goes back up over exactly those rows and redraws there; the scrollback stays.
 *
 * The live region never starts at the screen's top-left corner: tmux (scroll-on-clear) takes an erase-below from
 * there for a clear screen and pushes what was shown into the scrollback, so every redraw would leave a copy of
 * the prompt behind. A reset therefore prints a heading before the live region comes back.
 */
import { visibleWidth } from "./text-width.ts";

export type LiveFrame = {
  /** Styled lines, each at most the terminal's width. */
  lines: string[];
  /** Where the cursor goes (the prompt's insertion point); at the end of the last line when absent. */
  cursor?: { row: number; column: number };
};

export type Screen = {
  /** History lines to print once (each may be longer than the width: the terminal wraps it), then the live frame. */
  draw(history: string[], frame: LiveFrame): void;
  /** The terminal is now `width` columns wide: the next draw replaces the live region as it was rewrapped. */
  resized(width: number): void;
  /** Start over on a clear screen (Ctrl-L, /clear) under `heading` (at least one line, see the header). */
  reset(heading: string[]): void;
  /** Erase the live region (at exit), leaving the history. */
  clearLive(): void;
};

/** Begin and end a synchronized update, so a terminal that knows it shows the frame at once (others ignore it). */
const SYNC_BEGIN = "\x1b[?2026h";
const SYNC_END = "\x1b[?2026l";

export function createScreen(write: (text: string) => void): Screen {
  /** The cursor's row within the live region as last drawn. */
  let cursorRow = 0;
  /** The columns of each live line as last drawn, and the cursor's column: to count rows after a rewrap. */
  let widths: number[] = [];
  let cursorColumn = 0;
  const toTop = () => `${cursorRow > 0 ? `\x1b[${cursorRow}A` : ""}\r\x1b[J`;
  return {
    draw(history, frame) {
      let out = SYNC_BEGIN + toTop();
      for (const line of history) out += `${line}\r\n`;
      out += frame.lines.join("\r\n");
      const last = Math.max(0, frame.lines.length - 1);
      const row = Math.min(frame.cursor?.row ?? last, last);
      if (last > row) out += `\x1b[${last - row}A`;
      if (frame.cursor) out += `\r${frame.cursor.column > 0 ? `\x1b[${frame.cursor.column}C` : ""}`;
      cursorRow = row;
      widths = frame.lines.map(visibleWidth);
      cursorColumn = frame.cursor ? frame.cursor.column : (widths[row] ?? 0);
      write(out + SYNC_END);
    },
    resized(width) {
      const columns = Math.max(1, width);
      let rows = 0;
      for (let i = 0; i < cursorRow; i++) rows += Math.max(1, Math.ceil((widths[i] ?? 0) / columns));
      // The cursor's own line may have wrapped before it too (a cursor just past a full row stays on it).
      rows += Math.floor(Math.max(0, cursorColumn - 1) / columns);
      cursorRow = rows;
      widths = [];
      cursorColumn = 0;
    },
    reset(heading) {
      const lines = heading.length > 0 ? heading : [""];
      write(`\x1b[H\x1b[2J${lines.map((line) => `${line}\r\n`).join("")}`);
      cursorRow = 0;
      widths = [];
      cursorColumn = 0;
    },
    clearLive() {
      write(toTop());
      cursorRow = 0;
    },
  };
}
