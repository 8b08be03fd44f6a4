import assert from "node:assert/strict";
import { test } from "node:test";
import {
  completeWord,
  completionAt,
  fuzzyScore,
  mentionTokens,
  replaceBeforeCursor,
  textBeforeCursor,
} from "./completion.ts";
import { createInputEditor } from "./input-editor.ts";
import { SLASH_NAMES } from "./slash-commands.ts";

test("what is completed: a command name, /model's and /mode's argument, an @path; nothing else", () => {
  assert.deepEqual(completionAt("/mo"), { kind: "command", word: "mo", start: 1 });
  assert.deepEqual(completionAt("/"), { kind: "command", word: "", start: 1 });
  assert.deepEqual(completionAt("/model ol"), { kind: "model", word: "ol", start: 7 });
  assert.deepEqual(completionAt("/mode  e"), { kind: "mode", word: "e", start: 7 });
  assert.deepEqual(completionAt("look at @src/a"), { kind: "path", word: "src/a", start: 9 });
  assert.deepEqual(completionAt("@"), { kind: "path", word: "", start: 1 });
  assert.equal(completionAt("hello"), null);
  assert.equal(completionAt("mail me@example"), null, "an @ inside a word is not a mention");
  assert.equal(completionAt("/undo now"), null);
});

test("a command name: /mo offers model and mode and takes the first; /mode stays mode; one match gets a space", () => {
  const mo = completeWord("mo", SLASH_NAMES, { takeFirst: true });
  assert.deepEqual(mo.matches, ["model", "mode"]);
  assert.equal(mo.replacement, "model ");
  assert.equal(completeWord("mode", SLASH_NAMES, { takeFirst: true }).replacement, "mode ");
  assert.equal(completeWord("mo", SLASH_NAMES).replacement, "mode", "else their common start");
  assert.deepEqual(completeWord("res", SLASH_NAMES), { matches: ["resume"], replacement: "resume " });
  assert.deepEqual(completeWord("zz", SLASH_NAMES), { matches: [], replacement: null });
});

test("fuzzy paths: characters in order, the file's name and a prefix first; a folder gets no space", () => {
  const paths = ["README.md", "src/", "src/app.ts", "src/cli/args.ts", "test/app.test.ts", "docs/api.md"];
  const app = completeWord("app", paths, { fuzzy: true });
  assert.deepEqual(app.matches.slice(0, 2), ["src/app.ts", "test/app.test.ts"]);
  assert.deepEqual(completeWord("sat", paths, { fuzzy: true }).matches[0], "src/app.ts");
  assert.equal(completeWord("cliarg", paths, { fuzzy: true }).replacement, "src/cli/args.ts ");
  assert.equal(completeWord("sr", ["src/"], { fuzzy: true }).replacement, "src/");
  assert.equal(fuzzyScore("xyz", "src/app.ts"), null);
  assert.ok((fuzzyScore("args", "src/cli/args.ts") ?? 0) > (fuzzyScore("args", "src/a/r/g/s.ts") ?? 0));
});

test("the @mentions of a prompt, trailing punctuation left out", () => {
  assert.deepEqual(mentionTokens("see @src/a.ts, and @b.md. not me@x.y"), ["src/a.ts", "b.md"]);
  assert.deepEqual(mentionTokens("@a.ts @a.ts"), ["a.ts"]);
});

test("the editor: the text before the cursor is found, and the word replaced in place", () => {
  const editor = createInputEditor();
  editor.insert("fix @sr please");
  for (let i = 0; i < " please".length; i++) editor.left();
  const before = textBeforeCursor(editor);
  assert.equal(before, "fix @sr");
  assert.equal(editor.text, "fix @sr please", "the probe leaves no trace");
  replaceBeforeCursor(editor, "sr", "src/app.ts ");
  assert.equal(editor.text, "fix @src/app.ts  please");
  assert.equal(textBeforeCursor(editor), "fix @src/app.ts ");
});

test("/runtime's argument completes like /mode's", () => {
  assert.deepEqual(completionAt("/runtime co"), { kind: "runtime", word: "co", start: 9 });
});
