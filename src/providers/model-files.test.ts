import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  listModelFiles,
  listPartialDownloads,
  modelsDir,
  partialPaths,
  resolveModelFile,
} from "./model-files.ts";

const root = mkdtempSync(join(tmpdir(), "hearth-model-files-"));
after(() => rmSync(root, { recursive: true, force: true }));

function dataDir(files: Record<string, string>): string {
  const data = mkdtempSync(join(root, "data-"));
  mkdirSync(modelsDir(data), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(modelsDir(data), name), content);
  return data;
}

test("modelsDir is <dataDir>/models", () => {
  assert.equal(modelsDir("/x/hearth"), "/x/hearth/models");
});

test("listModelFiles lists finished .gguf files only, by name, with their size", () => {
  const outside = join(root, "elsewhere.gguf");
  writeFileSync(outside, "GGUF12345");
  const data = dataDir({
    "b.gguf": "GGUF",
    "a.GGUF": "GGUF12",
    "c.gguf.partial": "GG",
    "c.gguf.partial.json": "{}",
    "notes.txt": "x",
    ".hidden.gguf": "GGUF",
  });
  mkdirSync(join(modelsDir(data), "dir.gguf"));
  symlinkSync(outside, join(modelsDir(data), "linked.gguf"));
  assert.deepEqual(
    listModelFiles(data).map((f) => [f.name, f.fileName, f.size]),
    [
      ["a", "a.GGUF", 6],
      ["b", "b.gguf", 4],
      ["linked", "linked.gguf", 9],
    ],
  );
  assert.deepEqual(listModelFiles(join(root, "missing")), []);
});

test("listPartialDownloads reports unfinished downloads with their sidecar", () => {
  const data = dataDir({
    "c.gguf.partial": "GGUF",
    "c.gguf.partial.json": JSON.stringify({
      url: "http://127.0.0.1:9/c.gguf",
      size: 100,
      sha256: "0".repeat(64),
    }),
    "d.gguf.partial": "GG",
    "d.gguf.partial.json": "not json",
  });
  const partials = listPartialDownloads(data);
  assert.deepEqual(
    partials.map((p) => [p.fileName, p.bytes, p.sidecar]),
    [
      ["c.gguf", 4, { url: "http://127.0.0.1:9/c.gguf", size: 100, sha256: "0".repeat(64) }],
      ["d.gguf", 2, undefined],
    ],
  );
});

test("resolveModelFile finds a model by name with or without .gguf, or by path", () => {
  const data = dataDir({ "tiny.gguf": "GGUF" });
  const path = join(modelsDir(data), "tiny.gguf");
  assert.deepEqual(resolveModelFile("tiny", data), { ok: true, path, name: "tiny" });
  assert.deepEqual(resolveModelFile("tiny.gguf", data), { ok: true, path, name: "tiny" });
  assert.deepEqual(resolveModelFile(path, data), { ok: true, path, name: "tiny" });
  assert.deepEqual(resolveModelFile("./models/tiny.gguf", data, data), { ok: true, path, name: "tiny" });
  const upper = dataDir({ "Big.GGUF": "GGUF" });
  assert.deepEqual(resolveModelFile("Big", upper), {
    ok: true,
    path: join(modelsDir(upper), "Big.GGUF"),
    name: "Big",
  });
});

test("resolveModelFile explains what is missing", () => {
  const data = dataDir({ "tiny.gguf": "GGUF", "half.gguf.partial": "GG" });
  const missing = resolveModelFile("big", data);
  assert.equal(missing.ok, false);
  assert.match(
    !missing.ok ? missing.message : "",
    /no model "big" in .*models; have: tiny; download one with hearth models pull/,
  );
  const partial = resolveModelFile("half", data);
  assert.match(
    !partial.ok ? partial.message : "",
    /download of half\.gguf is not finished; run the same hearth models pull/,
  );
  const noFile = resolveModelFile("/nonexistent/x.gguf", data);
  assert.match(!noFile.ok ? noFile.message : "", /model file \/nonexistent\/x\.gguf does not exist/);
  assert.equal(resolveModelFile("..", data).ok, false);
});

test("partialPaths names the temp file, the sidecar and the lock next to the final file", () => {
  assert.deepEqual(partialPaths("/m/a.gguf"), {
    partial: "/m/a.gguf.partial",
    sidecar: "/m/a.gguf.partial.json",
    lock: "/m/a.gguf.partial.lock",
  });
});
