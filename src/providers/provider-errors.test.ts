import assert from "node:assert/strict";
import { test } from "node:test";
import { HttpError } from "../egress/http-client.ts";
import type { ResolvedModel } from "./provider.ts";
import { errorFromException, errorFromStatus } from "./provider-errors.ts";

const cloud: ResolvedModel = {
  provider: "anthropic",
  id: "claude-sonnet-4-5",
  api: "anthropic-messages",
  baseUrl: "https://api.anthropic.com",
  apiKey: "sk-ant-secret-value",
  apiKeyEnv: "ANTHROPIC_API_KEY",
  local: false,
};
const local: ResolvedModel = {
  ...cloud,
  provider: "ollama",
  api: "ollama",
  baseUrl: "http://127.0.0.1:11434",
  local: true,
  apiKey: undefined,
};

test("an unreachable cloud host suggests a local model; an unreachable local server says how to start it", () => {
  const timeout = errorFromException(
    cloud,
    new HttpError("timeout", "no connection to api.anthropic.com within 3000 ms"),
  );
  assert.equal(timeout.kind, "timeout");
  assert.equal(timeout.retryable, false);
  assert.equal(
    timeout.message,
    "cannot reach anthropic (api.anthropic.com): no connection to api.anthropic.com within 3000 ms; check your network, or use a local model (e.g. --model ollama/<model>)",
  );
  const refused = errorFromException(local, new HttpError("network", "connect ECONNREFUSED", "ECONNREFUSED"));
  assert.match(
    refused.message,
    /^cannot reach ollama \(127\.0\.0\.1:11434\) \(ECONNREFUSED\); is the server running\? start it with `ollama serve`$/,
  );
  assert.equal(refused.retryable, false);
  const reset = errorFromException(cloud, new HttpError("network", "socket hang up", "ECONNRESET"));
  assert.equal(reset.retryable, true, "a reset connection is worth another try");
});

test("status errors: the server's message is kept on one line and retry-after is read in seconds or as a date", () => {
  const e = errorFromStatus(cloud, 400, '{"error":{"message":"messages: field\\n required"}}', {});
  assert.equal(e.kind, "bad_request");
  assert.match(e.message, /HTTP 400\): messages: field required$/);
  const later = new Date(Date.now() + 5000).toUTCString();
  const r = errorFromStatus(cloud, 429, "", { "retry-after": later });
  assert.ok(r.retryAfterMs !== undefined && r.retryAfterMs > 3000 && r.retryAfterMs <= 5000);
  const overloaded = errorFromStatus(
    cloud,
    529,
    '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    {},
  );
  assert.equal(overloaded.kind, "overloaded");
  assert.ok(overloaded.retryable);
  const ctx = errorFromStatus(
    cloud,
    400,
    '{"error":{"message":"prompt is too long: 250000 tokens > 200000 maximum"}}',
    {},
  );
  assert.equal(ctx.kind, "context_length");
});
