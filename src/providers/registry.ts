/**
 * Stream functions by wire protocol, loaded on first use so start-up pays only for the one it needs, each under
 * the StreamFunction contract (stream-contract.ts): callers get no other kind.
 */
import type { ApiId } from "../protocol/model-apis.ts";
import type { StreamFunction } from "./provider.ts";
import { withStreamContract } from "./stream-contract.ts";

const loaders: Record<ApiId, () => Promise<StreamFunction>> = {
  "anthropic-messages": async () => (await import("./anthropic-messages.ts")).streamAnthropicMessages,
  "openai-chat": async () => (await import("./openai-chat.ts")).streamOpenAIChat,
  "openai-responses": async () => (await import("./openai-responses.ts")).streamOpenAIResponses,
  gemini: async () => (await import("./gemini.ts")).streamGemini,
  ollama: async () => (await import("./ollama.ts")).streamOllama,
  embedded: async () => (await import("./embedded.ts")).streamEmbedded,
};

export async function loadStreamFunction(api: ApiId): Promise<StreamFunction> {
  return withStreamContract(await loaders[api]());
}
