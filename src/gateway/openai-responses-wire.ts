/**
 * OpenAI Responses as the gateway speaks it (what Codex and the `openai` SDK's responses API send): `input` items
 * read into our ModelRequest, the answer written back as one response object or as the typed SSE events
 * (response.created, output_item.added/done, output_text.delta, function_call_arguments.delta,
 * response.completed). Custom (freeform) tools, such as Codex's apply_patch, are offered to the model as a
 * function with one string argument `input` and come back as custom_tool_call items. Stateless: a request that
 * names a `previous_response_id` is refused, since the gateway keeps no responses.
 */
import type { ProviderError } from "../protocol/errors.ts";
import type { AssistantMessage, ImagePart, Message, TextPart, ToolSpec } from "../protocol/messages.ts";
import { imageFromDataUrl, openaiError } from "./openai-chat-wire.ts";
import {
  argumentsObject,
  isRecord,
  joinedText,
  messageText,
  type ParsedRequest,
  type ResponseMeta,
  SSE_COMMENT_PING,
  sse,
  toolNamesById,
  type WireCodec,
  type WireStream,
} from "./wire.ts";

export const openaiResponsesWire: WireCodec = {
  parse: parseResponsesRequest,
  body: responsesBody,
  stream: responsesStream,
  error: openaiError,
};

const CUSTOM_INPUT = "input";

function customToolSpec(name: string, description: string): ToolSpec {
  return {
    name,
    description,
    parameters: {
      type: "object",
      properties: {
        [CUSTOM_INPUT]: { type: "string", description: "the tool's whole input, as plain text" },
      },
      required: [CUSTOM_INPUT],
    },
  };
}

export function parseResponsesRequest(body: unknown): ParsedRequest {
  if (!isRecord(body)) return { ok: false, message: "the body must be a JSON object" };
  if (typeof body.model !== "string" || !body.model)
    return { ok: false, message: "model: a string is required" };
  if (body.previous_response_id != null)
    return {
      ok: false,
      message: "previous_response_id is not supported: send the whole input (store: false)",
    };
  const system: string[] =
    typeof body.instructions === "string" && body.instructions ? [body.instructions] : [];
  const messages: Message[] = [];
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else if (Array.isArray(body.input)) {
    for (const [index, item] of body.input.entries()) {
      const problem = readItem(item, messages, system);
      if (problem) return { ok: false, message: `input[${index}]: ${problem}` };
    }
  } else return { ok: false, message: "input: a string or an array of items is required" };
  const tools: ToolSpec[] = [];
  const customTools = new Set<string>();
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    if (!isRecord(tool) || typeof tool.name !== "string") continue; // built-in tools (web_search, ...) have no name
    const description = typeof tool.description === "string" ? tool.description : "";
    if (tool.type === "function")
      tools.push({
        name: tool.name,
        description,
        parameters: isRecord(tool.parameters) ? tool.parameters : { type: "object", properties: {} },
      });
    else if (tool.type === "custom") {
      customTools.add(tool.name);
      tools.push(customToolSpec(tool.name, description));
    }
  }
  return {
    ok: true,
    value: {
      model: body.model,
      stream: body.stream === true,
      customTools,
      request: {
        system: system.join("\n\n"),
        messages,
        tools: body.tool_choice === "none" ? [] : tools,
        maxOutputTokens:
          typeof body.max_output_tokens === "number" && body.max_output_tokens > 0
            ? body.max_output_tokens
            : undefined,
        temperature: typeof body.temperature === "number" ? body.temperature : undefined,
      },
    },
  };
}

/** The assistant message being built from consecutive output items (text, calls) of the history. */
function lastAssistant(out: Message[]): AssistantMessage {
  const last = out.at(-1);
  if (last?.role === "assistant") return last;
  const message: AssistantMessage = { role: "assistant", content: [], stopReason: "stop" };
  out.push(message);
  return message;
}

function readItem(item: unknown, out: Message[], system: string[]): string | undefined {
  if (!isRecord(item)) return "an item must be an object";
  const type = item.type ?? "message";
  if (type === "message") {
    const { role, content } = item;
    if (role === "system" || role === "developer") system.push(joinedText(content));
    else if (role === "assistant") {
      const text = joinedText(content);
      if (text) lastAssistant(out).content.push({ type: "text", text });
    } else if (role === "user") {
      if (typeof content === "string") out.push({ role: "user", content });
      else if (Array.isArray(content)) {
        const parts: Array<TextPart | ImagePart> = [];
        for (const part of content) {
          if (!isRecord(part)) continue;
          if (typeof part.text === "string") parts.push({ type: "text", text: part.text });
          else if (part.type === "input_image") {
            const image = imageFromDataUrl(part.image_url);
            if ("problem" in image) return `input_image: ${image.problem}`;
            parts.push(image);
          }
        }
        out.push({ role: "user", content: parts });
      } else return "content must be a string or an array of parts";
    } else return `role ${JSON.stringify(role)} is not one of system, developer, user, assistant`;
    return undefined;
  }
  if (type === "function_call" || type === "custom_tool_call") {
    if (typeof item.name !== "string") return "a call needs a name";
    lastAssistant(out).content.push({
      type: "tool_call",
      id: typeof item.call_id === "string" ? item.call_id : "",
      name: item.name,
      arguments:
        type === "custom_tool_call"
          ? { [CUSTOM_INPUT]: typeof item.input === "string" ? item.input : "" }
          : argumentsObject(item.arguments),
    });
    return undefined;
  }
  if (type === "function_call_output" || type === "custom_tool_call_output") {
    const id = typeof item.call_id === "string" ? item.call_id : "";
    out.push({
      role: "tool",
      toolCallId: id,
      toolName: toolNamesById(out).get(id) ?? "",
      content: joinedText(item.output),
      isError: false,
    });
    return undefined;
  }
  // reasoning, web_search_call and other items the backend model cannot use are left out.
  return undefined;
}

