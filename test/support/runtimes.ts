/**
 * Pointing the real agent CLIs (devDependencies) at the fake model server, each through its own base-URL setting,
 * with their side traffic off; and reading what hearth recorded of their turns.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "../e2e/harness.ts";
import type { FakeServer } from "../fake-server/server.ts";

/** claude: Anthropic Messages at ANTHROPIC_BASE_URL. */
export function claudeEnv(fake: FakeServer): Record<string, string> {
  return { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: "test-anthropic-key" };
}

/**
 * codex: a CODEX_HOME whose config.toml names the fake server as its provider (OpenAI Responses). TMPDIR moves
 * away from the folder holding CODEX_HOME: codex will not set up its sandbox helper under the temp folder.
 */
export function codexEnv(sandbox: Sandbox, fake: FakeServer): Record<string, string> {
  const home = join(sandbox.home, ".codex");
  const tmp = join(sandbox.home, "tmp");
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(
    join(home, "config.toml"),
    [
      'model_provider = "fake"',
      'model = "fake-model"',
      "[model_providers.fake]",
      'name = "fake"',
      `base_url = "${fake.url}/v1"`,
      'env_key = "OPENAI_API_KEY"',
      'wire_api = "responses"',
      "",
    ].join("\n"),
  );
  return { CODEX_HOME: home, OPENAI_API_KEY: "test-openai-key", TMPDIR: tmp };
}

/** The one session file's records. */
export function sessionRecords(sandbox: Sandbox): Array<Record<string, unknown>> {
  const dir = join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions");
  const files = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
  if (files.length !== 1) throw new Error(`expected one session, found ${files.length}`);
  return readFileSync(join(dir, files[0]), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The text of everything a model request sent (to see what a resumed child session carried). */
export const requestText = (fake: FakeServer, index: number) =>
  JSON.stringify(fake.modelRequests[index]?.body ?? null);

/** gemini: the Gemini API at GOOGLE_GEMINI_BASE_URL, its API-key auth chosen, folder trust off. */
export function geminiEnv(sandbox: Sandbox, fake: FakeServer): Record<string, string> {
  mkdirSync(join(sandbox.home, ".gemini"), { recursive: true });
  writeFileSync(
    join(sandbox.home, ".gemini", "settings.json"),
    JSON.stringify({
      security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: false } },
    }),
  );
  return { GOOGLE_GEMINI_BASE_URL: fake.url, GEMINI_API_KEY: "test-gemini-key" };
}

/** What Gemini CLI's model router asks first (a flash-lite model scores the task): a valid score. */
export const GEMINI_ROUTER_TURN = { text: '{"complexity_reasoning":"simple","complexity_score":10}' };

/**
 * opencode: its config names the fake server as an OpenAI-compatible provider and the model to use.
 */
export function opencodeEnv(sandbox: Sandbox, fake: FakeServer): Record<string, string> {
  const dir = join(sandbox.env.XDG_CONFIG_HOME, "opencode");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "opencode.json"),
    JSON.stringify({
      autoupdate: false,
      share: "disabled",
      model: "fake/fake-model",
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          name: "Fake",
          options: { baseURL: `${fake.url}/v1`, apiKey: "test-opencode-key" },
          models: { "fake-model": { name: "Fake" } },
        },
      },
    }),
  );
  // It would fetch its plugin package from the npm registry: a loopback port that refuses keeps tests offline.
  return { npm_config_registry: "http://127.0.0.1:9/", npm_config_offline: "true" };
}

/** What opencode asks first (a title for its session). */
export const OPENCODE_TITLE_TURN = { text: "Title" };

/** One session file's records, by the session's id (when more than one hearth writes sessions in the sandbox). */
export function sessionRecordsOf(sandbox: Sandbox, id: string): Array<Record<string, unknown>> {
  return readFileSync(join(sandbox.env.XDG_DATA_HOME, "hearth", "sessions", `${id}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
