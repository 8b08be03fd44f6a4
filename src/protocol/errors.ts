/** Error kinds and exit codes. Types and constants only. */

export type ProviderErrorKind =
  | "auth" // 401/403: bad or missing key
  | "not_found" // 404: unknown model or wrong base URL
  | "rate_limit" // 429
  | "overloaded" // 529 / "overloaded_error"
  | "server" // 5xx
  | "bad_request" // other 4xx
  | "context_length" // prompt too long for the model's window
  | "network" // cannot connect, DNS, reset
  | "timeout" // connect or idle timeout
  | "malformed" // a response we could not parse
  | "aborted"; // the caller's signal fired

export type ProviderError = {
  kind: ProviderErrorKind;
  /** One line for a human: names the provider, the host and what to do. Never contains a key. */
  message: string;
  status?: number;
  retryable: boolean;
  /** From a `retry-after` header, when the server sent one. */
  retryAfterMs?: number;
};

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A bad flag, value or argument: the run never started; exit code 2 (EXIT_USAGE). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
