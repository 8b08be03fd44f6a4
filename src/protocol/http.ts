/** The HTTP seam's types: every outbound request goes through an HttpClient (src/egress/http-client.ts). */

/** Response from the HTTP seam: status, lower-cased headers and the body as chunks. */
export type HttpResponse = {
  status: number;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
};

export type HttpRequest = {
  method: "GET" | "POST" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Fail with a `timeout` if no connection is made within this many ms. */
  connectTimeoutMs?: number;
  /** What the request is for, for the egress ledger: "model", "probe", "mcp", "download". */
  purpose: string;
};

/**
 * Every outbound request goes through this function (the egress seam). It throws HttpError on connection
 * failures; adapters turn those into ProviderError events.
 */
export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;
