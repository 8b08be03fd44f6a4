/**
 * Anthropic Messages API responses for the fake server. Streamed: SSE frames, each with an `event:` name
 * (message_start, ping, content_block_start/delta/stop, message_delta, message_stop). Not streamed: one message
 * body. Text, thinking and tool input JSON are split into several deltas so clients must accumulate them.
 *
 * Without `turn.usage`, token counts are estimated as characters / 4 (input from the request body, output from
 * the rendered content), so they grow with the conversation like real counts do.
 */
import { pieces, stopOf } from "./render-kit.ts";
import type { FakeTurn, Rendered, Renderer } from "./script.ts";

type Block =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

const STOP_REASON = { stop: "end_turn", tool_use: "tool_use", length: "max_tokens" } as const;

export const renderAnthropic: Renderer = (turn, options) => {
  const content = contentBlocks(turn, options.requestBody);
  const stopReason = STOP_REASON[stopOf(turn)];
  const input = turn.usage?.input ?? estimateTokens(JSON.stringify(options.requestBody));
  const output = turn.usage?.output ?? estimateTokens(JSON.stringify(content));
  const usage = {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  const message = { id: "msg_fake", type: "message", role: "assistant", model: options.model };
  if (!options.stream) {
    const body = { ...message, content, stop_reason: stopReason, stop_sequence: null, usage };
    return { framing: "json", frames: [{ data: JSON.stringify(body) }] };
  }

  const frames: Rendered["frames"] = [];
  const push = (event: string, data: Record<string, unknown> = {}) =>
    frames.push({ event, data: JSON.stringify({ type: event, ...data }) });
  push("message_start", {
    message: {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  push("ping");
  content.forEach((block, index) => {
    push("content_block_start", { index, content_block: emptyBlock(block) });
    for (const delta of deltas(block)) push("content_block_delta", { index, delta });
    push("content_block_stop", { index });
  });
  push("message_delta", {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: output },
  });
  push("message_stop");
  return { framing: "sse", frames };
};

function contentBlocks(turn: FakeTurn, requestBody: Record<string, unknown>): Block[] {
  const blocks: Block[] = [];
  if (turn.reasoning) {
    const signature = `fakesig_${Buffer.from(turn.reasoning).toString("base64")}`;
    blocks.push({ type: "thinking", thinking: turn.reasoning, signature });
  }
  if (turn.text) blocks.push({ type: "text", text: turn.text });
  // Ids continue the count of tool_use blocks already in the history, so they are unique within a conversation.
  let next = priorToolUses(requestBody);
  for (const call of turn.toolCalls ?? []) {
    next += 1;
    blocks.push({ type: "tool_use", id: call.id ?? `toolu_${next}`, name: call.name, input: call.arguments });
  }
  return blocks;
}

function emptyBlock(block: Block): Record<string, unknown> {
  if (block.type === "thinking") return { type: "thinking", thinking: "", signature: "" };
  if (block.type === "text") return { type: "text", text: "" };
  return { type: "tool_use", id: block.id, name: block.name, input: {} };
}

function deltas(block: Block): Array<Record<string, unknown>> {
  if (block.type === "thinking") {
    return [
      ...pieces(block.thinking).map((thinking) => ({ type: "thinking_delta", thinking })),
      { type: "signature_delta", signature: block.signature },
    ];
  }
  if (block.type === "text") return pieces(block.text).map((text) => ({ type: "text_delta", text }));
  return pieces(JSON.stringify(block.input)).map((partial_json) => ({
    type: "input_json_delta",
    partial_json,
  }));
}

function priorToolUses(requestBody: Record<string, unknown>): number {
  const messages = Array.isArray(requestBody.messages) ? (requestBody.messages as unknown[]) : [];
  let count = 0;
  for (const message of messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (const block of content) if ((block as { type?: unknown } | null)?.type === "tool_use") count += 1;
  }
  return count;
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
