/**
 * Parsing a model's tool-call arguments. Accepts exact JSON, then a few near-misses that models often produce
 * (a code fence around the object, trailing commas). Anything else is reported so the model can retry.
 */
export type ParsedArguments = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

export function parseToolArguments(text: string): ParsedArguments {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: {} };
  const candidates = [trimmed, stripFence(trimmed), stripTrailingCommas(stripFence(trimmed))];
  let firstError = "";
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (value && typeof value === "object" && !Array.isArray(value)) {
        return { ok: true, value: value as Record<string, unknown> };
      }
      return { ok: false, error: "arguments must be a JSON object" };
    } catch (error) {
      if (!firstError) firstError = (error as Error).message;
    }
  }
  return { ok: false, error: `arguments are not valid JSON (${firstError})` };
}

function stripFence(text: string): string {
  const match = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(text);
  return match ? match[1] : text;
}

function stripTrailingCommas(text: string): string {
  return text.replace(/,\s*([}\]])/g, "$1");
}
