/**
 * What every request to the gateway must pass before its body is read: a Host that is this machine (so a web page
 * on another name that resolves here, DNS rebinding, is refused), no browser Origin (no web page may use the
 * gateway; it sends no CORS headers either), and the gateway's key, as `x-api-key` or a bearer token, compared in
 * constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { isLoopbackHost } from "../egress/offline.ts";

export type GuardRefusal = { status: 401 | 403; message: string };

export type RequestGuard = (headers: IncomingHttpHeaders) => GuardRefusal | null;

export function createRequestGuard(options: {
  key: string;
  /**
   * Listening on more than loopback: a Host that is an IP address is taken too (other machines name the gateway
   * by its address; a rebinding page can only name its own domain).
   */
  ipHosts?: boolean;
}): RequestGuard {
  const expected = digest(options.key);
  return (headers) => {
    const host = headers.host ?? "";
    if (!isLoopbackHost(host) && !(options.ipHosts && isIP(hostName(host).replace(/^\[|\]$/g, "")) !== 0))
      return { status: 403, message: `host ${JSON.stringify(host)} is not this gateway's address` };
    if (headers.origin !== undefined)
      return { status: 403, message: "requests from web pages (with an Origin header) are refused" };
    const given = givenKeys(headers);
    // Both sides hashed: equal lengths for timingSafeEqual, and no early exit on the first differing byte. Either
    // header may hold it (a client with a cloud key in its environment may send that as well).
    const matches = given.map((key) => timingSafeEqual(digest(key), expected));
    if (matches.includes(true)) return null;
    return {
      status: 401,
      message: given.length === 0 ? "no key: send x-api-key or Authorization: Bearer" : "invalid key",
    };
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function givenKeys(headers: IncomingHttpHeaders): string[] {
  const keys: string[] = [];
  const key = headers["x-api-key"];
  if (typeof key === "string" && key) keys.push(key);
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "");
  if (bearer) keys.push(bearer[1]);
  return keys;
}

/** "name:port" or "[v6]:port" without the port. */
function hostName(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1);
  return lower.replace(/:\d+$/, "");
}
