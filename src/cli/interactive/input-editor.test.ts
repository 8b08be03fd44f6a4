import assert from "node:assert/strict";
import { test } from "node:test";
import { createInputEditor } from "./input-editor.ts";

test("a trailing backslash continues the line; Enter then sends both lines", () => {
  const editor = createInputEditor();
  editor.insert("first \\");
  assert.equal(editor.submit(), null);
  assert.equal(editor.text, "first \n");
  editor.insert("second");
  assert.equal(editor.submit(), "first \nsecond");
  assert.equal(editor.text, "");
});

test("nothing to send: empty or blank input is not a prompt", () => {
  const editor = createInputEditor();
  assert.equal(editor.submit(), null);
  editor.insert("   ");
  assert.equal(editor.submit(), null);
});

test("up and down recall the prompts sent before and come back to the draft", () => {
  const editor = createInputEditor();
  editor.insert("one");
  editor.submit();
  editor.insert("two");
  editor.submit();
  editor.insert("draft");
  editor.up();
  assert.equal(editor.text, "two");
  editor.up();
  assert.equal(editor.text, "one");
  editor.down();
  editor.down();
  assert.equal(editor.text, "draft");
});

test("editing keys: backspace, word delete, kill to start, cursor moves", () => {
  const editor = createInputEditor();
  editor.insert("hello big world");
  editor.deleteWordBack();
  assert.equal(editor.text, "hello big ");
  editor.backspace();
  editor.home();
  editor.insert(">");
  assert.equal(editor.text, ">hello big");
  editor.end();
  editor.killToStart();
  assert.equal(editor.text, "");
});

test("layout wraps at the width and puts the cursor on its own row after a full row", () => {
  const editor = createInputEditor();
  editor.insert("abcdefgh");
  const full = editor.layout(10, "› ", "  ");
  assert.deepEqual(full.rows, ["› abcdefgh", "  "]);
  assert.deepEqual([full.cursorRow, full.cursorColumn], [1, 2]);
  editor.insert("\nxy");
  const two = editor.layout(10, "› ", "  ");
  assert.deepEqual(two.rows, ["› abcdefgh", "  xy"]);
  assert.deepEqual([two.cursorRow, two.cursorColumn], [1, 4]);
});

test("prompts kept from earlier sessions come back with up, newest first", () => {
  const editor = createInputEditor(["first", "second"]);
  editor.up();
  assert.equal(editor.text, "second");
  editor.up();
  assert.equal(editor.text, "first");
  editor.down();
  editor.down();
  assert.equal(editor.text, "");
});

test("a large paste shows as a placeholder and is sent whole; a small one is inserted as it is", () => {
  const editor = createInputEditor();
  const big = Array.from({ length: 42 }, (_, i) => `line ${i}`).join("\n");
  editor.insert("look: ");
  editor.paste(big);
  assert.equal(editor.text, "look: [pasted 42 lines]");
  assert.equal(editor.submit(), `look: ${big}`);
  editor.up();
  assert.equal(editor.text, "look: [pasted 42 lines]", "recalled as it was shown");
  assert.equal(editor.submit(), `look: ${big}`, "and sent whole again");
  editor.paste("x".repeat(1500));
  assert.equal(editor.text, "[pasted 1500 chars]");
  editor.backspace();
  assert.equal(editor.text, "", "backspace takes the placeholder as a whole");
  editor.paste("two\nlines");
  assert.equal(editor.text, "two\nlines");
});
