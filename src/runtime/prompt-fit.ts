/**
 * Does the first request fit the model's window? Checked before the prompt is saved or sent, so a prompt that
 * cannot run leaves no session behind; the advice fits the model (a cloud model's window cannot be changed, a
 * lean prompt is no help when it is already lean, and a huge message is the thing to shrink).
 */
import {
  type ContextLimits,
  createTokenEstimator,
  fixedBytes,
  fixedPromptProblem,
  messageTokens,
} from "../agent/context-budget.ts";
import type { PromptProfile } from "../agent/system-prompt.ts";
import type { ToolSpec, UserMessage } from "../protocol/messages.ts";
import type { ResolvedModel } from "../providers/provider.ts";

export type PromptFitInput = {
  model: ResolvedModel;
  limits: ContextLimits | undefined;
  profile: PromptProfile;
  system: string;
  specs: ToolSpec[];
  /** The message this run sends. */
  prompt: UserMessage["content"];
};

/** One line saying why the prompt cannot run on this model and what would make it, or null when it fits. */
export function promptFitProblem(input: PromptFitInput): string | null {
  const { model, limits } = input;
  if (!limits) return null;
  // The same estimate the loop makes before its first request (agent-loop.ts).
  const estimator = createTokenEstimator();
  const fixedTokens = estimator.tokens(fixedBytes(input.system, input.specs));
  const promptTokens = messageTokens({ role: "user", content: input.prompt }, estimator);
  // The message is the bigger part: shrink it. Otherwise hearth's own prompt is, and a lean one may fit.
  const messageTooBig = promptTokens > fixedTokens;
  const ways: string[] = [];
  if (messageTooBig) ways.push("send less (a shorter prompt, or a part of what is piped in)");
  if (!model.local) ways.push("use a model with a larger context window");
  else if (model.api === "ollama" && model.contextWindow && limits.window < model.contextWindow)
    ways.push(`raise ollama.maxContext in settings (the model supports ${model.contextWindow} tokens)`);
  else ways.push("load the model with a larger context");
  if (!messageTooBig && input.profile !== "lean") ways.push("use --profile lean");
  return fixedPromptProblem(
    `${model.provider}/${model.id}`,
    limits,
    fixedTokens,
    promptTokens,
    ways.join(", or "),
  );
}
