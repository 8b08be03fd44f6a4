/**
 * OpenAI Responses API wire format: a stream of typed SSE events ending in `response.completed` (or
 * `response.incomplete` when the output hit max_output_tokens), or one response object when not streamed.
 */
import { pieces, tokenCounts } from "./render-kit.ts";
import type { FakeTurn, Renderer } from "./script.ts";

type Item = Record<string, unknown>;

export const renderOpenAIResponses: Renderer = (turn, options) => {
  const id = "resp_fake_1";
  const items = outputItems(turn);
  const final = responseObject(id, options.model, turn, items);
  if (!options.stream) return { framing: "json", frames: [{ data: JSON.stringify(final) }] };

  const frames: Array<{ event?: string; data: string }> = [];
  let sequence = 0;
  const emit = (type: string, fields: Record<string, unknown>) => {
    frames.push({ event: type, data: JSON.stringify({ type, sequence_number: sequence++, ...fields }) });
  };
  const started = { ...final, status: "in_progress", output: [], usage: null, incomplete_details: null };
  emit("response.created", { response: started });
  emit("response.in_progress", { response: started });

  items.forEach((item, outputIndex) => {
    const itemId = item.id as string;
    const base = { item_id: itemId, output_index: outputIndex };
    if (item.type === "reasoning") {
      emit("response.output_item.added", { output_index: outputIndex, item: { ...item, summary: [] } });
      const part = { type: "summary_text", text: "" };
      emit("response.reasoning_summary_part.added", { ...base, summary_index: 0, part });
      const text = turn.reasoning ?? "";
      for (const delta of pieces(text)) {
        emit("response.reasoning_summary_text.delta", { ...base, summary_index: 0, delta });
      }
      emit("response.reasoning_summary_text.done", { ...base, summary_index: 0, text });
      emit("response.reasoning_summary_part.done", { ...base, summary_index: 0, part: { ...part, text } });
    } else if (item.type === "message") {
      emit("response.output_item.added", {
        output_index: outputIndex,
        item: { ...item, status: "in_progress", content: [] },
      });
      const part = { type: "output_text", text: "", annotations: [] };
      emit("response.content_part.added", { ...base, content_index: 0, part });
      const text = turn.text ?? "";
      for (const delta of pieces(text)) {
        emit("response.output_text.delta", { ...base, content_index: 0, delta, logprobs: [] });
      }
      emit("response.output_text.done", { ...base, content_index: 0, text, logprobs: [] });
      emit("response.content_part.done", { ...base, content_index: 0, part: { ...part, text } });
    } else {
      const args = item.arguments as string;
      emit("response.output_item.added", {
        output_index: outputIndex,
        item: { ...item, arguments: "", status: "in_progress" },
      });
      for (const delta of pieces(args)) emit("response.function_call_arguments.delta", { ...base, delta });
      emit("response.function_call_arguments.done", { ...base, arguments: args });
    }
    emit("response.output_item.done", { output_index: outputIndex, item });
  });

  const terminal = final.status === "incomplete" ? "response.incomplete" : "response.completed";
  emit(terminal, { response: final });
  return { framing: "sse", frames };
};

function outputItems(turn: FakeTurn): Item[] {
  const items: Item[] = [];
  if (turn.reasoning) {
    items.push({
      type: "reasoning",
      id: "rs_fake_1",
      summary: [{ type: "summary_text", text: turn.reasoning }],
    });
  }
  if (turn.text) {
    items.push({
      type: "message",
      id: "msg_fake_1",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: turn.text, annotations: [] }],
    });
  }
  (turn.toolCalls ?? []).forEach((call, index) => {
    items.push({
      type: "function_call",
      id: `fc_fake_${index + 1}`,
      call_id: call.id ?? `call_fake_${index + 1}`,
      name: call.name,
      arguments: JSON.stringify(call.arguments),
      status: "completed",
    });
  });
  return items;
}

function responseObject(id: string, model: string, turn: FakeTurn, output: Item[]): Record<string, unknown> {
  const { input, output: outputTokens } = tokenCounts(turn);
  const incomplete = turn.stop === "length";
  return {
    id,
    object: "response",
    created_at: 1_700_000_000,
    status: incomplete ? "incomplete" : "completed",
    error: null,
    incomplete_details: incomplete ? { reason: "max_output_tokens" } : null,
    model,
    output,
    parallel_tool_calls: true,
    store: false,
    usage: {
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + outputTokens,
    },
  };
}
