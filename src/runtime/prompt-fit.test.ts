import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResolvedModel } from "../providers/provider.ts";
import { type PromptFitInput, promptFitProblem } from "./prompt-fit.ts";

const cloud: ResolvedModel = {
  provider: "anthropic",
  id: "claude-sonnet-4-5",
  api: "anthropic-messages",
  baseUrl: "https://api.anthropic.com",
  local: false,
};
const lmstudio: ResolvedModel = {
  provider: "lmstudio",
  id: "qwen",
  api: "openai-chat",
  baseUrl: "http://127.0.0.1:1234/v1",
  local: true,
};
const ollama: ResolvedModel = {
  provider: "ollama",
  id: "qwen2.5-coder:7b",
  api: "ollama",
  baseUrl: "http://127.0.0.1:11434",
  local: true,
  contextWindow: 131072,
  numCtx: 4096,
};

/** A 3,000-byte system prompt (about 1,000 tokens at the first estimate). */
const base: Pick<PromptFitInput, "system" | "specs" | "profile"> = {
  system: "s".repeat(3000),
  specs: [],
  profile: "default",
};

function advice(
  input: Partial<PromptFitInput> & Pick<PromptFitInput, "model" | "limits" | "prompt">,
): string {
  const problem = promptFitProblem({ ...base, ...input });
  assert.ok(problem, "refused");
  return problem.slice(problem.indexOf("the answer): ") + "the answer): ".length);
}

describe("promptFitProblem", () => {
  it("is null without known limits or when the request fits", () => {
    assert.equal(
      promptFitProblem({ ...base, model: cloud, limits: undefined, prompt: "x".repeat(1e7) }),
      null,
    );
    assert.equal(
      promptFitProblem({
        ...base,
        model: cloud,
        limits: { window: 200_000, reserveOutput: 4096 },
        prompt: "hi",
      }),
      null,
    );
  });

  it("a huge message for a cloud model: send less, or a model with a larger window; nothing about lean", () => {
    const text = advice({
      model: cloud,
      limits: { window: 200_000, reserveOutput: 4096 },
      prompt: "x".repeat(900_000),
    });
    assert.equal(
      text,
      "send less (a shorter prompt, or a part of what is piped in), or use a model with a larger context window",
    );
  });

  it("a small local window with the default profile: a larger context, or --profile lean", () => {
    const limits = { window: 1024, reserveOutput: 256, source: "as loaded by LM Studio" };
    assert.equal(
      advice({ model: lmstudio, limits, prompt: "hello" }),
      "load the model with a larger context, or use --profile lean",
    );
    assert.equal(
      advice({ model: lmstudio, limits, prompt: "hello", profile: "lean" }),
      "load the model with a larger context",
    );
  });

  it("an Ollama window capped below the model's: raise ollama.maxContext", () => {
    const limits = { window: 4096, reserveOutput: 1024 };
    assert.equal(
      advice({ model: ollama, limits, prompt: "y".repeat(30_000), profile: "lean" }),
      "send less (a shorter prompt, or a part of what is piped in), or raise ollama.maxContext in settings (the model supports 131072 tokens)",
    );
  });
});
