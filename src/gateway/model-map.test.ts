import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mapModelName } from "./model-map.ts";

describe("mapModelName", () => {
  const models = {
    "claude-*": "ollama/qwen2.5-coder:7b",
    "claude-3-5-haiku-*": "ollama/qwen2.5-coder:1.5b",
    "gpt-5": "lmstudio/qwen3-coder",
    "a.b+c": "local/tiny",
  };

  it("takes an exact name first, then the longest matching pattern, else the fallback", () => {
    assert.deepEqual(mapModelName("gpt-5", { models, fallback: "ollama/x" }), {
      spec: "lmstudio/qwen3-coder",
      rule: "gpt-5",
    });
    assert.equal(mapModelName("claude-sonnet-4-5", { models }).spec, "ollama/qwen2.5-coder:7b");
    assert.equal(mapModelName("claude-3-5-haiku-20241022", { models }).spec, "ollama/qwen2.5-coder:1.5b");
    assert.deepEqual(mapModelName("gpt-5-mini", { models, fallback: "ollama/x" }), {
      spec: "ollama/x",
      rule: "default",
    });
    assert.deepEqual(mapModelName("anything", {}), { spec: undefined, rule: "default" });
  });

  it("matches patterns case-insensitively and treats other characters literally", () => {
    assert.equal(mapModelName("Claude-Opus", { models }).spec, "ollama/qwen2.5-coder:7b");
    assert.equal(mapModelName("a.b+c", { models }).spec, "local/tiny");
    assert.equal(mapModelName("aXb+c", { models }).spec, undefined);
    assert.equal(mapModelName("xclaude-1", { models }).spec, undefined);
  });
});
