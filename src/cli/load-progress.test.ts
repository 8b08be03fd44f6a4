import assert from "node:assert/strict";
import { test } from "node:test";
import { createLoadProgressPrinter } from "./load-progress.ts";

const path = "/models/tiny.gguf";

test("not a terminal: a line when loading starts and one when the model is ready", () => {
  let text = "";
  const print = createLoadProgressPrinter((t) => {
    text += t;
  }, false);
  print({ stage: "engine", path });
  print({ stage: "model", path, fraction: 0.5 });
  print({ stage: "ready", path, ms: 1234, contextSize: 4096, threads: 1, gpu: false });
  assert.equal(
    text,
    "hearth: loading tiny.gguf\nhearth: loaded tiny.gguf in 1.2 s (CPU, 1 thread, context 4096)\n",
  );
});

test("a terminal: one line redrawn with the percentage, ended by the ready line", () => {
  let text = "";
  const print = createLoadProgressPrinter((t) => {
    text += t;
  }, true);
  print({ stage: "engine", path });
  print({ stage: "model", path, fraction: 0.5 });
  print({ stage: "model", path, fraction: 0.501 });
  print({ stage: "ready", path, ms: 900, contextSize: 8192, threads: 4, gpu: "cuda" });
  const frames = text.split("\r\x1b[2K").filter(Boolean);
  assert.deepEqual(frames, [
    "hearth: loading tiny.gguf...",
    "hearth: loading tiny.gguf 50%",
    "hearth: loaded tiny.gguf in 0.9 s (GPU (cuda), 4 threads, context 8192)\n",
  ]);
});
