import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HttpRequest } from "../protocol/http.ts";
import { createHttpClient, HttpError } from "./http-client.ts";
import { isLoopbackHost, offlineGuard } from "./offline.ts";

function request(url: string, purpose = "model"): HttpRequest {
  return { method: "POST", url, headers: {}, signal: new AbortController().signal, purpose };
}

function check(guard: ReturnType<typeof offlineGuard>, url: string, purpose?: string): void {
  guard(request(url, purpose), new URL(url));
}

describe("isLoopbackHost", () => {
  it("knows loopback addresses and localhost, with or without a port", () => {
    for (const host of [
      "127.0.0.1",
      "127.0.0.1:11434",
      "127.1.2.3:80",
      "localhost",
      "localhost:1234",
      "LOCALHOST",
      "::1",
      "[::1]",
      "[::1]:8080",
      "[::ffff:7f00:1]:80",
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
  });

  it("refuses everything else, including names that merely look local", () => {
    for (const host of [
      "api.anthropic.com",
      "10.0.0.1",
      "192.168.1.10:11434",
      "0.0.0.0",
      "128.0.0.1",
      "127.0.0.1.nip.io",
      "localhost.example.com",
      "my-localhost",
      "[::2]",
      "[fe80::1]:80",
      "[::ffff:a00:1]",
      "",
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe("offlineGuard", () => {
  it("allows everything when not offline", () => {
    const guard = offlineGuard({ offline: false, reason: "--offline" });
    assert.doesNotThrow(() => check(guard, "https://api.anthropic.com/v1/messages"));
  });

  it("allows loopback when offline, however the URL spells it", () => {
    const guard = offlineGuard({ offline: true, reason: "--offline" });
    for (const url of [
      "http://127.0.0.1:11434/api/chat",
      "http://localhost:1234/v1/chat/completions",
      "http://[::1]:8080/v1/models",
      "http://2130706433/", // 127.0.0.1 as one number; WHATWG URL normalises it
      "http://0x7f.1:9/",
    ]) {
      assert.doesNotThrow(() => check(guard, url), url);
    }
  });

  it("refuses any other host with one line naming the switch, the host and what to do", () => {
    const guard = offlineGuard({ offline: true, reason: "--offline" });
    assert.throws(
      () => check(guard, "https://api.anthropic.com/v1/messages"),
      (error: unknown) => {
        assert.ok(error instanceof HttpError);
        assert.equal(error.code, "refused_offline");
        assert.equal(
          error.message,
          "offline mode (--offline) blocks the request to api.anthropic.com; use a local model, e.g. --model ollama/<model>",
        );
        return true;
      },
    );
    const settings = offlineGuard({ offline: true, reason: "offline: true in settings" });
    assert.throws(() => check(settings, "http://192.168.1.5:11434/api/chat"), {
      code: "refused_offline",
      message:
        /^offline mode \(offline: true in settings\) blocks the request to 192\.168\.1\.5; use a local model/,
    });
    assert.throws(() => check(settings, "https://mcp.example.com/sse", "mcp"), {
      message: /blocks the request to mcp\.example\.com; only MCP servers on loopback run offline$/,
    });
  });

  it("refuses through the HTTP client before any lookup or connection, and records no exchange", async () => {
    const exchanges: unknown[] = [];
    const http = createHttpClient({
      onExchange: (e) => exchanges.push(e),
      beforeRequest: offlineGuard({ offline: true, reason: "--offline" }),
    });
    // .invalid never resolves: a lookup would fail with ENOTFOUND, not refused_offline.
    await assert.rejects(http(request("https://hearth-offline-test.invalid/v1/messages")), {
      code: "refused_offline",
    });
    assert.deepEqual(exchanges, []);
  });
});
