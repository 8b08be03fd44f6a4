/**
 * A `fetch` for the MCP SDK's HTTP transports that goes through hearth's one HTTP client (egress/http-client.ts):
 * so every request to an MCP server is in the egress ledger (purpose "mcp"), offline mode refuses a server that
 * is not on loopback before any connection is made, and an abort reaches the socket.
 */
import type { HttpClient, HttpRequest } from "../protocol/http.ts";

const METHODS = new Set<HttpRequest["method"]>(["GET", "POST", "DELETE"]);
/** Statuses whose Response may not have a body. */
const NO_BODY = new Set([101, 204, 205, 304]);

export function mcpFetch(http: HttpClient): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init = {}) => {
    const method = (init.method ?? "GET").toUpperCase() as HttpRequest["method"];
    if (!METHODS.has(method)) throw new TypeError(`MCP: unsupported HTTP method ${method}`);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = await bodyText(init.body);
    const signal = init.signal ?? new AbortController().signal;
    const response = await http({
      method,
      url: String(url),
      headers,
      ...(body === undefined ? {} : { body }),
      signal,
      purpose: "mcp",
    });
    const chunks = response.body[Symbol.asyncIterator]();
    if (NO_BODY.has(response.status) || response.headers["content-length"] === "0") {
      for await (const _ of { [Symbol.asyncIterator]: () => chunks }); // the exchange ends (and is in the ledger)
      return new Response(null, { status: response.status, headers: response.headers });
    }
    // Pulled as the SDK reads (an SSE stream may stay open); cancelling it ends the request.
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return?.();
      },
    });
    return new Response(stream, { status: response.status, headers: response.headers });
  };
}

async function bodyText(body: RequestInit["body"]): Promise<string | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  return await new Response(body).text();
}
