/**
 * Keys from the terminal's raw input bytes. Raw mode hands over bytes, not keys: this turns them into the few
 * keys the front acts on. A lone ESC at the end of a chunk is the Esc key (a terminal sends an escape sequence
 * in one write), so Esc acts at once, without the half-second wait node's readline keypress parser has.
 * Bracketed paste (ESC [200~ ... ESC [201~) arrives as one `paste` key, line breaks and all, even across chunks.
 */

export type KeyName =
  | "enter"
  | "newline"
  | "backspace"
  | "delete"
  | "left"
  | "right"
  | "up"
  | "down"
  | "home"
  | "end"
  | "word-left"
  | "word-right"
  | "delete-word"
  | "kill-start"
  | "kill-end"
  | "escape"
  | "tab"
  | "ctrl-c"
  | "ctrl-d"
  | "ctrl-l";

export type Key = { type: "text"; text: string } | { type: "paste"; text: string } | { type: KeyName };

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";

/** Single control bytes. Ctrl-J (a line feed) is a new line in the prompt, Enter (a carriage return) sends it. */
const CONTROL: Record<string, KeyName> = {
  "\r": "enter",
  "\n": "newline",
  "\x7f": "backspace",
  "\b": "backspace",
  "\t": "tab",
  "\x01": "home",
  "\x05": "end",
  "\x02": "left",
  "\x06": "right",
  "\x03": "ctrl-c",
  "\x04": "ctrl-d",
  "\x0b": "kill-end",
  "\x0c": "ctrl-l",
  "\x15": "kill-start",
  "\x17": "delete-word",
};

/** CSI sequences by their parameters and final byte. */
const CSI: Record<string, KeyName> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
  "1~": "home",
  "7~": "home",
  "4~": "end",
  "8~": "end",
  "3~": "delete",
  "1;5C": "word-right",
  "1;5D": "word-left",
  "1;3C": "word-right",
  "1;3D": "word-left",
  // Shift-Enter where the terminal reports it: kitty's CSI u, xterm's modifyOtherKeys.
  "13;2u": "newline",
  "27;2;13~": "newline",
};

/** Alt (ESC-prefixed) keys. */
const ALT: Record<string, KeyName> = {
  "\r": "newline",
  "\n": "newline",
  "\x7f": "delete-word",
  b: "word-left",
  f: "word-right",
};

export type KeyReader = { feed(chunk: string): void };

export function createKeyReader(onKey: (key: Key) => void): KeyReader {
  let paste: string | null = null;
  return {
    feed(chunk) {
      let i = 0;
      while (i < chunk.length) {
        if (paste !== null) {
          const end = chunk.indexOf(PASTE_END, i);
          if (end === -1) {
            paste += chunk.slice(i);
            return;
          }
          onKey({ type: "paste", text: (paste + chunk.slice(i, end)).replace(/\r\n?/g, "\n") });
          paste = null;
          i = end + PASTE_END.length;
          continue;
        }
        const char = chunk[i];
        if (char === "\x1b") {
          i = escapeAt(chunk, i);
          continue;
        }
        const control = CONTROL[char];
        if (control) {
          onKey({ type: control });
          i++;
          continue;
        }
        let end = i;
        while (end < chunk.length && chunk.charCodeAt(end) >= 0x20 && chunk[end] !== "\x7f") end++;
        if (end > i) onKey({ type: "text", text: chunk.slice(i, end) });
        i = Math.max(end, i + 1);
      }
    },
  };

  /** Reads the escape sequence at `i`; returns where the next key starts. */
  function escapeAt(chunk: string, i: number): number {
    if (chunk.startsWith(PASTE_START, i)) {
      paste = "";
      return i + PASTE_START.length;
    }
    const next = chunk[i + 1];
    if (next === undefined || next === "\x1b") {
      onKey({ type: "escape" });
      return i + 1;
    }
    if (next === "[" || next === "O") {
      const match = /^[0-9;]*[\x40-\x7e]/.exec(chunk.slice(i + 2));
      if (!match) return chunk.length;
      const name = CSI[match[0]];
      if (name) onKey({ type: name });
      return i + 2 + match[0].length;
    }
    const alt = ALT[next];
    if (alt) onKey({ type: alt });
    return i + 2;
  }
}
