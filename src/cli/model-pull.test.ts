import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFileServer } from "../../test/support/file-server.ts";
import { createHttpClient, type Exchange } from "../egress/http-client.ts";
import { offlineGuard } from "../egress/offline.ts";
import { type PullRequest, parseContentRange, pullModel } from "./model-pull.ts";

const MODEL = readFileSync(new URL("../../test/fixtures/llama-2-tiny-random.gguf", import.meta.url));
const SHA = createHash("sha256").update(MODEL).digest("hex");
const root = mkdtempSync(join(tmpdir(), "hearth-pull-"));
after(() => rmSync(root, { recursive: true, force: true }));

function setup(url: string, extra: Partial<PullRequest> = {}) {
  const dir = mkdtempSync(join(root, "models-"));
  const exchanges: Exchange[] = [];
  const notices: string[] = [];
  const request: PullRequest = {
    url,
    fileName: "tiny.gguf",
    dir,
    http: createHttpClient({ onExchange: (e) => exchanges.push(e) }),
    signal: new AbortController().signal,
    notice: (line) => notices.push(line),
    ...extra,
  };
  return {
    dir,
    request,
    exchanges,
    notices,
    final: join(dir, "tiny.gguf"),
    partial: join(dir, "tiny.gguf.partial"),
  };
}

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("pullModel from a loopback server", () => {
  test("downloads the whole file, checks --sha256 and leaves only the final file", async (t) => {
    const server = await startFileServer({ body: MODEL });
    t.after(() => server.close());
    const s = setup(`${server.origin}/tiny.gguf`, { sha256: SHA });
    const outcome = await pullModel(s.request);
    assert.deepEqual(outcome, {
      status: "done",
      path: s.final,
      size: MODEL.length,
      sha256: SHA,
      verified: true,
      resumedFrom: 0,
    });
    assert.equal(sha(s.final), SHA);
    assert.deepEqual(readdirSync(s.dir), ["tiny.gguf"]);
    assert.equal(server.requests[0].headers.range, undefined);
    assert.equal(s.exchanges[0].purpose, "download");
    assert.equal(s.exchanges[0].bytesReceived, MODEL.length);
    const again = await pullModel(s.request);
    assert.deepEqual(again, { status: "exists", path: s.final, size: MODEL.length });
    assert.equal(server.requests.length, 1, "an existing file is not downloaded again");
  });

  test("a dropped connection keeps the partial; the next pull resumes with Range and the hash is right", async (t) => {
    const server = await startFileServer({ body: MODEL, dropAfter: 700_000, headers: { etag: '"v1"' } });
    t.after(() => server.close());
    const s = setup(`${server.origin}/tiny.gguf`);
    const first = await pullModel(s.request);
    assert.equal(first.status, "failed");
    // The client keeps what it received before the close (node may drop a few KB still buffered in the socket).
    const kept = statSync(s.partial).size;
    assert.ok(kept > 500_000 && kept <= 700_000, `kept ${kept}`);
    assert.match(
      first.status === "failed" ? first.message : "",
      /the connection to 127\.0\.0\.1:\d+ broke at \d+ kB of 1\.8 MB \(.*\); run the same command to resume/,
    );
    assert.ok(!existsSync(s.final));
    const sidecar = JSON.parse(readFileSync(`${s.partial}.json`, "utf8"));
    assert.deepEqual(sidecar, { url: `${server.origin}/tiny.gguf`, size: MODEL.length, validator: '"v1"' });

    const second = await pullModel(s.request);
    assert.equal(second.status, "done");
    assert.equal(second.status === "done" && second.resumedFrom, kept);
    assert.equal(server.requests[1].headers.range, `bytes=${kept}-`);
    assert.equal(sha(s.final), SHA);
    assert.deepEqual(readdirSync(s.dir), ["tiny.gguf"]);
  });

  test("starts over when the server ignores Range (200) or the file changed (ETag)", async (t) => {
    for (const [options, why] of [
      [{ ignoreRange: true }, /does not resume downloads/],
      [{ headers: { etag: '"v2"' } }, /changed on .* since the partial download; starting over/],
    ] as const) {
      const server = await startFileServer({ body: MODEL, ...options });
      t.after(() => server.close());
      const s = setup(`${server.origin}/tiny.gguf`);
      writeFileSync(s.partial, Buffer.alloc(1000, 7)); // wrong bytes: a resume would corrupt the file
      writeFileSync(
        `${s.partial}.json`,
        JSON.stringify({ url: `${server.origin}/tiny.gguf`, validator: '"v1"' }),
      );
      const outcome = await pullModel(s.request);
      assert.equal(outcome.status, "done", JSON.stringify(outcome));
      assert.match(s.notices.join("\n"), why);
      assert.equal(sha(s.final), SHA);
    }
  });

  test("a partial from another URL is not resumed", async (t) => {
    const server = await startFileServer({ body: MODEL });
    t.after(() => server.close());
    const s = setup(`${server.origin}/tiny.gguf`);
    writeFileSync(s.partial, Buffer.alloc(1000, 7));
    writeFileSync(`${s.partial}.json`, JSON.stringify({ url: "http://127.0.0.1:1/other.gguf" }));
    assert.equal((await pullModel(s.request)).status, "done");
    assert.equal(server.requests[0].headers.range, undefined);
    assert.match(s.notices[0], /from another URL; starting over/);
    assert.equal(sha(s.final), SHA);
  });

  test("a partial that is already complete is verified and renamed without a request", async () => {
    const s = setup("http://127.0.0.1:1/tiny.gguf", { sha256: SHA });
    writeFileSync(s.partial, MODEL);
    writeFileSync(
      `${s.partial}.json`,
      JSON.stringify({ url: "http://127.0.0.1:1/tiny.gguf", size: MODEL.length }),
    );
    const outcome = await pullModel(s.request);
    assert.equal(outcome.status, "done");
    assert.equal(s.exchanges.length, 0);
    assert.deepEqual(readdirSync(s.dir), ["tiny.gguf"]);
  });

  test("a wrong sha256 deletes the download: no final file, no partial", async (t) => {
    const server = await startFileServer({ body: MODEL });
    t.after(() => server.close());
    const s = setup(`${server.origin}/tiny.gguf`, { sha256: "a".repeat(64) });
    const outcome = await pullModel(s.request);
    assert.equal(outcome.status, "failed");
    assert.match(
      outcome.status === "failed" ? outcome.message : "",
      new RegExp(`sha256 mismatch for tiny.gguf: expected a{64}, got ${SHA}; the download was deleted`),
    );
    assert.deepEqual(readdirSync(s.dir), []);
  });

  test("a full disk (ENOSPC) or a failing one (EIO) gives one line and removes the partial", async (t) => {
    const server = await startFileServer({ body: MODEL });
    t.after(() => server.close());
    for (const [code, message] of [
      [
        "ENOSPC",
        /no space left in .* after \d+(\.\d)? kB of tiny\.gguf; it needs 1\.8 MB free; the partial download was removed: free some space and run the same command again/,
      ],
      [
        "EIO",
        /cannot write tiny\.gguf in .* \(EIO: the disk may be failing\); the partial download was removed/,
      ],
    ] as const) {
      let written = 0;
      const writeChunk = async (file: FileHandle, chunk: Uint8Array) => {
        if (written + chunk.length > 300_000) throw Object.assign(new Error(`${code}: simulated`), { code });
        await file.write(chunk);
        written += chunk.length;
      };
      const s = setup(`${server.origin}/tiny.gguf`, { writeChunk });
      const outcome = await pullModel(s.request);
      assert.equal(outcome.status, "failed");
      assert.match(outcome.status === "failed" ? outcome.message : "", message);
      assert.deepEqual(readdirSync(s.dir), [], "no partial, sidecar or lock left");
    }
  });

  test("not enough free space is found before downloading; a resumable partial is kept", async (t) => {
    const server = await startFileServer({ body: MODEL });
    t.after(() => server.close());
    const s = setup(`${server.origin}/tiny.gguf`, { freeSpace: async () => 500_000 });
    writeFileSync(s.partial, MODEL.subarray(0, 100_000));
    writeFileSync(
      `${s.partial}.json`,
      JSON.stringify({ url: `${server.origin}/tiny.gguf`, size: MODEL.length }),
    );
    const outcome = await pullModel(s.request);
    assert.match(
      outcome.status === "failed" ? outcome.message : "",
      /not enough space in .*: tiny\.gguf needs 1\.7 MB more, 500 kB is free; .*\(the 100 kB downloaded so far are kept\)/,
    );
    assert.equal(statSync(s.partial).size, 100_000);
  });

  test("Ctrl-C (abort) stops the download, keeps the partial and says how to resume", async (t) => {
    const server = await startFileServer({ body: MODEL, stallAfter: 200_000 });
    t.after(() => server.close());
    const controller = new AbortController();
    const s = setup(`${server.origin}/tiny.gguf`, { signal: controller.signal });
    const pending = pullModel(s.request);
    while (!existsSync(s.partial) || statSync(s.partial).size < 200_000)
      await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const outcome = await pending;
    assert.deepEqual(outcome, {
      status: "interrupted",
      message: "download stopped at 200 kB of 1.8 MB; run the same command to resume",
    });
    assert.equal(statSync(s.partial).size, 200_000);
    assert.ok(!existsSync(s.final));
  });

  test("a server that stops sending is given up on after the idle timeout; the partial is kept", async (t) => {
    const server = await startFileServer({ body: MODEL, stallAfter: 100_000 });
    t.after(() => server.close());
    const s = setup(`${server.origin}/tiny.gguf`, { idleTimeoutMs: 300 });
    const outcome = await pullModel(s.request);
    assert.match(
      outcome.status === "failed" ? outcome.message : "",
      /no data from 127\.0\.0\.1:\d+ for 0 s at 100 kB of 1\.8 MB; run the same command to resume/,
    );
    assert.equal(statSync(s.partial).size, 100_000);
  });

  test("a server that accepts but never answers is given up on too", async (t) => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    t.after(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const { port } = silent.address() as AddressInfo;
    const s = setup(`http://127.0.0.1:${port}/tiny.gguf`, { idleTimeoutMs: 300 });
    const outcome = await pullModel(s.request);
    assert.deepEqual(outcome, {
      status: "failed",
      message: `no answer from 127.0.0.1:${port} in 0 s; try again later`,
    });
    assert.deepEqual(readdirSync(s.dir), []);
  });

  test("Hugging Face: follows the resolve redirect, checks x-linked-etag, sends the token to the hub only", async (t) => {
    const cdn = await startFileServer({ body: MODEL });
    t.after(() => cdn.close());
    for (const [published, ok] of [
      [SHA, true],
      ["b".repeat(64), false],
    ] as const) {
      const hub = await startFileServer({
        body: Buffer.alloc(0),
        redirects: {
          "/o/r/resolve/main/tiny.gguf": {
            location: `${cdn.origin}/blob/tiny.gguf?signature=abc`,
            headers: { "x-linked-size": String(MODEL.length), "x-linked-etag": `"${published}"` },
          },
        },
      });
      t.after(() => hub.close());
      const s = setup(`${hub.origin}/o/r/resolve/main/tiny.gguf`, {
        token: { origin: hub.origin, value: "hf_secret" },
      });
      const outcome = await pullModel(s.request);
      assert.equal(hub.requests[0].headers.authorization, "Bearer hf_secret");
      assert.equal(
        cdn.requests.at(-1)?.headers.authorization,
        undefined,
        "no token after a redirect to another host",
      );
      assert.equal(cdn.requests.at(-1)?.path, "/blob/tiny.gguf?signature=abc");
      if (ok) {
        assert.equal(outcome.status === "done" && outcome.verified, true);
      } else {
        assert.match(
          outcome.status === "failed" ? outcome.message : "",
          /sha256 mismatch .*expected b{64}.*\(run again to retry\)/,
        );
        assert.deepEqual(readdirSync(s.dir), []);
      }
    }
  });

  test("a --sha256 that differs from the published one fails before downloading", async (t) => {
    const hub = await startFileServer({ body: MODEL, headers: { "x-linked-etag": `"${SHA}"` } });
    t.after(() => hub.close());
    const s = setup(`${hub.origin}/tiny.gguf`, { sha256: "c".repeat(64) });
    const outcome = await pullModel(s.request);
    assert.match(
      outcome.status === "failed" ? outcome.message : "",
      /--sha256 c{64} does not match the sha256 127\.0\.0\.1:\d+ publishes/,
    );
    assert.deepEqual(readdirSync(s.dir), []);
  });

  test("an HTML page instead of a model is refused and not kept", async (t) => {
    const server = await startFileServer({ body: Buffer.from("<!DOCTYPE html><html>sign in</html>") });
    t.after(() => server.close());
    const s = setup(`${server.origin}/tiny.gguf`);
    const outcome = await pullModel(s.request);
    assert.match(
      outcome.status === "failed" ? outcome.message : "",
      /not a GGUF model file \(it starts with "<!DO"\); check the URL/,
    );
    assert.deepEqual(readdirSync(s.dir), []);
  });

  test("HTTP errors and unreachable hosts say what to do", async (t) => {
    const server = await startFileServer({ body: MODEL, status: 404 });
    t.after(() => server.close());
    const missing = await pullModel(setup(`${server.origin}/tiny.gguf`).request);
    assert.match(
      missing.status === "failed" ? missing.message : "",
      /answered 404: no such file; check the owner/,
    );
    const closed = await pullModel(setup("http://127.0.0.1:1/tiny.gguf").request);
    assert.match(
      closed.status === "failed" ? closed.message : "",
      /cannot download from 127\.0\.0\.1:1: .*ECONNREFUSED.*check the URL and the network, then run the same command to try again/,
    );
  });

  test("offline mode refuses a download from the internet before any connection", async () => {
    const s = setup("https://example.invalid/tiny.gguf");
    s.request.http = createHttpClient({
      beforeRequest: offlineGuard({ offline: true, reason: "--offline" }),
    });
    const outcome = await pullModel(s.request);
    assert.deepEqual(outcome, {
      status: "failed",
      message:
        "offline mode (--offline) blocks the request to example.invalid; downloads need the network; turn offline mode off to fetch it",
    });
  });

  test("a second pull of the same file while one runs is refused", async () => {
    const s = setup("http://127.0.0.1:1/tiny.gguf");
    writeFileSync(join(s.dir, "tiny.gguf.partial.lock"), `${process.ppid}\n`);
    const outcome = await pullModel(s.request);
    assert.match(
      outcome.status === "failed" ? outcome.message : "",
      new RegExp(`another hearth \\(pid ${process.ppid}\\) is downloading`),
    );
    writeFileSync(join(s.dir, "tiny.gguf.partial.lock"), "999999999\n"); // a dead pid: the lock is stale
    const stale = await pullModel(s.request);
    assert.match(stale.status === "failed" ? stale.message : "", /ECONNREFUSED/);
  });
});

test("parseContentRange", () => {
  assert.deepEqual(parseContentRange("bytes 100-199/1000"), { start: 100, total: 1000 });
  assert.deepEqual(parseContentRange("bytes 5-9/*"), { start: 5, total: undefined });
  assert.equal(parseContentRange("bytes */1000"), undefined);
  assert.equal(parseContentRange(undefined), undefined);
});
