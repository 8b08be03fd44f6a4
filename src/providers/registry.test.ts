/**
 * Every stream function the registry hands out keeps the contract whatever the wire does: a body that fails
 * mid-read, a body that just ends, a body that ends quietly after the caller's abort. Each yields exactly one
 * final event, an error that says what happened, and never throws (drain fails the test otherwise).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { drain } from "../../test/support/adapter-kit.ts";
import { HttpError } from "../egress/http-client.ts";
import type { ProviderError } from "../protocol/errors.ts";
import type { HttpClient } from "../protocol/http.ts";
import { API_IDS } from "../protocol/model-apis.ts";
import type { ModelRequest, ResolvedModel } from "./provider.ts";
import { loadStreamFunction } from "./registry.ts";

const request: ModelRequest = { system: "", messages: [{ role: "user", content: "hi" }], tools: [] };

/** An HTTP client that answers 200 with an empty streamed body, calling `onRead` when the body is read. */
function answering(onRead: () => void = () => {}): HttpClient {
  return async () => ({
    status: 200,
    headers: { "content-type": "text/event-stream" },
    body: {
      async *[Symbol.asyncIterator]() {
        onRead();
        yield* [];
      },
    },
  });
}

/** An HTTP client whose 200 body fails as it is read, the way a reset connection does. */
const failing: HttpClient = async () => ({
  status: 200,
  headers: { "content-type": "text/event-stream" },
  body: {
    async *[Symbol.asyncIterator]() {
      yield* [];
      throw new HttpError("network", "connection closed before the response ended");
    },
  },
});

async function finalError(
  api: (typeof API_IDS)[number],
  http: HttpClient,
  signal = new AbortController().signal,
): Promise<ProviderError> {
  const model: ResolvedModel = { provider: "test", id: "m", api, baseUrl: "http://127.0.0.1:9", local: true };
  const stream = await loadStreamFunction(api);
  const events = await drain(stream(model, request, { signal, http }));
  const last = events.at(-1);
  assert.equal(last?.type, "error", JSON.stringify(events));
  return (last as { error: ProviderError }).error;
}

for (const api of API_IDS.filter((id) => id !== "embedded")) {
  describe(`${api} from the registry`, () => {
    test("a body that fails mid-read ends with one network error, worth a retry", async () => {
      const error = await finalError(api, failing);
      assert.equal(error.kind, "network");
      assert.equal(error.retryable, true);
      assert.match(error.message, /lost the connection/);
    });

    test("a body that ends without the protocol's final marker is cut short", async () => {
      const error = await finalError(api, answering());
      assert.equal(error.kind, "network");
      assert.match(error.message, /ended the stream before the response was complete/);
    });

    test("a body that ends quietly after the caller's abort is reported aborted", async () => {
      const controller = new AbortController();
      const error = await finalError(
        api,
        answering(() => controller.abort()),
        controller.signal,
      );
      assert.equal(error.kind, "aborted");
    });
  });
}

test("embedded from the registry: a model it cannot run ends with one error, no throw", async () => {
  const error = await finalError("embedded", {} as never);
  assert.match(error.message, /has no GGUF file to run/);
});
