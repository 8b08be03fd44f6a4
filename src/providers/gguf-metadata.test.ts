import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { GgufError, quantizationName, readGgufMetadata } from "./gguf-metadata.ts";

const FIXTURE = new URL("../../test/fixtures/llama-2-tiny-random.gguf", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "hearth-gguf-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Little GGUF writer for synthetic files. */
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
const kv = (key: string, type: number, value: Buffer) => Buffer.concat([str(key), u32(type), value]);
function gguf(version: number, kvs: Buffer[], tensors: Buffer[] = []): Buffer {
  return Buffer.concat([
    Buffer.from("GGUF"),
    u32(version),
    u64(tensors.length),
    u64(kvs.length),
    ...kvs,
    ...tensors,
  ]);
}
const tensor = (name: string, dims: number[]) =>
  Buffer.concat([str(name), u32(dims.length), ...dims.map((d) => u64(d)), u32(1), u64(0)]);
function write(name: string, data: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

describe("readGgufMetadata on the tiny llama fixture", () => {
  test("reads architecture, name, context length, quantization and parameter count", async () => {
    const meta = await readGgufMetadata(FIXTURE);
    assert.equal(meta.version, 3);
    assert.equal(meta.architecture, "llama");
    assert.equal(meta.name, "LLaMA v2");
    assert.equal(meta.contextLength, 4096);
    assert.equal(meta.fileType, 1);
    assert.equal(meta.quantization, "F16");
    assert.equal(meta.tensorCount, 12);
    assert.equal(meta.parameterCount, 513_048);
    assert.equal(meta.values.get("llama.embedding_length"), 8);
    assert.equal(meta.values.get("tokenizer.ggml.bos_token_id"), 1);
    assert.deepEqual(meta.values.get("tokenizer.ggml.tokens"), { arrayOf: "string", length: 32000 });
    assert.deepEqual(meta.values.get("tokenizer.ggml.scores"), { arrayOf: "f32", length: 32000 });
  });

  test("reads less than the header: fixed-size arrays are skipped, tensor data is never read", async () => {
    const meta = await readGgufMetadata(FIXTURE);
    const size = statSync(FIXTURE).size;
    assert.ok(meta.headerSize > 0 && meta.headerSize < size, `header ${meta.headerSize} of ${size}`);
    assert.ok(
      meta.bytesRead <= meta.headerSize,
      `read ${meta.bytesRead} bytes, header is ${meta.headerSize}`,
    );
  });

  test("a file cut short says it is truncated", async () => {
    const path = write("cut.gguf", readFileSync(FIXTURE).subarray(0, 300_000));
    await assert.rejects(
      readGgufMetadata(path),
      (e: Error) => e instanceof GgufError && /truncated/.test(e.message),
    );
  });
});

describe("readGgufMetadata on synthetic files", () => {
  test("v2 with every scalar type, a nested array and a 64-bit value", async () => {
    const i64 = Buffer.alloc(8);
    i64.writeBigInt64LE(-5n);
    const f64 = Buffer.alloc(8);
    f64.writeDoubleLE(0.5);
    const nested = Buffer.concat([
      u32(9),
      u64(2),
      u32(4),
      u64(3),
      Buffer.alloc(12),
      u32(8),
      u64(1),
      str("x"),
    ]);
    const path = write(
      "v2.gguf",
      gguf(
        2,
        [
          kv("general.architecture", 8, str("qwen2")),
          kv("qwen2.context_length", 4, u32(32768)),
          kv("general.file_type", 4, u32(15)),
          kv("general.size_label", 8, str("7B")),
          kv("flag", 7, Buffer.from([1])),
          kv("small", 1, Buffer.from([0xff])),
          kv("big", 10, u64(2n ** 60n)),
          kv("negative", 11, i64),
          kv("half", 12, f64),
          kv("nested", 9, nested),
        ],
        [tensor("a", [4, 8]), tensor("b", [10])],
      ),
    );
    const meta = await readGgufMetadata(path);
    assert.equal(meta.version, 2);
    assert.equal(meta.contextLength, 32768);
    assert.equal(meta.quantization, "Q4_K_M");
    assert.equal(meta.sizeLabel, "7B");
    assert.equal(meta.parameterCount, 42);
    assert.equal(meta.values.get("flag"), true);
    assert.equal(meta.values.get("small"), -1);
    assert.equal(meta.values.get("big"), 2n ** 60n);
    assert.equal(meta.values.get("negative"), -5);
    assert.equal(meta.values.get("half"), 0.5);
    assert.deepEqual(meta.values.get("nested"), { arrayOf: "array", length: 2 });
  });

  test("a 64 MB f32 array is skipped without reading it", async () => {
    const count = 16 * 1024 * 1024;
    const head = gguf(3, [
      kv("general.architecture", 8, str("llama")),
      kv("tokenizer.ggml.scores", 9, Buffer.concat([u32(6), u64(count)])),
    ]);
    const tail = kv("llama.context_length", 4, u32(2048));
    const path = join(dir, "sparse.gguf");
    writeFileSync(path, head);
    truncateSync(path, head.length + count * 4); // a hole: the array's bytes are never written
    writeFileSync(path, tail, { flag: "a" });
    // the kv count in the header says 2; patch it to 3 so the key after the array is read too
    const fixed = readFileSync(path);
    fixed.writeBigUInt64LE(3n, 16);
    writeFileSync(path, fixed);
    const meta = await readGgufMetadata(path);
    assert.equal(meta.contextLength, 2048);
    assert.ok(meta.bytesRead < 256 * 1024, `read ${meta.bytesRead} bytes`);
  });

  const bad: Array<[string, Buffer, RegExp]> = [
    [
      "not GGUF",
      Buffer.from("<!DOCTYPE html><html>hello there</html>"),
      /not a GGUF file \(starts with "<!DO"\)/,
    ],
    ["version 1", gguf(1, []), /version 1 is not supported/],
    [
      "big-endian",
      Buffer.concat([Buffer.from("GGUF"), Buffer.from([0, 0, 0, 3]), u64(0), u64(0)]),
      /big-endian/,
    ],
    [
      "a huge string length",
      gguf(3, [Buffer.concat([u64(2n ** 40n), Buffer.alloc(8)])]),
      /larger than the file/,
    ],
    ["an unknown value type", gguf(3, [kv("k", 99, Buffer.alloc(8))]), /k has unknown value type 99/],
    ["an array past the end", gguf(3, [kv("k", 9, Buffer.concat([u32(6), u64(20)]))]), /k runs past the end/],
    ["too many dimensions", gguf(3, [], [tensor("t", [1, 1, 1, 1, 1, 1, 1, 1, 1])]), /9 dimensions/],
  ];
  for (const [what, data, message] of bad) {
    test(`rejects ${what} with one clear line`, async () => {
      const path = write(`bad-${what.replace(/\W/g, "")}.gguf`, Buffer.concat([data, Buffer.alloc(8)]));
      await assert.rejects(readGgufMetadata(path), (e: Error) => {
        assert.ok(e instanceof GgufError, String(e));
        assert.match(e.message, message);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    });
  }
});

test("quantizationName names llama.cpp file types, with or without the guessed bit", () => {
  assert.equal(quantizationName(0), "F32");
  assert.equal(quantizationName(15), "Q4_K_M");
  assert.equal(quantizationName(32), "BF16");
  assert.equal(quantizationName(1024 + 18), "Q6_K");
  assert.equal(quantizationName(999), "ftype 999");
});
