import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRequestGuard } from "./request-guard.ts";

const KEY = "guard-key-0123456789abcdef";

describe("createRequestGuard", () => {
  it("takes loopback Hosts only, unless listening wider: then IP addresses too, never a domain", () => {
    const local = createRequestGuard({ key: KEY });
    const wide = createRequestGuard({ key: KEY, ipHosts: true });
    const asked = (host: string) => ({ host, "x-api-key": KEY });
    for (const host of ["127.0.0.1:4517", "localhost:4517", "[::1]:4517", "127.0.0.2"])
      assert.equal(local(asked(host)), null, host);
    for (const host of ["192.168.1.5:4517", "evil.example:4517", "localhost.evil.example", ""])
      assert.equal(local(asked(host))?.status, 403, host);
    for (const host of ["192.168.1.5:4517", "[fe80::1]:4517", "10.0.0.2"])
      assert.equal(wide(asked(host)), null, host);
    for (const host of ["evil.example:4517", "192.168.1.5.nip.io"])
      assert.equal(wide(asked(host))?.status, 403, host);
  });

  it("takes the key from either header, and refuses an Origin even with the key", () => {
    const guard = createRequestGuard({ key: KEY });
    const host = "127.0.0.1:1";
    assert.equal(guard({ host, authorization: `Bearer ${KEY}` }), null);
    // A client with a cloud key in its environment may send it beside ours.
    assert.equal(guard({ host, "x-api-key": "sk-other", authorization: `Bearer ${KEY}` }), null);
    assert.deepEqual(guard({ host, authorization: `Basic ${KEY}` }), {
      status: 401,
      message: "no key: send x-api-key or Authorization: Bearer",
    });
    assert.equal(guard({ host, "x-api-key": KEY, origin: "null" })?.status, 403);
  });
});
