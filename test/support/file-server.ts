/**
 * A loopback HTTP server for download tests: serves one file with Range support (206 + Content-Range, 416),
 * records every request, and misbehaves on demand: drop the connection mid-file, stall, ignore Range, send no
 * Content-Length, redirect like Hugging Face's resolve URLs (302 with x-linked-size / x-linked-etag).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type FileServerOptions = {
  body: Buffer;
  /** Destroy the connection after this many body bytes, on the first `dropTimes` file requests (default 1). */
  dropAfter?: number;
  dropTimes?: number;
  /** Send this many body bytes, then keep the connection open without sending more (first `stallTimes`, default 1). */
  stallAfter?: number;
  stallTimes?: number;
  /** Answer every request with the whole file (200), as servers without Range support do. */
  ignoreRange?: boolean;
  /** Stream the file without Content-Length (chunked encoding). */
  chunked?: boolean;
  /** Extra headers on the file response (an ETag, say). */
  headers?: Record<string, string>;
  /** Request paths that answer 302 instead: path -> Location and extra headers. */
  redirects?: Record<string, { location: string; headers?: Record<string, string> }>;
  /** Answer file requests with this status and no body. */
  status?: number;
  /** Body bytes per write (default 16 KiB) and a pause between writes (default none). */
  chunkSize?: number;
  delayMs?: number;
};

export type RecordedRequest = { method: string; path: string; headers: http.IncomingHttpHeaders };

export type FileServer = {
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: RecordedRequest[];
  /** Body bytes written to clients so far. */
  sent(): number;
  close(): Promise<void>;
};

export async function startFileServer(options: FileServerOptions): Promise<FileServer> {
  const requests: RecordedRequest[] = [];
  let drops = 0;
  let stalls = 0;
  let sent = 0;
  const server = http.createServer(async (req, res) => {
    const path = req.url ?? "/";
    requests.push({ method: req.method ?? "", path, headers: req.headers });
    const redirect = options.redirects?.[path.split("?")[0]];
    if (redirect) {
      res.writeHead(302, { location: redirect.location, "content-length": "0", ...redirect.headers });
      res.end();
      return;
    }
    if (options.status) {
      res.writeHead(options.status, { "content-length": "0" });
      res.end();
      return;
    }
    const total = options.body.length;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ""));
    const headers: Record<string, string | number> = {
      "content-type": "application/octet-stream",
      ...options.headers,
    };
    let status = 200;
    if (range && !options.ignoreRange) {
      start = Number(range[1]);
      if (start >= total) {
        res.writeHead(416, { "content-range": `bytes */${total}`, "content-length": 0 });
        res.end();
        return;
      }
      status = 206;
      headers["content-range"] = `bytes ${start}-${total - 1}/${total}`;
    }
    if (!options.chunked) headers["content-length"] = total - start;
    headers["accept-ranges"] = "bytes";
    res.writeHead(status, headers);
    const drop =
      options.dropAfter !== undefined && drops < (options.dropTimes ?? 1) ? options.dropAfter : undefined;
    if (drop !== undefined) drops++;
    const stall =
      options.stallAfter !== undefined && stalls < (options.stallTimes ?? 1) ? options.stallAfter : undefined;
    if (stall !== undefined) stalls++;
    const size = options.chunkSize ?? 16 * 1024;
    let offset = start;
    let written = 0;
    while (offset < total) {
      if (drop !== undefined && written >= drop) {
        res.socket?.end(); // what was written still arrives, then the connection closes mid-body
        return;
      }
      if (stall !== undefined && written >= stall) return; // hang until closed
      const limit = Math.min(
        offset + size,
        total,
        drop !== undefined ? offset + drop - written : total,
        stall !== undefined ? offset + stall - written : total,
      );
      const chunk = options.body.subarray(offset, limit);
      const ok = res.write(chunk);
      written += chunk.length;
      sent += chunk.length;
      offset = limit;
      if (!ok) await new Promise((resolve) => res.once("drain", resolve));
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (res.destroyed) return;
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    sent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
