import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { terminalText } from "./terminal-text.ts";

const ESC = "\x1b";
const BEL = "\x07";
const ST = `${ESC}\\`;

/** [what, input, expected] */
const CASES: Array<[string, string, string]> = [
  ["OSC 52 clipboard write ended by BEL", `a${ESC}]52;c;ZWNobyBwd25lZA==${BEL}b`, "ab"],
  ["OSC 52 clipboard write ended by ST", `a${ESC}]52;c;ZWNobyBwd25lZA==${ST}b`, "ab"],
  ["OSC 8 hyperlink", `${ESC}]8;;https://evil.example${ST}click${ESC}]8;;${ST}`, "click"],
  ["window title", `${ESC}]0;pwned${BEL}ok`, "ok"],
  ["screen clear and cursor home", `${ESC}[2J${ESC}[Hclean`, "clean"],
  ["colours and private modes", `${ESC}[1;31mred${ESC}[0m ${ESC}[?1049h${ESC}[?25l`, "red "],
  ["C1 CSI", "a\x9b2Jb", "ab"],
  ["C1 OSC ended by C1 ST", "a\x9d52;c;eA==\x9cb", "ab"],
  ["DCS", `a${ESC}P+q544e${ST}b`, "ab"],
  ["APC, PM and SOS", `${ESC}_x${ST}${ESC}^y${ST}${ESC}Xz${ST}ok`, "ok"],
  ["full reset and charset switches", `${ESC}c${ESC}(0${ESC}7x${ESC}8`, "x"],
  ["bare ESC at the end", `done${ESC}`, "done"],
  ["an escape cut off before its end keeps its text, harmless", `a${ESC}]52;c;abc`, "a52;c;abc"],
  ["a CSI cut off", `a${ESC}[12`, "a12"],
  ["bell, backspace and carriage-return overwrite", `rm -rf /\rls${BEL}\b\b`, "rm -rf /ls"],
  ["NUL, vertical tab, form feed, DEL", "a\x00b\x0bc\x0cd\x7fe", "abcde"],
  ["other C1 controls", "a\x85b\x8dc", "abc"],
  // Trojan Source: bidirectional overrides and isolates make a line display in another order than it reads
  [
    "bidi overrides and isolates",
    "ok\u202e)(lave\u202c \u2066x\u2069\u2067y\u2068z\u202a\u202b\u202d",
    "ok)(lave xyz",
  ],
];

describe("terminalText", () => {
  for (const [what, input, expected] of CASES) {
    it(`removes ${what}`, () => {
      assert.equal(terminalText(input), expected);
    });
  }

  it("keeps line breaks, tabs and every printable character; a CRLF becomes a line break", () => {
    const text = "line 1\r\nline 2\n\tindented — ünïcode ✓ 日本語 [1;31m\n";
    assert.equal(terminalText(text), "line 1\nline 2\n\tindented — ünïcode ✓ 日本語 [1;31m\n");
  });

  it("leaves nothing a terminal would act on, whatever the input", () => {
    let seed = 3;
    const alphabet = `${ESC}${BEL}\x9b\x9c\x9d\r\b[]P\\;0123456789abc`;
    const noise = Array.from({ length: 20_000 }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return alphabet[seed % alphabet.length];
    }).join("");
    const started = performance.now();
    const out = terminalText(noise);
    assert.ok(performance.now() - started < 500);
    assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    assert.equal(terminalText(out), out);
  });
});
