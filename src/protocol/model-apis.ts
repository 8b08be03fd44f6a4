/**
 * The wire protocols hearth speaks to models, one adapter each (src/providers/). Here because the settings
 * schema (src/store/) validates a provider's `api` against the list and the providers import the store: both
 * point inward to this file. Types and constants only.
 */

export type ApiId =
  | "anthropic-messages"
  | "openai-chat"
  | "openai-responses"
  | "gemini"
  | "ollama"
  | "embedded";

export const API_IDS: readonly ApiId[] = [
  "anthropic-messages",
  "openai-chat",
  "openai-responses",
  "gemini",
  "ollama",
  "embedded",
];
