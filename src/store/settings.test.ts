import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { formatDiagnostic, loadSettings, parseSettingsText } from "./settings.ts";

test("a syntax error points at its line", () => {
  const text = '{\n  "model": "ollama/qwen",\n  "maxTurns": 5\n  "permissionMode": "auto"\n}\n';
  const { value, diagnostics } = parseSettingsText(text, "settings.json");
  assert.equal(value, null);
  assert.equal(diagnostics.length, 1);
  assert.match(formatDiagnostic(diagnostics[0]), /^settings\.json:4: invalid JSON: comma expected$/);
});

test("a wrong type points at the key's line and names it", () => {
  const text =
    '{\n  "model": "anthropic/claude",\n  "providers": {\n    "groq": {\n      "api": "openai-chat",\n      "baseUrl": 42\n    }\n  }\n}';
  const { diagnostics } = parseSettingsText(text, "settings.json");
  const errors = diagnostics.filter((d) => d.severity === "error");
  assert.equal(errors.length, 1);
  assert.equal(errors[0].line, 6);
  assert.match(errors[0].message, /providers\.groq\.baseUrl/);
});

test("an unknown api and an unknown provider key are errors; an unknown top-level key is a warning", () => {
  const text = '{\n  "colour": "blue",\n  "providers": {"x": {"api": "soap", "baseURL": "http://a"}}\n}';
  const { diagnostics } = parseSettingsText(text, "s.json");
  const warning = diagnostics.find((d) => d.severity === "warning");
  assert.ok(warning);
  assert.equal(warning.line, 2);
  assert.match(warning.message, /unknown setting "colour"/);
  const messages = diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => d.message)
    .join("\n");
  assert.match(messages, /providers\.x\.api/);
  assert.match(messages, /baseURL/);
});

test("comments and trailing commas are accepted", () => {
  const { value, diagnostics } = parseSettingsText(
    '{\n // my model\n "model": "ollama/llama3",\n}',
    "s.json",
  );
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(value, { model: "ollama/llama3" });
});

test("user and project files merge deeply; the project wins; missing files are skipped", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-settings-"));
  const user = join(dir, "user.json");
  const project = join(dir, "project.json");
  writeFileSync(
    user,
    JSON.stringify({ model: "anthropic/a", ollama: { maxContext: 4096, keepAlive: "5m" } }),
  );
  writeFileSync(project, JSON.stringify({ model: "ollama/b", ollama: { maxContext: 16384 } }));
  const { settings, diagnostics } = loadSettings([
    { path: user, label: "user.json" },
    { path: join(dir, "missing.json"), label: "missing.json" },
    { path: project, label: "project.json" },
  ]);
  assert.deepEqual(diagnostics, []);
  assert.equal(settings.model, "ollama/b");
  assert.deepEqual(settings.ollama, { maxContext: 16384, keepAlive: "5m" });
});

test("a broken file is reported and the other file still applies", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-settings-"));
  const user = join(dir, "user.json");
  const project = join(dir, "project.json");
  writeFileSync(user, JSON.stringify({ model: "anthropic/a" }));
  writeFileSync(project, "{ nope");
  const { settings, diagnostics } = loadSettings([
    { path: user, label: "user.json" },
    { path: project, label: "project.json" },
  ]);
  assert.equal(settings.model, "anthropic/a");
  assert.equal(diagnostics[0].file, "project.json");
  assert.equal(diagnostics[0].severity, "error");
});

test("a key pasted into settings is refused at its line, without echoing it", () => {
  const key = `sk-ant-api03-${"Zx7Qm2".repeat(12)}`;
  const text = `{\n  "model": "anthropic/claude-sonnet-4-5",\n  "providers": {\n    "anthropic": { "headers": { "x-api-key": "${key}" } }\n  }\n}`;
  const { value, diagnostics } = parseSettingsText(text, "settings.json");
  assert.equal(value, null);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].line, 4);
  assert.match(diagnostics[0].message, /looks like an API key.*run hearth keys set anthropic/);
  assert.ok(!formatDiagnostic(diagnostics[0]).includes(key.slice(10)));
  const fine = parseSettingsText(
    '{"providers": {"groq": {"api": "openai-chat", "baseUrl": "https://a.example/v1", "apiKeyEnv": "GROQ_API_KEY"}}}',
    "s.json",
  );
  assert.deepEqual(fine.diagnostics, []);
});

test("toolTimeout is seconds for every kind or per kind; a zero or an unknown kind is an error", () => {
  for (const good of ['{"toolTimeout": 30}', '{"toolTimeout": {"read": 5, "exec": 900}}']) {
    const { value, diagnostics } = parseSettingsText(good, "s.json");
    assert.deepEqual(diagnostics, [], good);
    assert.ok(value?.toolTimeout);
  }
  for (const bad of ['{"toolTimeout": 0}', '{"toolTimeout": {"reed": 5}}', '{"toolTimeout": "30s"}']) {
    const { diagnostics } = parseSettingsText(bad, "s.json");
    assert.ok(
      diagnostics.some((d) => d.severity === "error" && /toolTimeout/.test(d.message)),
      `${bad}: ${JSON.stringify(diagnostics)}`,
    );
  }
});

test("a provider's images is true, false or a list of its models; anything else is an error at its line", () => {
  const ok = parseSettingsText(
    '{"providers": {"ollama": {"images": ["llava:13b"]}, "lmstudio": {"images": true}}}',
    "s.json",
  );
  assert.deepEqual(ok.diagnostics, []);
  const text = '{\n  "providers": {\n    "ollama": {\n      "images": "yes"\n    }\n  }\n}';
  const errors = parseSettingsText(text, "s.json").diagnostics.filter((d) => d.severity === "error");
  assert.equal(errors.length, 1);
  assert.equal(errors[0].line, 4);
  assert.match(errors[0].message, /providers\.ollama\.images/);
});

test("router models are provider/model; a rule's use is local, cloud or a model; an unknown condition is an error", () => {
  const good =
    '{"model": "auto", "router": {"local": "ollama/qwen", "cloud": "anthropic/claude-sonnet-4-5", "rules": [{"when": {"minChars": 10, "kind": ["review"]}, "use": "cloud"}]}}';
  assert.deepEqual(
    parseSettingsText(good, "s.json").diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  for (const [text, key] of [
    ['{"router": {"local": "qwen"}}', /router\.local/],
    [
      '{"router": {"local": "ollama/q", "rules": [{"when": {}, "use": "somewhere"}]}}',
      /router\.rules\.0\.use/,
    ],
    ['{"router": {"local": "ollama/q", "rules": [{"when": {"size": 3}, "use": "local"}]}}', /size/],
    ['{"router": {"local": "ollama/q", "rules": [{"when": {"kind": ["chat"]}, "use": "local"}]}}', /kind/],
  ] as const) {
    const errors = parseSettingsText(text, "s.json").diagnostics.filter((d) => d.severity === "error");
    assert.equal(errors.length, 1, text);
    assert.match(errors[0].message, key, text);
  }
});
