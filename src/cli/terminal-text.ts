/**
 * Text that someone else wrote (a model's answer, a command it asked for, a server's error message) made safe to
 * print on a terminal: every control and escape sequence goes, so it can neither write the clipboard (OSC 52),
 * plant a link (OSC 8), retitle the window, clear or redraw the screen (CSI), reset the terminal (ESC c), send
 * device control strings (DCS), ring the bell, nor hide text behind backspaces and carriage returns. Line breaks
 * and tabs stay; a CRLF becomes a line break. Unicode's bidirectional overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069) go too: they make a line display in another order than it reads ("Trojan Source").
 *
 * For terminal text only: JSON output escapes these characters itself and must keep every byte.
 *
 * One linear pass: each alternative of the pattern starts at a control character, and a string sequence's body
 * stops at the next ESC, so no input makes it backtrack. A sequence cut off before its end loses only its
 * introducer; what follows is then plain text.
 */

const CONTROL = new RegExp(
  [
    // CSI: ESC [ or C1 CSI, parameter bytes, intermediate bytes, a final byte
    String.raw`(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]`,
    // OSC, DCS, SOS, PM, APC: introducer, body, then BEL or ST (ESC \ or C1 ST)
    String.raw`(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)`,
    // any other escape sequence (ESC c, ESC ( B, ESC 7, ...), or the introducer of a cut-off one
    String.raw`\x1b[\x20-\x2f]*[\x30-\x7e]`,
    "\r\n",
    // every other C0 control but tab and line feed, DEL, and the C1 controls
    String.raw`[\x00-\x08\x0b-\x1f\x7f-\x9f]`,
    // bidirectional embeddings, overrides and isolates
    String.raw`[\u202a-\u202e\u2066-\u2069]`,
  ].join("|"),
  "g",
);

/** `text` without control characters and escape sequences, keeping line breaks and tabs. */
export function terminalText(text: string): string {
  return text.replace(CONTROL, (match) => (match === "\r\n" ? "\n" : ""));
}
