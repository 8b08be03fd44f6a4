/** Conversation types shared by every layer. Types only; no runtime code. */

export type TextPart = { type: "text"; text: string };

/** A tool call as the model issued it. `arguments` is the parsed JSON object ({} when it did not parse). */
export type ToolCallPart = {
  type: "tool_call";
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** Opaque provider data that must be sent back with the call (Gemini thought signatures). */
  signature?: string;
};

/** Model reasoning. `signature` is opaque provider data that must be sent back unchanged (Anthropic). */
export type ReasoningPart = { type: "reasoning"; text: string; signature?: string };

export type StopReason = "stop" | "tool_use" | "length" | "error" | "aborted";

/**
 * Token counts of one response. `inputTokens` counts only input that was NOT read from or written to a prompt
 * cache; cached input is in `cacheReadTokens` / `cacheWriteTokens` (adapters whose API reports a total subtract).
 */
export type Usage = {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** Time the server spent processing the prompt, when it reports it (llama.cpp, Ollama, the embedded engine). */
  promptMs?: number;
  /** Time the server spent generating the output, when it reports it. */
  generationMs?: number;
};

/** The image types every adapter and model that takes images accepts. */
export type ImageMediaType = "image/png" | "image/jpeg" | "image/gif" | "image/webp";

/**
 * An image the user gave with a prompt: its bytes in base64 (checked to be one of the media types, under the
 * size cap: runtime/prompt-images.ts), and its name (the path as attached) for placeholders in listings.
 */
export type ImagePart = { type: "image"; mediaType: ImageMediaType; data: string; name?: string };

/** A user message: plain text, or text and images in order (a prompt with image attachments). */
export type UserMessage = { role: "user"; content: string | Array<TextPart | ImagePart> };

export type AssistantMessage = {
  role: "assistant";
  content: Array<TextPart | ToolCallPart | ReasoningPart>;
  stopReason: StopReason;
  usage?: Usage;
  provider?: string;
  model?: string;
};

export type ToolResultMessage = {
  role: "tool";
  toolCallId: string;
  toolName: string;
  content: string;
  isError: boolean;
};

export type Message = UserMessage | AssistantMessage | ToolResultMessage;

/** What a tool looks like to a model: name, description and a JSON Schema for its arguments. */
export type ToolSpec = {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
};