type Item = Record<string, unknown>;

function callItem(
  part: Extract<AssistantMessage["content"][number], { type: "tool_call" }>,
  meta: ResponseMeta,
): Item {
  if (meta.customTools?.has(part.name)) {
    const input = part.arguments[CUSTOM_INPUT];
    return {
      type: "custom_tool_call",
      id: `ctc_${part.id}`,
      call_id: part.id,
      name: part.name,
      input: typeof input === "string" ? input : JSON.stringify(part.arguments),
      status: "completed",
    };
  }
  return {
    type: "function_call",
    id: `fc_${part.id}`,
    call_id: part.id,
    name: part.name,
    arguments: JSON.stringify(part.arguments),
    status: "completed",
  };
}

function messageItem(meta: ResponseMeta, text: string): Item {
  return {
    type: "message",
    id: `msg_${meta.id}`,
    status: "completed",
    role: "assistant",
    content: [{ type: "output_text", text, annotations: [] }],
  };
}

function outputOf(message: AssistantMessage, meta: ResponseMeta): Item[] {
  const items: Item[] = [];
  const text = messageText(message);
  if (text) items.push(messageItem(meta, text));
  for (const part of message.content) if (part.type === "tool_call") items.push(callItem(part, meta));
  return items;
}

function responseObject(meta: ResponseMeta, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id: meta.id,
    object: "response",
    created_at: meta.created,
    model: meta.model,
    status: "in_progress",
    error: null,
    incomplete_details: null,
    output: [],
    parallel_tool_calls: true,
    store: false,
    usage: null,
    ...fields,
  };
}

function finished(message: AssistantMessage, meta: ResponseMeta, output: Item[]): Record<string, unknown> {
  const usage = message.usage;
  const cached = usage?.cacheReadTokens ?? 0;
  const input = (usage?.inputTokens ?? 0) + cached + (usage?.cacheWriteTokens ?? 0);
  const outputTokens = usage?.outputTokens ?? 0;
  const incomplete = message.stopReason === "length";
  return responseObject(meta, {
    status: incomplete ? "incomplete" : "completed",
    incomplete_details: incomplete ? { reason: "max_output_tokens" } : null,
    output,
    usage: {
      input_tokens: input,
      input_tokens_details: { cached_tokens: cached },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + outputTokens,
    },
  });
}

export function responsesBody(message: AssistantMessage, meta: ResponseMeta): unknown {
  return finished(message, meta, outputOf(message, meta));
}

export function responsesStream(meta: ResponseMeta): WireStream {
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>) =>
    sse({ type, sequence_number: sequence++, ...fields }, type);
  const output: Item[] = [];
  let text: { index: number; id: string; text: string } | null = null;
  const closeText = () => {
    if (!text) return "";
    const { index, id } = text;
    const base = { item_id: id, output_index: index, content_index: 0 };
    const item = messageItem(meta, text.text);
    output.push(item);
    text = null;
    const part = { type: "output_text", text: (item.content as Item[])[0].text, annotations: [] };
    return (
      event("response.output_text.done", { ...base, text: part.text, logprobs: [] }) +
      event("response.content_part.done", { ...base, part }) +
      event("response.output_item.done", { output_index: index, item })
    );
  };
  return {
    start: () =>
      event("response.created", { response: responseObject(meta, {}) }) +
      event("response.in_progress", { response: responseObject(meta, {}) }),
    text(delta) {
      let out = "";
      if (!text) {
        text = { index: output.length, id: `msg_${meta.id}`, text: "" };
        const item = { type: "message", id: text.id, status: "in_progress", role: "assistant", content: [] };
        out += event("response.output_item.added", { output_index: text.index, item });
        out += event("response.content_part.added", {
          item_id: text.id,
          output_index: text.index,
          content_index: 0,
          part: { type: "output_text", text: "", annotations: [] },
        });
      }
      text.text += delta;
      return (
        out +
        event("response.output_text.delta", {
          item_id: text.id,
          output_index: text.index,
          content_index: 0,
          delta,
          logprobs: [],
        })
      );
    },
    ping: () => SSE_COMMENT_PING,
    reasoning: () => "",
    finish(message) {
      let out = closeText();
      for (const part of message.content) {
        if (part.type !== "tool_call") continue;
        const item = callItem(part, meta);
        const index = output.length;
        output.push(item);
        out += event("response.output_item.added", {
          output_index: index,
          item: {
            ...item,
            status: "in_progress",
            ...(item.type === "function_call" ? { arguments: "" } : { input: "" }),
          },
        });
        if (item.type === "function_call") {
          const base = { item_id: item.id, output_index: index };
          out += event("response.function_call_arguments.delta", { ...base, delta: item.arguments });
          out += event("response.function_call_arguments.done", { ...base, arguments: item.arguments });
        } else {
          const base = { item_id: item.id, output_index: index };
          out += event("response.custom_tool_call_input.delta", { ...base, delta: item.input });
          out += event("response.custom_tool_call_input.done", { ...base, input: item.input });
        }
        out += event("response.output_item.done", { output_index: index, item });
      }
      const response = finished(message, meta, output);
      const type = response.status === "incomplete" ? "response.incomplete" : "response.completed";
      return out + event(type, { response });
    },
    fail: (error: ProviderError) =>
      closeText() +
      event("response.failed", {
        response: responseObject(meta, {
          status: "failed",
          output,
          error: {
            code: error.kind === "rate_limit" ? "rate_limit_exceeded" : "server_error",
            message: error.message,
          },
        }),
      }),
  };
}
