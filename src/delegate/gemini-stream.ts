import type { RuntimeParser } from "./runtime-events.ts";

export function createGeminiParser(): RuntimeParser {
  return { line: () => [], end: () => [] };
}
