/**
 * A file's bytes as text and back, byte-exact. Valid UTF-8 (a BOM included) is text as is; anything else is
 * taken byte for byte (latin-1: one character per byte), so an edit changes only the bytes it replaces and
 * every other byte is written back exactly as it was, whatever the file's real 8-bit encoding.
 */

export type FileEncoding = "utf8" | "latin1";

export type FileText = { text: string; encoding: FileEncoding };

export const BOM = "\uFEFF";

export function decodeFileText(bytes: Uint8Array): FileText {
  try {
    // ignoreBOM keeps a BOM in the text, so it is written back.
    return {
      text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes),
      encoding: "utf8",
    };
  } catch {
    return { text: Buffer.from(bytes).toString("latin1"), encoding: "latin1" };
  }
}

export function encodeFileText(text: string, encoding: FileEncoding): Buffer {
  return Buffer.from(text, encoding);
}

/** True when `text` can be written in `encoding` without loss (latin-1 holds U+0000 to U+00FF only). */
export function fitsEncoding(text: string, encoding: FileEncoding): boolean {
  return encoding === "utf8" || !/[^\u0000-\u00ff]/.test(text);
}

/** True when most line breaks are CRLF. */
export function usesCrlf(text: string): boolean {
  const crlf = text.split("\r\n").length - 1;
  if (crlf === 0) return false;
  const lf = text.split("\n").length - 1;
  return crlf >= lf - crlf;
}

export function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}
