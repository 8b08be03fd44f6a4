/**
 * The StreamFunction contract (provider.ts), enforced once around every adapter: the registry hands out only
 * wrapped stream functions, so an adapter may throw and may just stop, and the caller still sees a stream that
 * never throws and ends with exactly one `done` or `error`.
 */
import { errorFromFailure } from "./model-request.ts";
import type { ProviderEvent, ResolvedModel, StreamFunction } from "./provider.ts";
import { cutShort } from "./provider-errors.ts";

/** `stream` under the contract: never throws, stops after its first `done` or `error`, and always ends with one. */
export function withStreamContract(stream: StreamFunction): StreamFunction {
  return (model, request, options) => guarded(model, options.signal, () => stream(model, request, options));
}

async function* guarded(
  model: ResolvedModel,
  signal: AbortSignal,
  open: () => AsyncIterable<ProviderEvent>,
): AsyncGenerator<ProviderEvent> {
  const failure = (error: unknown): ProviderEvent => ({
    type: "error",
    error: errorFromFailure(model, error, signal),
  });
  let ended = false;
  try {
    for await (const event of open()) {
      ended = event.type === "done" || event.type === "error";
      yield event;
      if (ended) return;
    }
    // The source stopped without its final event: the server cut the stream, or the caller's signal fired.
    ended = true;
    yield signal.aborted ? failure(null) : { type: "error", error: cutShort(model) };
  } catch (error) {
    if (!ended) yield failure(error);
  }
}
