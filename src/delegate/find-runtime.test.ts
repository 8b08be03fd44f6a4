import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkRuntime, compareVersions } from "./find-runtime.ts";
import { codexBaseUrl, isLoopbackUrl, modelEndpoint, opencodeBaseUrl } from "./runtime-endpoint.ts";
import { RUNTIMES } from "./runtimes.ts";

/** A folder with a program `name` that prints `version` for --version. */
function fakeBinary(name: string, version: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-runtime-"));
  writeFileSync(join(dir, name), `#!/bin/sh\necho "${version}"\n`);
  chmodSync(join(dir, name), 0o755);
  return dir;
}

describe("finding a runtime", () => {
  it("a missing one: one line naming the package to install", async () => {
    const check = await checkRuntime(RUNTIMES.codex, { PATH: "/nonexistent" }, []);
    assert.deepEqual(check, {
      ok: false,
      problem: "codex is not installed (no codex on PATH): npm install -g @openai/codex",
    });
  });

  it("one too old: its version and the one needed", async () => {
    const dir = fakeBinary("claude", "0.2.9 (Claude Code)");
    const check = await checkRuntime(RUNTIMES.claude, { PATH: dir }, []);
    assert.equal(check.ok, false);
    assert.equal(
      !check.ok && check.problem,
      "claude 0.2.9 is too old: hearth needs 2.0.0 or newer (npm install -g @anthropic-ai/claude-code@latest)",
    );
  });

  it("one new enough, found in hearth's own bin folder when not on PATH", async () => {
    const dir = fakeBinary("gemini", "0.61.0");
    const check = await checkRuntime(RUNTIMES.gemini, { PATH: "/nonexistent" }, [dir]);
    assert.deepEqual(check, { ok: true, path: join(dir, "gemini"), version: "0.61.0" });
  });

  it("compares versions numerically", () => {
    assert.equal(compareVersions("0.10.0", "0.9.9"), 1);
    assert.equal(compareVersions("2.1.197", "2.1.197"), 0);
    assert.equal(compareVersions("1.2.3", "1.10.0"), -1);
  });
});

describe("where a runtime's model is (offline mode)", () => {
  it("claude and gemini by their base-URL variables, their cloud otherwise", () => {
    assert.deepEqual(modelEndpoint("claude", { ANTHROPIC_BASE_URL: "http://127.0.0.1:9000", HOME: "/x" }), {
      url: "http://127.0.0.1:9000",
      from: "ANTHROPIC_BASE_URL",
    });
    assert.equal(
      modelEndpoint("gemini", { HOME: "/nonexistent" }).url,
      "https://generativelanguage.googleapis.com",
    );
  });

  it("codex by its config's chosen provider; opencode by its config's model's provider", () => {
    const toml = [
      'model_provider = "local" # the one used',
      "[model_providers.cloud]",
      'base_url = "https://example.com/v1"',
      "[model_providers.local]",
      'base_url = "http://localhost:11434/v1"',
    ].join("\n");
    assert.equal(codexBaseUrl(toml), "http://localhost:11434/v1");
    assert.equal(codexBaseUrl('[model_providers.local]\nbase_url = "http://localhost:1/v1"'), null);
    const json = JSON.stringify({
      model: "fake/m",
      provider: { fake: { options: { baseURL: "http://[::1]:8080/v1" } } },
    });
    assert.equal(opencodeBaseUrl(json), "http://[::1]:8080/v1");
  });

  it("loopback is 127/8, ::1 and localhost; nothing else", () => {
    for (const url of [
      "http://127.0.0.1:1",
      "http://127.9.9.9",
      "http://localhost:80",
      "http://[::1]:8080/v1",
    ])
      assert.equal(isLoopbackUrl(url), true, url);
    for (const url of [
      "https://api.anthropic.com",
      "http://127.0.0.1.example.com",
      "http://10.0.0.1",
      "not a url",
    ])
      assert.equal(isLoopbackUrl(url), false, url);
  });
});
