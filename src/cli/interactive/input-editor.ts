/**
 * The prompt being typed: its text, the cursor, and the prompts sent before (up and down recall them: those of
 * this process, after the `previous` ones the caller kept). Pure state; `layout` cuts it into rows of the
 * terminal's width and says where the cursor is. A line ending in "\" is continued: Enter there makes a new line
 * instead of sending. A large paste shows as a placeholder ("[pasted 42 lines]") that is sent as the full text.
 */
import { charWidth, hardWrap, visibleWidth } from "./text-width.ts";

export type InputLayout = { rows: string[]; cursorRow: number; cursorColumn: number };

export type InputEditor = {
  readonly text: string;
  /** Where the cursor is: an index into `text`. */
  readonly cursor: number;
  insert(text: string): void;
  /** Pasted text: inserted as it is, or when large as a placeholder that `submit` turns back into the text. */
  paste(text: string): void;
  backspace(): void;
  deleteForward(): void;
  left(): void;
  right(): void;
  home(): void;
  end(): void;
  wordLeft(): void;
  wordRight(): void;
  deleteWordBack(): void;
  killToStart(): void;
  killToEnd(): void;
  /** Up: the line above, or on the first line the prompt sent before. Down: the reverse. */
  up(): void;
  down(): void;
  /**
   * Enter: the text to send (remembered for recall; the editor is emptied), or null when the line is continued
   * with a trailing "\" (the backslash becomes a line break) or there is nothing to send.
   */
  submit(): string | null;
  clear(): void;
  layout(width: number, first: string, rest: string): InputLayout;
};

/** A paste over this many lines or characters collapses to a placeholder. */
export const PASTE_MAX_LINES = 10;
export const PASTE_MAX_CHARS = 1000;

export function createInputEditor(previous: readonly string[] = []): InputEditor {
  let text = "";
  let cursor = 0;
  const sent: string[] = [...previous];
  /** Placeholder -> the pasted text; kept for the process, so a recalled prompt sends its paste again. */
  const pastes = new Map<string, string>();
  /** Position in `sent` while recalling; sent.length means the text being typed. */
  let recall = sent.length;
  let draft = "";
  const expand = (value: string) => {
    let out = value;
    for (const [label, pasted] of pastes) out = out.split(label).join(pasted);
    return out;
  };
  const insert = (value: string) =>
    set(text.slice(0, cursor) + value + text.slice(cursor), cursor + value.length);

  const lineStart = () => text.lastIndexOf("\n", cursor - 1) + 1;
  const lineEnd = () => {
    const end = text.indexOf("\n", cursor);
    return end === -1 ? text.length : end;
  };
  const set = (value: string, at = value.length) => {
    text = value;
    cursor = at;
  };
  const prevChar = (at: number) => (at >= 2 && /[\udc00-\udfff]/.test(text[at - 1]) ? 2 : 1);
  const nextChar = (at: number) => (/[\ud800-\udbff]/.test(text[at] ?? "") ? 2 : 1);
  const wordBackFrom = (at: number) => {
    let i = at;
    while (i > 0 && /\s/.test(text[i - 1])) i--;
    while (i > 0 && !/\s/.test(text[i - 1])) i--;
    return i;
  };

  return {
    get text() {
      return text;
    },
    get cursor() {
      return cursor;
    },
    insert,
    paste(value) {
      const lines = value.split("\n").length;
      if (lines <= PASTE_MAX_LINES && value.length <= PASTE_MAX_CHARS) return insert(value);
      const size = lines > PASTE_MAX_LINES ? `${lines} lines` : `${value.length} chars`;
      let label = `[pasted ${size}]`;
      for (let n = 2; pastes.has(label) && pastes.get(label) !== value; n++) label = `[pasted ${size} #${n}]`;
      pastes.set(label, value);
      insert(label);
    },
    backspace() {
      if (cursor === 0) return;
      // A placeholder goes as a whole.
      for (const label of pastes.keys()) {
        if (text.slice(0, cursor).endsWith(label)) {
          set(text.slice(0, cursor - label.length) + text.slice(cursor), cursor - label.length);
          return;
        }
      }
      const size = prevChar(cursor);
      set(text.slice(0, cursor - size) + text.slice(cursor), cursor - size);
    },
    deleteForward() {
      if (cursor < text.length) text = text.slice(0, cursor) + text.slice(cursor + nextChar(cursor));
    },
    left() {
      if (cursor > 0) cursor -= prevChar(cursor);
    },
    right() {
      if (cursor < text.length) cursor += nextChar(cursor);
    },
    home() {
      cursor = lineStart();
    },
    end() {
      cursor = lineEnd();
    },
    wordLeft() {
      cursor = wordBackFrom(cursor);
    },
    wordRight() {
      let i = cursor;
      while (i < text.length && /\s/.test(text[i])) i++;
      while (i < text.length && !/\s/.test(text[i])) i++;
      cursor = i;
    },
    deleteWordBack() {
      const from = wordBackFrom(cursor);
      set(text.slice(0, from) + text.slice(cursor), from);
    },
    killToStart() {
      const from = lineStart();
      set(text.slice(0, from) + text.slice(cursor), from);
    },
    killToEnd() {
      text = text.slice(0, cursor) + text.slice(lineEnd());
    },
    up() {
      const start = lineStart();
      if (start > 0) {
        const above = text.lastIndexOf("\n", start - 2) + 1;
        cursor = Math.min(above + (cursor - start), start - 1);
        return;
      }
      if (recall === 0) return;
      if (recall === sent.length) draft = text;
      recall--;
      set(sent[recall]);
    },
    down() {
      const end = lineEnd();
      if (end < text.length) {
        const below = end + 1;
        const belowEnd = text.indexOf("\n", below);
        cursor = Math.min(below + (cursor - lineStart()), belowEnd === -1 ? text.length : belowEnd);
        return;
      }
      if (recall >= sent.length) return;
      recall++;
      set(recall === sent.length ? draft : sent[recall]);
    },
    submit() {
      if (cursor === text.length && text.endsWith("\\")) {
        set(`${text.slice(0, -1)}\n`);
        return null;
      }
      const value = text.trim();
      if (value === "") return null;
      if (sent.at(-1) !== value) sent.push(value);
      recall = sent.length;
      draft = "";
      set("");
      return expand(value);
    },
    clear() {
      set("");
      recall = sent.length;
    },
    layout(width, first, rest) {
      const rows: string[] = [];
      let cursorRow = 0;
      let cursorColumn = 0;
      let offset = 0;
      const lines = text.split("\n");
      lines.forEach((line, index) => {
        const prefix = index === 0 ? first : rest;
        const room = Math.max(1, width - visibleWidth(prefix));
        const pieces = hardWrap(line, room);
        const atCursor = cursor >= offset && cursor <= offset + line.length;
        if (atCursor) {
          const before = line.slice(0, cursor - offset);
          let column = 0;
          for (const char of before) column += charWidth(char.codePointAt(0) ?? 0);
          let piece = Math.floor(column / room);
          // The cursor after a full last row goes on a row of its own.
          if (piece >= pieces.length) pieces.push("");
          piece = Math.min(piece, pieces.length - 1);
          cursorRow = rows.length + piece;
          cursorColumn = visibleWidth(prefix) + column - piece * room;
        }
        pieces.forEach((piece, i) => {
          rows.push((i === 0 ? prefix : " ".repeat(visibleWidth(prefix))) + piece);
        });
        offset += line.length + 1;
      });
      return { rows, cursorRow, cursorColumn };
    },
  };
}
