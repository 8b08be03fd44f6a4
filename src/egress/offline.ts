/**
 * Offline mode, enforced at the egress seam: a `beforeRequest` hook for createHttpClient that refuses every
 * request to a host that is not loopback before any name lookup or connection happens. Everything hearth sends
 * goes through that client, so this is the one check there is.
 */
import type { HttpRequest } from "../protocol/http.ts";
import { HttpError } from "./http-client.ts";

/**
 * Whether a host name (as in a URL: `127.0.0.1`, `[::1]`, `localhost`, optionally with `:port`) is loopback:
 * 127.0.0.0/8, ::1 (also IPv4-mapped ::ffff:127.x.y.z), or the name `localhost`. Other names are not, even if
 * they resolve to loopback: the check must not depend on a lookup.
 */
export function isLoopbackHost(host: string): boolean {
  let name = host.toLowerCase();
  if (name.startsWith("[")) {
    const end = name.indexOf("]");
    name = end === -1 ? name.slice(1) : name.slice(1, end);
  } else if (/^[^:]*:\d*$/.test(name)) {
    name = name.slice(0, name.indexOf(":")); // strip a port from "name:port"
  }
  if (name === "localhost" || name === "localhost.") return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true;
  if (name === "::1" || name === "0:0:0:0:0:0:0:1") return true;
  // IPv4-mapped IPv6 as WHATWG URL writes it (::ffff:7f00:1) or as typed (::ffff:127.0.0.1).
  if (/^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(name)) return true;
  return /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** What to do instead, by request purpose. */
const HINT: Record<string, string> = {
  model: "use a local model, e.g. --model ollama/<model>",
  probe: "only local servers on loopback are probed offline",
  mcp: "only MCP servers on loopback run offline",
  download: "downloads need the network; turn offline mode off to fetch it",
};

export type OfflineOptions = {
  offline: boolean;
  /** Which switch turned offline on, for the message: "--offline" or "offline: true in settings". */
  reason: string;
};

/**
 * A `beforeRequest` hook: when offline, a request to any host that is not loopback throws
 * HttpError("refused_offline") with one line naming the setting, the host and what to do.
 */
export function offlineGuard(options: OfflineOptions): (request: HttpRequest, url: URL) => void {
  if (!options.offline) return () => {};
  return (request, url) => {
    if (isLoopbackHost(url.host)) return;
    const hint = HINT[request.purpose] ?? "turn offline mode off to allow it";
    throw new HttpError(
      "refused_offline",
      `offline mode (${options.reason}) blocks the request to ${url.hostname}; ${hint}`,
    );
  };
}
