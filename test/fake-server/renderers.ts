/** The five protocol renderers, keyed by wire protocol id. One file each. */
import { renderAnthropic } from "./anthropic-messages.ts";
import { renderGemini } from "./gemini.ts";
import { renderOllama } from "./ollama.ts";
import { renderOpenAIChat } from "./openai-chat.ts";
import { renderOpenAIResponses } from "./openai-responses.ts";
import type { Renderer } from "./script.ts";

export const renderers: Record<
  "anthropic-messages" | "openai-chat" | "openai-responses" | "gemini" | "ollama",
  Renderer
> = {
  "anthropic-messages": renderAnthropic,
  "openai-chat": renderOpenAIChat,
  "openai-responses": renderOpenAIResponses,
  gemini: renderGemini,
  ollama: renderOllama,
};
