/**
 * Drawing on the terminal: history is printed once, above the live region, and then belongs to the terminal's
 * own scrollback; only the live region (what is still changing: a streaming line, running tools, the prompt,
 * the status line) is erased and redrawn. Every live line must fit the width (the caller wraps), so the region's
 * height is its line count and the cursor can go back to its top by counting rows.
 */

export type LiveFrame = {
  /** Styled lines, each at most the terminal's width. */
  lines: string[];
  /** Where the cursor goes (the prompt's insertion point); at the end of the last line when absent. */
  cursor?: { row: number; column: number };
};

export type Screen = {
  /** History lines to print once (each may be longer than the width: the terminal wraps it), then the live frame. */
  draw(history: string[], frame: LiveFrame): void;
  /** The terminal changed size: what is on screen may have reflowed, so start over at the top of a clear screen. */
  reset(): void;
  /** Erase the live region (at exit), leaving the history. */
  clearLive(): void;
};

/** Begin and end a synchronized update, so a terminal that knows it shows the frame at once (others ignore it). */
const SYNC_BEGIN = "\x1b[?2026h";
const SYNC_END = "\x1b[?2026l";

export function createScreen(write: (text: string) => void): Screen {
  /** The cursor's row within the live region as last drawn. */
  let cursorRow = 0;
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
      write(out + SYNC_END);
    },
    reset() {
      write("\x1b[H\x1b[2J");
      cursorRow = 0;
    },
    clearLive() {
      write(toTop());
      cursorRow = 0;
    },
  };
}
