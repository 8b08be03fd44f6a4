/**
 * Gemini API wire format: every SSE frame (`alt=sse`) is a whole GenerateContentResponse chunk; the last carries
 * finishReason and usageMetadata. Function calls arrive whole, with a thought signature on the first one.
 * Not streamed: one GenerateContentResponse with all parts.
 */
import { pieces, tokenCounts } from "./render-kit.ts";
import type { FakeTurn, Renderer } from "./script.ts";

type Part = Record<string, unknown>;

export const renderGemini: Renderer = (turn, options) => {
  const finishReason = turn.stop === "length" ? "MAX_TOKENS" : "STOP";
  const usageMetadata = usage(turn);
  if (!options.stream) {
    const parts = [
      ...(turn.reasoning ? [{ text: turn.reasoning, thought: true }] : []),
      ...(turn.text ? [{ text: turn.text }] : []),
      ...callParts(turn),
    ];
    const body = { ...chunk(options.model, parts, finishReason), usageMetadata };
    return { framing: "json", frames: [{ data: JSON.stringify(body) }] };
  }

  const frames: Array<{ data: string }> = [];
  const push = (parts: Part[], finish?: string) => {
    const body = { ...chunk(options.model, parts, finish), ...(finish ? { usageMetadata } : {}) };
    frames.push({ data: JSON.stringify(body) });
  };
  for (const piece of pieces(turn.reasoning ?? "")) push([{ text: piece, thought: true }]);
  for (const piece of pieces(turn.text ?? "")) push([{ text: piece }]);
  const calls = callParts(turn);
  if (calls.length > 0) push(calls);
  // Gemini's final chunk often carries an empty text part next to the finish reason.
  push([{ text: "" }], finishReason);
  return { framing: "sse", frames };
};

function chunk(model: string, parts: Part[], finishReason?: string): Record<string, unknown> {
  return {
    candidates: [{ content: { role: "model", parts }, index: 0, ...(finishReason ? { finishReason } : {}) }],
    modelVersion: model,
    responseId: "fake-response-1",
  };
}

function callParts(turn: FakeTurn): Part[] {
  return (turn.toolCalls ?? []).map((call, index) => ({
    functionCall: { ...(call.id ? { id: call.id } : {}), name: call.name, args: call.arguments },
    ...(index === 0 ? { thoughtSignature: "c2lnbmF0dXJlLWZha2U=" } : {}),
  }));
}

function usage(turn: FakeTurn): Record<string, number> {
  const { input: prompt, output: candidates } = tokenCounts(turn);
  return { promptTokenCount: prompt, candidatesTokenCount: candidates, totalTokenCount: prompt + candidates };
}
