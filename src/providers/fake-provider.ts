/**
 * A scripted provider for loop tests: each call takes the next turn, a list of ProviderEvents. A turn of
 * "hang" waits until the request is aborted. It records every request and, when the script runs out, ends
 * with an error that says so (a test that makes one request too many fails loudly).
 */
import type { ModelRequest, ProviderEvent, StreamFunction } from "./provider.ts";

export type FakeProviderTurn = ProviderEvent[] | "hang";

export type FakeProvider = { stream: StreamFunction; requests: ModelRequest[]; remaining(): number };

export function createFakeProvider(turns: FakeProviderTurn[]): FakeProvider {
  const script = [...turns];
  const requests: ModelRequest[] = [];
  const stream: StreamFunction = async function* (_model, request, options) {
    // Copy what the loop sent: it keeps appending to its history afterwards.
    requests.push({ ...request, messages: [...request.messages] });
    const turn = script.shift();
    if (turn === undefined) {
      yield {
        type: "error",
        error: { kind: "bad_request", retryable: false, message: "fake provider: script exhausted" },
      };
      return;
    }
    if (turn === "hang") {
      await new Promise<void>((resolve) => {
        if (options.signal.aborted) resolve();
        options.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      yield { type: "error", error: { kind: "aborted", retryable: false, message: "request aborted" } };
      return;
    }
    for (const event of turn) {
      if (options.signal.aborted) {
        yield { type: "error", error: { kind: "aborted", retryable: false, message: "request aborted" } };
        return;
      }
      yield event;
    }
  };
  return { stream, requests, remaining: () => script.length };
}
