import assert from "node:assert/strict";
import { test } from "node:test";
import { createScreen } from "./terminal-screen.ts";

function recorder() {
  const writes: string[] = [];
  return { writes, screen: createScreen((text) => writes.push(text)) };
}

test("the live region is redrawn from its top, history printed once above it", () => {
  const { writes, screen } = recorder();
  screen.draw(["old"], { lines: ["live 1", "live 2", "› "], cursor: { row: 2, column: 2 } });
  screen.draw([], { lines: ["live 1", "› "], cursor: { row: 1, column: 2 } });
  assert.match(writes[1], /^\x1b\[\?2026h\x1b\[2A\r\x1b\[J/, "up over the two rows above the cursor");
});

test("a resize counts the rows the old live lines take when rewrapped, and clears nothing else", () => {
  const { writes, screen } = recorder();
  const wide = "x".repeat(78);
  screen.draw([], { lines: [wide, "short", "› abc"], cursor: { row: 2, column: 5 } });
  screen.resized(60);
  screen.draw([], { lines: ["› abc"], cursor: { row: 0, column: 5 } });
  const redraw = writes.at(-1) ?? "";
  assert.match(redraw, /\x1b\[3A\r\x1b\[J/, "78 columns are two rows at 60, plus one");
  assert.doesNotMatch(redraw, /\x1b\[2J|\x1b\[H/, "no full-screen clear");
  screen.resized(100);
  screen.draw([], { lines: ["› abc"], cursor: { row: 0, column: 5 } });
  assert.doesNotMatch(writes.at(-1) ?? "", /\x1b\[\d+A/, "wider: nothing rewraps");
});

test("a reset clears the screen and prints a heading, so the live region never starts at the top-left corner", () => {
  const { writes, screen } = recorder();
  screen.draw([], { lines: ["a", "› "], cursor: { row: 1, column: 2 } });
  screen.reset([]);
  assert.equal(writes.at(-1), "\x1b[H\x1b[2J\r\n", "an empty heading still takes a line");
  screen.reset(["hearth"]);
  assert.equal(writes.at(-1), "\x1b[H\x1b[2Jhearth\r\n");
  screen.draw([], { lines: ["› "], cursor: { row: 0, column: 2 } });
  assert.match(writes.at(-1) ?? "", /^\x1b\[\?2026h\r\x1b\[J› /, "drawn from the line under the heading");
});
