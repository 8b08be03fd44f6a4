import type { RuntimeParser } from "./runtime-events.ts";

export function createOpencodeParser(): RuntimeParser {
  return { line: () => [], end: () => [] };
}
