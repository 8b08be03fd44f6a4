import assert from "node:assert/strict";
import { test } from "node:test";
import { createPicker, pickerMatches } from "./session-picker.ts";
import { createTheme } from "./theme.ts";

const plain = createTheme({ NO_COLOR: "1" });
const items = [
  { id: "aaaa-1111", label: "1111  just now  fix the parser", detail: "(3 turns, fake/m)" },
  { id: "bbbb-2222", label: "2222  2h ago    write the README", detail: "(1 turn, fake/m)" },
  { id: "cccc-3333", label: "3333  1d ago    parser tests", detail: "(5 turns, ollama/q)" },
];

test("typing filters by every word (any case); Enter opens the selected one", () => {
  const picker = createPicker("resume", items);
  for (const char of "PARSER") picker.key({ type: "text", text: char });
  assert.deepEqual(
    picker.shown.map((i) => i.id),
    ["aaaa-1111", "cccc-3333"],
  );
  picker.key({ type: "down" });
  assert.deepEqual(picker.key({ type: "enter" }), { type: "open", id: "cccc-3333" });
  picker.key({ type: "text", text: " ollama" });
  assert.deepEqual(
    picker.shown.map((i) => i.id),
    ["cccc-3333"],
  );
  assert.ok(pickerMatches(items[1], "bbbb"), "the id matches too");
});

test("backspace widens the filter and the selection starts over; Esc cancels; Enter with nothing shown waits", () => {
  const picker = createPicker("resume", items);
  picker.key({ type: "down" });
  picker.key({ type: "down" });
  picker.key({ type: "down" });
  assert.equal(picker.selected?.id, "cccc-3333", "down stops at the last");
  picker.key({ type: "text", text: "zz" });
  assert.equal(picker.key({ type: "enter" }), null);
  picker.key({ type: "backspace" });
  picker.key({ type: "backspace" });
  assert.equal(picker.selected?.id, "aaaa-1111");
  assert.deepEqual(picker.key({ type: "escape" }), { type: "cancel" });
});

test("drawn: a title with the count, the rows (the chosen one marked), the keys and the filter, in the height", () => {
  const picker = createPicker("resume a session", items);
  picker.key({ type: "down" });
  const lines = picker.lines(plain, 40, 6);
  assert.equal(lines.length, 6);
  assert.equal(lines[0], "resume a session (3 of 3)");
  assert.match(lines[1], /^ {2}1111/);
  assert.match(lines[2], /^› 2222/);
  assert.match(lines.at(-1) ?? "", /^filter: $/);
  assert.ok(lines.every((line) => line.length <= 40));
  assert.match(
    createPicker("resume", []).lines(plain, 60, 8).join("\n"),
    /no sessions in this directory yet/,
  );
});
