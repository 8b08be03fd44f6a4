import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { findSecretsInSettings } from "./settings-secrets.ts";

// Built at run time so this file holds nothing a secret scanner would flag.
const random = (bytes: number) => randomBytes(bytes).toString("base64url");
const hex = (bytes: number) => randomBytes(bytes).toString("hex");
/** Random-looking but fixed, so the tests that depend on how random a value looks never flake. */
const digest = (seed: string, encoding: "hex" | "base64url", length: number) =>
  createHash("sha256").update(seed).digest(encoding).slice(0, length);
const anthropic = `sk-ant-api03-${random(70)}`;
const openaiProject = `sk-proj-${random(100)}`;
const openaiLegacy = `sk-${"aB3dE5fG7h".repeat(5)}`;
const google = `AIza${"Sy0123456789abcdefghijklmnopqrstuvw".slice(0, 35)}`;
const groq = `gsk_${"a1B2c3D4e5".repeat(5)}`;
const github = `ghp_${"Z9y8X7w6V5".repeat(4)}`;
const xai = `xai-${"Q1w2E3r4T5".repeat(6)}`;

describe("findSecretsInSettings", () => {
  it("leaves serve.key alone (the gateway's own key) but not a provider key anywhere else under serve", () => {
    const key = digest("serve", "base64url", 32);
    assert.deepEqual(findSecretsInSettings({ serve: { key } }), []);
    const found = findSecretsInSettings({ serve: { key, models: { "claude-*": anthropic } } });
    assert.deepEqual(
      found.map((s) => s.path),
      ["serve.models.claude-*"],
    );
    assert.equal(findSecretsInSettings({ other: { key } }).length, 1);
  });

  it("finds provider keys by their shape, wherever they are", () => {
    const settings = {
      model: anthropic,
      providers: {
        groq: { apiKeyEnv: "GROQ_API_KEY", headers: { "x-api-key": groq } },
        openai: { headers: { "OpenAI-Project": openaiProject } },
      },
      permissions: { allow: [`bash(curl -H "x-goog-api-key: ${google}" https://example.com)`] },
      notes: [openaiLegacy, github, xai],
    };
    assert.deepEqual(findSecretsInSettings(settings), [
      {
        path: "model",
        segments: ["model"],
        why: "an Anthropic API key (sk-ant-…)",
        provider: "anthropic",
      },
      {
        path: "providers.groq.headers.x-api-key",
        segments: ["providers", "groq", "headers", "x-api-key"],
        why: "a Groq API key (gsk_…)",
        provider: "groq",
      },
      {
        path: "providers.openai.headers.OpenAI-Project",
        segments: ["providers", "openai", "headers", "OpenAI-Project"],
        why: "an OpenAI project key (sk-proj-…)",
        provider: "openai",
      },
      {
        path: "permissions.allow.0",
        segments: ["permissions", "allow", 0],
        why: "a Google API key (AIza…)",
        provider: "google",
      },
      { path: "notes.0", segments: ["notes", 0], why: "a secret key (sk-…)" },
      { path: "notes.1", segments: ["notes", 1], why: "a GitHub token (ghp_…)" },
      { path: "notes.2", segments: ["notes", 2], why: "an xAI API key (xai-…)", provider: "xai" },
    ]);
  });

  it("finds random-looking values in fields named like credentials", () => {
    const found = findSecretsInSettings({
      providers: {
        azure: { headers: { "api-key": digest("azure", "hex", 32) } },
        custom: {
          apiKey: digest("custom", "base64url", 32),
          token: digest("uuid", "hex", 36).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, "$1-$2-$3-$4-$5"),
        },
      },
      mcp: { servers: [{ env: { CLIENT_SECRET: digest("mcp", "base64url", 40) } }] },
    });
    assert.deepEqual(
      found.map((f) => [f.path, f.why, f.provider]),
      [
        ["providers.azure.headers.api-key", 'a credential in a field named "api-key"', "azure"],
        ["providers.custom.apiKey", 'a credential in a field named "apiKey"', "custom"],
        ["providers.custom.token", 'a credential in a field named "token"', "custom"],
        ["mcp.servers.0.env.CLIENT_SECRET", 'a credential in a field named "CLIENT_SECRET"', undefined],
      ],
    );
  });

  it("finds Authorization header values", () => {
    const found = findSecretsInSettings({
      providers: {
        together: { headers: { Authorization: `Bearer ${hex(32)}` } },
        basic: { headers: { authorization: `Basic ${random(18)}` } },
        odd: { headers: { "Proxy-Authorization": "opaque-credential-value" } },
      },
      hooks: [`Bearer ${random(20)}`],
    });
    assert.deepEqual(
      found.map((f) => [f.path, f.why]),
      [
        ["providers.together.headers.Authorization", "an Authorization header value with a credential in it"],
        ["providers.basic.headers.authorization", "an Authorization header value with a credential in it"],
        ["providers.odd.headers.Proxy-Authorization", "an Authorization header value"],
        ["hooks.0", "an Authorization header value with a credential in it"],
      ],
    );
  });

  it("never puts the value in what it returns", () => {
    const key = `sk-ant-api03-${random(70)}`;
    const text = JSON.stringify(findSecretsInSettings({ providers: { anthropic: { headers: { k: key } } } }));
    assert.ok(text.includes("sk-ant-…"));
    assert.ok(!text.includes(key));
  });

  it("leaves ordinary settings alone", () => {
    const settings = {
      model: "anthropic/claude-sonnet-4-5",
      permissionMode: "edits",
      maxTurns: 50,
      providers: {
        groq: {
          api: "openai-chat",
          baseUrl: "https://api.groq.com/openai/v1",
          apiKeyEnv: "GROQ_API_KEY",
          headers: {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a settings value naming an env var, on purpose
            Authorization: "Bearer ${GROQ_API_KEY}",
            "X-Title": "hearth",
            "HTTP-Referer": "https://github.com/example/hearth-setup-notes",
          },
        },
        together: { apiKeyEnv: "TOGETHER_API_KEY", headers: { "x-api-key": "$TOGETHER_API_KEY" } },
        local: { baseUrl: "http://127.0.0.1:8080/v1", api: "openai-chat" },
      },
      ollama: { keepAlive: "30m", maxContext: 32768 },
      permissions: {
        allow: ["bash(npm test:*)", "edit(src/**)", "bash(git commit -m 'fix: task-runner keys')"],
        additionalDirectories: ["/home/someone/projects/a-rather-long-directory-name-2024"],
      },
      env: { allow: ["NPM_TOKEN", "GITHUB_TOKEN"] },
      sessionKey: "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
      modelKey: "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
      projectId: "0123456789abcdef0123456789abcdef",
      cacheKey: "qwen2.5-coder:7b-instruct-q4_K_M",
      secretsFile: "~/.config/hearth/some-long-file-name.json",
      token: "this-is-a-placeholder-token",
      apiKey: "",
      note: "keys go in hearth keys set, see https://example.com/docs?section=keys&lang=en",
      task: "desk-sk-not-a-key",
    };
    assert.deepEqual(findSecretsInSettings(settings), []);
  });

  it("takes any JSON value", () => {
    assert.deepEqual(findSecretsInSettings(null), []);
    assert.deepEqual(findSecretsInSettings(42), []);
    assert.deepEqual(findSecretsInSettings(anthropic), [
      { path: "", segments: [], why: "an Anthropic API key (sk-ant-…)", provider: "anthropic" },
    ]);
  });
});
