import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { keychainValues, keyFileValues } from "./stored-key-values.ts";

describe("stored key values", () => {
  const home = mkdtempSync(join(tmpdir(), "hearth-stored-"));
  after(() => rmSync(home, { recursive: true, force: true }));
  const env = { XDG_CONFIG_HOME: join(home, "config"), HEARTH_KEYCHAIN: "off" };
  const file = join(home, "config", "hearth", "keys.json");
  const write = (text: string, mode = 0o600) => {
    mkdirSync(join(home, "config", "hearth"), { recursive: true });
    writeFileSync(file, text);
    chmodSync(file, mode);
  };

  it("reads every key in the file, for every provider", () => {
    write(JSON.stringify({ keys: { openai: "first-value-123", mistral: "second-value-456" } }));
    assert.deepEqual(keyFileValues(env), ["first-value-123", "second-value-456"]);
  });

  it("reads a file others may read too (hearth refuses to use its keys, but they must still be hidden)", () => {
    write(JSON.stringify({ keys: { openai: "exposed-value-789" } }), 0o644);
    assert.deepEqual(keyFileValues(env), ["exposed-value-789"]);
  });

  it("gives nothing for a missing or malformed file, and never throws", () => {
    write("{ not json");
    assert.deepEqual(keyFileValues(env), []);
    write(JSON.stringify({ keys: { odd: 42, ok: "string-value-1" } }));
    assert.deepEqual(keyFileValues(env), ["string-value-1"]);
    write("null");
    assert.deepEqual(keyFileValues(env), []);
    rmSync(file);
    assert.deepEqual(keyFileValues(env), []);
  });

  it("asks no keychain when it is turned off", async () => {
    assert.deepEqual(await keychainValues(env), []);
  });
});
