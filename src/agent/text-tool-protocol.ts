/**
 * The text tool protocol, for models served without native tool calling (a provider with `toolCalls: "text"`, or
 * a server that answered "does not support tools"). The request carries no tools; the system prompt lists them and
 * asks for calls written as
 *
 *   <tool_call>
 *   {"name": "read", "arguments": {"path": "src/a.ts"}}
 *   </tool_call>
 *
 * (the Hermes / Qwen format, which many local models were trained on). Earlier calls go back in that form and
 * results come back as a user message of `<tool_response name="read">...</tool_response>` blocks. Reading the calls
 * out of a response is in text-tool-calls.ts. Works with every adapter: it only rewrites the ModelRequest.
 */
import type { ProviderError } from "../protocol/errors.ts";
import type { AssistantMessage, Message, ToolResultMessage, ToolSpec } from "../protocol/messages.ts";
import type { ModelRequest } from "../providers/provider.ts";

export type ToolCallMode = "native" | "text";

export const TOOL_CALL_OPEN = "<tool_call>";
export const TOOL_CALL_CLOSE = "</tool_call>";

/** The request as a model without native tools sees it. */
export function toTextToolRequest(request: ModelRequest): ModelRequest {
  const instructions = request.tools.length > 0 ? textToolInstructions(request.tools) : "";
  return {
    ...request,
    system: [request.system, instructions].filter(Boolean).join("\n\n"),
    messages: toTextMessages(request.messages),
    tools: [],
  };
}

/** The system prompt section that lists the tools and the call format. */
export function textToolInstructions(specs: ToolSpec[]): string {
  const tools = specs.map((spec) =>
    JSON.stringify({ name: spec.name, description: spec.description, parameters: spec.parameters }),
  );
  return [
    "# Tools",
    "",
    "You can call the tools below. To call one, write a block like this, with one JSON object inside:",
    "",
    TOOL_CALL_OPEN,
    JSON.stringify({ name: specs[0].name, arguments: exampleArguments(specs[0]) }),
    TOOL_CALL_CLOSE,
    "",
    `Write one ${TOOL_CALL_OPEN} block per call (several are fine), then stop: the results come back in ` +
      "<tool_response> blocks. Use the argument names exactly as listed. When you need no tool, answer in plain " +
      "text without a block.",
    "",
    "<tools>",
    ...tools,
    "</tools>",
  ].join("\n");
}

/** Arguments for the format example: the tool's first required property with a placeholder value. */
function exampleArguments(spec: ToolSpec): Record<string, string> {
  const required = spec.parameters.required;
  const first = Array.isArray(required) && typeof required[0] === "string" ? required[0] : undefined;
  return first ? { [first]: "..." } : {};
}

/** A tool call as the model should have written it. */
export function toolCallText(name: string, args: Record<string, unknown>): string {
  return `${TOOL_CALL_OPEN}\n${JSON.stringify({ name, arguments: args })}\n${TOOL_CALL_CLOSE}`;
}

function toTextMessages(messages: Message[]): Message[] {
  const out: Message[] = [];
  let results: ToolResultMessage[] = [];
  const flush = () => {
    if (results.length > 0) out.push({ role: "user", content: results.map(toolResponseText).join("\n") });
    results = [];
  };
  for (const message of messages) {
    if (message.role === "tool") {
      results.push(message);
      continue;
    }
    flush();
    out.push(message.role === "assistant" ? assistantAsText(message) : message);
  }
  flush();
  return out;
}

function assistantAsText(message: AssistantMessage): AssistantMessage {
  if (!message.content.some((part) => part.type === "tool_call")) return message;
  const content: AssistantMessage["content"] = [];
  const calls: string[] = [];
  for (const part of message.content) {
    if (part.type === "tool_call") calls.push(toolCallText(part.name, part.arguments));
    else content.push(part);
  }
  const text = content.map((part) => (part.type === "text" ? part.text : "")).join("");
  const joined = [text.trim(), ...calls].filter(Boolean).join("\n");
  return {
    ...message,
    content: [...content.filter((part) => part.type !== "text"), { type: "text", text: joined }],
  };
}

function toolResponseText(result: ToolResultMessage): string {
  const error = result.isError ? ' error="true"' : "";
  return `<tool_response name="${result.toolName}"${error}>\n${result.content}\n</tool_response>`;
}

/**
 * Whether a provider error says the model or server cannot take native tools: Ollama ("... does not support
 * tools"), llama.cpp without --jinja, vLLM without --enable-auto-tool-choice, OpenRouter ("support tool use").
 */
export function isToolSupportError(error: ProviderError): boolean {
  if (error.kind !== "bad_request" && error.kind !== "not_found" && error.kind !== "server") return false;
  return /does not support tools|tools? (?:calling |calls |use )?(?:is |are )?not supported|requires --jinja|--enable-auto-tool-choice|support tool use/i.test(
    error.message,
  );
}
