import assert from "node:assert/strict";
import { test } from "node:test";
import { createTheme } from "./theme.ts";

test("only the terminal's own 8 foreground colours and text attributes: a light or dark theme picks the shades", () => {
  const theme = createTheme({ TERM: "xterm-256color" });
  for (const [name, style] of Object.entries(theme)) {
    const styled = style("x");
    assert.notEqual(styled, "x", `${name} styles its text`);
    for (const [, codes] of styled.matchAll(/\x1b\[([\d;]*)m/g))
      for (const code of codes.split(";").map(Number))
        assert.ok(
          (code >= 1 && code <= 4) || (code >= 22 && code <= 24) || (code >= 30 && code <= 37) || code === 39,
          `${name} uses SGR ${code}: no backgrounds, no 256 or true colours, no fixed white or black`,
        );
  }
});

test("NO_COLOR (any value) and TERM=dumb: no escapes at all", () => {
  for (const env of [{ NO_COLOR: "1" }, { NO_COLOR: "yes", TERM: "xterm" }, { TERM: "dumb" }]) {
    const theme = createTheme(env);
    for (const style of Object.values(theme)) assert.equal(style("x"), "x");
  }
});
