import assert from "node:assert/strict";
import { test } from "node:test";
import { catalogSpecs } from "./catalog.ts";
import { matchModelName } from "./model-names.ts";

const known = [
  ...catalogSpecs(),
  "ollama/qwen2.5-coder:7b",
  "ollama/llama3.2:latest",
  "lmstudio/qwen2.5-coder-7b-instruct",
];

test("a bare name finds the one model it spells or names by whole words", () => {
  const found = (name: string) => {
    const match = matchModelName(name, known);
    return match.kind === "found" ? match.spec : match;
  };
  assert.equal(found("claude-sonnet-4-5"), "anthropic/claude-sonnet-4-5");
  assert.equal(found("sonnet"), "anthropic/claude-sonnet-4-5");
  assert.equal(found("Opus"), "anthropic/claude-opus-4-1");
  assert.equal(found("gpt-5"), "openai/gpt-5", "the exact id wins over gpt-5-mini");
  assert.equal(found("gemini-2.5-pro"), "google/gemini-2.5-pro");
  assert.equal(found("qwen2.5-coder:7b"), "ollama/qwen2.5-coder:7b");
  assert.equal(found("llama3.2"), "ollama/llama3.2:latest", "Ollama's implicit :latest");
});

test("a name that fits several models, or none, says which ones it could mean", () => {
  assert.deepEqual(matchModelName("gemini", known), {
    kind: "ambiguous",
    specs: ["google/gemini-2.5-pro", "google/gemini-2.5-flash"],
  });
  const coder = matchModelName("qwen2.5-coder", known);
  assert.deepEqual(coder, {
    kind: "ambiguous",
    specs: ["ollama/qwen2.5-coder:7b", "lmstudio/qwen2.5-coder-7b-instruct"],
  });
  const typo = matchModelName("claude-sonet-4-5", known);
  assert.equal(typo.kind, "none");
  assert.equal(typo.kind === "none" && typo.close[0], "anthropic/claude-sonnet-4-5");
  assert.deepEqual(matchModelName("zzzzzz", known), { kind: "none", close: [] });
  assert.equal(matchModelName("5", known).kind, "ambiguous", "a bare number is a word of many ids");
});
