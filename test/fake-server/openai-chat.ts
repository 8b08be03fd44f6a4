/**
 * Chat Completions on the wire: `chat.completion.chunk` SSE frames (data only, no event names) ending in
 * `data: [DONE]`, or one `chat.completion` JSON body. Usage comes in its own chunk with empty `choices` after the
 * finish chunk, as OpenAI sends it when the request asks for `stream_options.include_usage`.
 */
import { pieces, stopOf } from "./render-kit.ts";
import type { FakeTurn, Renderer } from "./script.ts";

const CREATED = 1_700_000_000;

function finishReason(turn: FakeTurn): string {
  const stop = stopOf(turn);
  return stop === "tool_use" ? "tool_calls" : stop;
}

function callId(turn: FakeTurn, index: number): string {
  return turn.toolCalls?.[index]?.id ?? `call_fake_${index}`;
}

function usageOf(turn: FakeTurn): Record<string, number> | undefined {
  if (!turn.usage) return undefined;
  const { input, output } = turn.usage;
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

export const renderOpenAIChat: Renderer = (turn, options) => {
  const base = { id: "chatcmpl-fake", created: CREATED, model: options.model };
  if (!options.stream) {
    const message: Record<string, unknown> = { role: "assistant", content: turn.text ?? null };
    if (turn.reasoning) message.reasoning_content = turn.reasoning;
    if (turn.toolCalls?.length) {
      message.tool_calls = turn.toolCalls.map((call, i) => ({
        id: callId(turn, i),
        type: "function",
        function: { name: call.name, arguments: JSON.stringify(call.arguments) },
      }));
    }
    const body = {
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message, finish_reason: finishReason(turn) }],
      usage: usageOf(turn),
    };
    return { framing: "json", frames: [{ data: JSON.stringify(body) }] };
  }

  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    JSON.stringify({
      ...base,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  const frames: Array<{ data: string }> = [{ data: chunk({ role: "assistant", content: "" }) }];
  for (const piece of pieces(turn.reasoning ?? ""))
    frames.push({ data: chunk({ reasoning_content: piece }) });
  for (const piece of pieces(turn.text ?? "", turn.textPieces))
    frames.push({ data: chunk({ content: piece }) });
  (turn.toolCalls ?? []).forEach((call, index) => {
    const head = {
      index,
      id: callId(turn, index),
      type: "function",
      function: { name: call.name, arguments: "" },
    };
    frames.push({ data: chunk({ tool_calls: [head] }) });
    for (const piece of pieces(JSON.stringify(call.arguments))) {
      frames.push({ data: chunk({ tool_calls: [{ index, function: { arguments: piece } }] }) });
    }
  });
  frames.push({ data: chunk({}, finishReason(turn)) });
  const streamOptions = options.requestBody.stream_options as { include_usage?: boolean } | undefined;
  if (turn.usage && streamOptions?.include_usage) {
    frames.push({
      data: JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage: usageOf(turn) }),
    });
  }
  frames.push({ data: "[DONE]" });
  return { framing: "sse", frames };
};
