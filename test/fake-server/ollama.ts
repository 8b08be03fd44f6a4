/**
 * Ollama's native /api/chat on the wire: NDJSON lines, each a partial message with `done: false`, ending in a line
 * with `done: true`, the done reason and token counts; or one JSON body when `stream: false`. Tool calls arrive
 * whole, arguments as an object; an id only when the script gives one (older Ollama versions send none).
 */
import { pieces } from "./render-kit.ts";
import type { FakeTurn, Renderer } from "./script.ts";

const CREATED_AT = "2025-01-01T00:00:00.000000Z";

function toolCalls(turn: FakeTurn): Array<Record<string, unknown>> {
  return (turn.toolCalls ?? []).map((call, index) => ({
    ...(call.id ? { id: call.id } : {}),
    function: { index, name: call.name, arguments: call.arguments },
  }));
}

function final(turn: FakeTurn): Record<string, unknown> {
  return {
    done: true,
    done_reason: turn.stop === "length" ? "length" : "stop",
    total_duration: 1_000_000,
    ...(turn.usage ? { prompt_eval_count: turn.usage.input, eval_count: turn.usage.output } : {}),
  };
}

export const renderOllama: Renderer = (turn, options) => {
  const base = { model: options.model, created_at: CREATED_AT };
  if (!options.stream) {
    const message: Record<string, unknown> = { role: "assistant", content: turn.text ?? "" };
    if (turn.reasoning) message.thinking = turn.reasoning;
    if (turn.toolCalls?.length) message.tool_calls = toolCalls(turn);
    return { framing: "json", frames: [{ data: JSON.stringify({ ...base, message, ...final(turn) }) }] };
  }

  const line = (message: Record<string, unknown>) =>
    JSON.stringify({ ...base, message: { role: "assistant", content: "", ...message }, done: false });
  const frames: Array<{ data: string }> = [];
  for (const piece of pieces(turn.reasoning ?? "")) frames.push({ data: line({ thinking: piece }) });
  for (const piece of pieces(turn.text ?? "")) frames.push({ data: line({ content: piece }) });
  for (const call of toolCalls(turn)) frames.push({ data: line({ tool_calls: [call] }) });
  frames.push({
    data: JSON.stringify({ ...base, message: { role: "assistant", content: "" }, ...final(turn) }),
  });
  return { framing: "ndjson", frames };
};
