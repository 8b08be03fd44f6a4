import assert from "node:assert/strict";
import { test } from "node:test";
import { huggingFaceEndpoint, isModelFileName, parseModelRef } from "./model-ref.ts";

const ok = (input: string, env: NodeJS.ProcessEnv = {}, name?: string) => {
  const result = parseModelRef(input, env, name);
  assert.ok(result.ok, result.ok ? "" : result.message);
  return result.ref;
};
const fails = (input: string, pattern: RegExp, name?: string) => {
  const result = parseModelRef(input, {}, name);
  assert.ok(!result.ok, `expected ${input} to be refused`);
  assert.match(result.message, pattern);
  assert.ok(!result.message.includes("\n"));
};

test("hf:owner/repo/file.gguf resolves on main at huggingface.co", () => {
  const ref = ok("hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf");
  assert.equal(
    ref.url,
    "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf",
  );
  assert.equal(ref.fileName, "qwen2.5-0.5b-instruct-q4_k_m.gguf");
  assert.equal(ref.source, "hf");
  assert.equal(ref.hubOrigin, "https://huggingface.co");
});

test("hf: refs take an @revision, files in subfolders, and encode what needs it", () => {
  const ref = ok("hf:owner/repo/Q4_K_M/model part 1.gguf@refs/pr/1");
  assert.equal(
    ref.url,
    "https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/Q4_K_M/model%20part%201.gguf",
  );
  assert.equal(ref.fileName, "model part 1.gguf");
  assert.match(ok("hf:o/r/f.gguf@abc123").url, /\/resolve\/abc123\/f\.gguf$/);
});

test("HF_ENDPOINT moves hf: refs to another hub (tests point it at loopback)", () => {
  const env = { HF_ENDPOINT: "http://127.0.0.1:8999/" };
  assert.equal(huggingFaceEndpoint(env), "http://127.0.0.1:8999");
  const ref = ok("hf:o/r/f.gguf", env);
  assert.equal(ref.url, "http://127.0.0.1:8999/o/r/resolve/main/f.gguf");
  assert.equal(ref.hubOrigin, "http://127.0.0.1:8999");
  assert.equal(huggingFaceEndpoint({ HF_ENDPOINT: "not a url" }), "https://huggingface.co");
});

test("plain URLs: the file name comes from the path; huggingface.co blob pages become resolve URLs", () => {
  const ref = ok("http://127.0.0.1:9/files/tiny%20model.gguf?download=1#x");
  assert.equal(ref.url, "http://127.0.0.1:9/files/tiny%20model.gguf?download=1");
  assert.equal(ref.fileName, "tiny model.gguf");
  assert.equal(ref.source, "url");
  assert.equal(ref.hubOrigin, undefined);
  assert.equal(
    ok("https://huggingface.co/o/r/blob/main/f.gguf").url,
    "https://huggingface.co/o/r/resolve/main/f.gguf",
  );
  assert.equal(ok("https://huggingface.co/o/r/resolve/main/f.gguf").hubOrigin, "https://huggingface.co");
  assert.equal(ok("https://example.com/download?id=3", {}, "mine.gguf").fileName, "mine.gguf");
});

test("bad references get one line that says what to do", () => {
  fails("llama3", /not a model reference; use hf:owner\/repo\/file\.gguf/);
  fails("hf:owner/file.gguf", /needs owner\/repo\/file/);
  fails("hf:o/../f.gguf", /needs owner\/repo\/file/);
  fails("hf:o/r/f.gguf@", /empty or bad @revision/);
  fails("hf:o/r/readme.md", /does not name a \.gguf file; pass --name/);
  fails("https://example.com/download?id=3", /pass --name NAME\.gguf/);
  fails("https://user:pw@example.com/f.gguf", /no user name or password/);
  fails("http://127.0.0.1/f.gguf", /--name "\.\.\/x\.gguf" is not a usable file name/, "../x.gguf");
  fails("ftp://example.com/f.gguf", /not a model reference/);
});

test("isModelFileName allows one .gguf name and nothing that escapes the directory", () => {
  assert.ok(isModelFileName("a.gguf"));
  assert.ok(isModelFileName("Qwen2.5-7B.Q4_K_M.GGUF"));
  for (const name of [
    ".gguf",
    ".hidden.gguf",
    "a/b.gguf",
    "a\\b.gguf",
    "a.gguf.partial",
    "a\n.gguf",
    "a.bin",
  ])
    assert.ok(!isModelFileName(name), name);
});
