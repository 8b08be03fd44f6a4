/**
 * Which backend a requested model name gets: serve.models first, a name that is itself "<provider>/<model>" of a
 * known provider as it is, else the default; resolution as a run does it (Ollama's window becomes num_ctx), kept
 * for the next request, and offline refusing cloud models.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FakeServer, startFakeServer } from "../../../test/fake-server/server.ts";
import { createHttpClient } from "../../egress/http-client.ts";
import type { Settings } from "../../store/settings-schema.ts";
import { createServeBackends } from "./serve-backends.ts";

let fake: FakeServer;
before(async () => {
  fake = await startFakeServer({ models: ["qwen2.5-coder:7b", "small"], contextLength: 16384 });
});
after(() => fake.close());

const signal = new AbortController().signal;

function backends(settings: Settings, options: { model?: string; offline?: boolean } = {}) {
  return createServeBackends({
    settings: {
      ...settings,
      providers: { ollama: { baseUrl: fake.url }, fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    },
    env: { OLLAMA_HOST: "127.0.0.1:9", ANTHROPIC_API_KEY: "sk-ant-test-000000000000000000000000" },
    http: createHttpClient(),
    model: options.model,
    offline: options.offline ?? false,
  });
}

async function name(serve: ReturnType<typeof backends>, requested: string): Promise<string> {
  const choice = await serve.backendFor(requested, signal);
  assert.ok(choice.ok, JSON.stringify(choice));
  return choice.backend.name;
}

describe("createServeBackends", () => {
  it("maps by serve.models, takes a known provider's model as named, and sends the rest to the default", async () => {
    const serve = backends(
      { serve: { models: { "claude-*": "ollama/qwen2.5-coder:7b" } } },
      { model: "fake/m" },
    );
    assert.equal(await name(serve, "claude-sonnet-4-5"), "ollama/qwen2.5-coder:7b");
    assert.equal(await name(serve, "ollama/small"), "ollama/small");
    // "qwen" is no provider hearth knows: the name is a model name like any other.
    assert.equal(await name(serve, "qwen/qwen3-coder"), "fake/m");
    assert.equal(await name(serve, "gpt-5"), "fake/m");
    assert.deepEqual(serve.modelNames(), ["ollama/qwen2.5-coder:7b", "fake/m"]);
  });

  it("resolves as a run does (the Ollama window as num_ctx) once per model", async () => {
    const serve = backends({ serve: { models: { "claude-*": "ollama/qwen2.5-coder:7b" } } });
    const shows = () => fake.requests.filter((r) => r.path === "/api/show").length;
    const before = shows();
    const a = await serve.backendFor("claude-a", signal);
    const b = await serve.backendFor("claude-b", signal);
    assert.ok(a.ok && b.ok);
    assert.equal(a.backend, b.backend);
    assert.equal(a.backend.model.numCtx, 16384);
    assert.equal(shows() - before, 1);
  });

  it("answers an unknown provider with 404; offline refuses cloud models and serves local ones", async () => {
    const serve = backends({ serve: { models: { x: "nosuch/model" } } });
    const missing = await serve.backendFor("x", signal);
    assert.deepEqual(missing.ok ? null : missing.status, 404);
    assert.match(missing.ok ? "" : missing.message, /unknown provider "nosuch"/);
    const offline = backends({}, { model: "anthropic/claude-sonnet-4-5", offline: true });
    const cloud = await offline.backendFor("claude-x", signal);
    assert.ok(!cloud.ok);
    assert.equal(cloud.status, 403);
    assert.match(cloud.message, /only local models.*anthropic\/claude-sonnet-4-5 is a cloud model/);
    assert.equal(await name(offline, "ollama/small"), "ollama/small");
  });

  it('serves "auto" (the router) by its local model, and says what to set when there is none', async () => {
    assert.equal(
      await name(backends({ model: "auto", router: { local: "ollama/small" } }), "claude-x"),
      "ollama/small",
    );
    assert.equal(
      await name(backends({ router: { local: "ollama/small" } }, { model: "auto" }), "gpt-5"),
      "ollama/small",
    );
    const none = await backends({ model: "auto" }).backendFor("claude-x", signal);
    assert.ok(!none.ok);
    assert.equal(none.status, 404);
    assert.match(none.message, /"auto" \(the router\).*set serve\.model, router\.local or --model/);
  });
});
