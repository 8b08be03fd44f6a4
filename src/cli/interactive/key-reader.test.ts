import assert from "node:assert/strict";
import { test } from "node:test";
import { createKeyReader, type Key } from "./key-reader.ts";

function keys(...chunks: string[]): Key[] {
  const out: Key[] = [];
  const reader = createKeyReader((key) => out.push(key));
  for (const chunk of chunks) reader.feed(chunk);
  return out;
}

test("text, Enter, Alt-Enter, Ctrl-J and a lone Esc at the end of a chunk", () => {
  assert.deepEqual(keys("hi\r", "\x1b\r", "\n", "\x1b"), [
    { type: "text", text: "hi" },
    { type: "enter" },
    { type: "newline" },
    { type: "newline" },
    { type: "escape" },
  ]);
});

test("arrows, Home/End, Delete and word moves; unknown sequences are dropped whole", () => {
  assert.deepEqual(keys("\x1b[A\x1b[D\x1bOH\x1b[4~\x1b[3~\x1b[1;5C\x1b[99;9Zx"), [
    { type: "up" },
    { type: "left" },
    { type: "home" },
    { type: "end" },
    { type: "delete" },
    { type: "word-right" },
    { type: "text", text: "x" },
  ]);
});

test("a bracketed paste is one key with its line breaks, even across chunks; Enter inside it does not send", () => {
  assert.deepEqual(keys("\x1b[200~line one\r\nli", "ne two\x1b[201~\r"), [
    { type: "paste", text: "line one\nline two" },
    { type: "enter" },
  ]);
});

test("control keys: Ctrl-C, Ctrl-D, backspace (DEL and BS)", () => {
  assert.deepEqual(keys("\x03\x04\x7f\b"), [
    { type: "ctrl-c" },
    { type: "ctrl-d" },
    { type: "backspace" },
    { type: "backspace" },
  ]);
});
