import assert from "node:assert/strict";
import { test } from "node:test";
import { highlightLine } from "./code-highlight.ts";
import { createMarkdownRenderer, inline, wrapSpans } from "./markdown.ts";
import { visibleWidth } from "./text-width.ts";
import { createTheme } from "./theme.ts";

const plain = createTheme({ NO_COLOR: "1" });
const colour = createTheme({ TERM: "xterm-256color" });

function render(text: string, width = 80, theme = plain): string[] {
  const md = createMarkdownRenderer(theme);
  const rows = text.split("\n").flatMap((line) => md.line(line, width));
  rows.push(...md.end(width));
  return rows;
}

test("headings, emphasis, inline code and links lose their markup", () => {
  assert.deepEqual(render("# Title\n## Sub **bold** `x`"), ["Title", "Sub bold x"]);
  assert.deepEqual(render("some *italic* and __strong__ and ~~gone~~"), ["some italic and strong and gone"]);
  assert.deepEqual(render("see [the docs](https://x.dev/a)"), ["see the docs (https://x.dev/a)"]);
  assert.deepEqual(render("snake_case_name and 2 * 3 * 4 stay"), ["snake_case_name and 2 * 3 * 4 stay"]);
  assert.deepEqual(render("an \\*escaped\\* star"), ["an *escaped* star"]);
});

test("lists get bullets and hanging indents; quotes a bar; rules a line", () => {
  assert.deepEqual(render("- one\n  - nested\n3. third"), ["• one", "  ◦ nested", "3. third"]);
  assert.deepEqual(render("- alpha beta gamma delta", 12), ["• alpha beta", "  gamma", "  delta"]);
  assert.deepEqual(render("> quoted *text*"), ["│ quoted text"]);
  assert.deepEqual(render("---", 10), ["──────────"]);
});

test("a fenced code block: framed, indented, kept verbatim, closed by its marker", () => {
  const rows = render('```ts\nconst a = "**not bold**"; // note\n```\nafter **it**');
  assert.deepEqual(rows, ["─── ts", '  const a = "**not bold**"; // note', "───", "after it"]);
});

test("an unclosed fence at the end of an answer is closed for the next one", () => {
  const md = createMarkdownRenderer(plain);
  md.line("```", 40);
  assert.deepEqual(md.line("# not a heading", 40), ["  # not a heading"]);
  md.end(40);
  assert.deepEqual(md.line("# a heading", 40), ["a heading"]);
});

test("preview renders the line still arriving without changing what comes next", () => {
  const md = createMarkdownRenderer(plain);
  assert.deepEqual(md.preview("```py", 40), ["─── py"]);
  assert.deepEqual(md.line("plain", 40), ["plain"], "the previewed fence did not open");
  md.line("```py", 40);
  assert.deepEqual(md.preview("x = 1", 40), ["  x = 1"]);
});

test("every row fits the width, wide characters counted as two", () => {
  const text =
    "# 漢字漢字漢字漢字漢字\n- **bold words** that go on and on past the edge\n```\nconst veryLongIdentifierName = anotherVeryLongIdentifier;\n```";
  for (const width of [10, 17, 30]) {
    for (const row of render(text, width, colour)) assert.ok(visibleWidth(row) <= width, `${width}: ${row}`);
  }
});

test("colour: styles around the text; NO_COLOR: no escape at all", () => {
  const text = "# H\n**b** `c`\n```js\nif (x) return 'y'; // z\n```";
  assert.ok(render(text, 80, colour).join("\n").includes("\x1b["));
  assert.doesNotMatch(render(text, 80, plain).join("\n"), /\x1b/);
});

test("the highlighter: keywords, strings, comments; a block comment carries to the next line", () => {
  const state = { inBlockComment: false };
  const spans = highlightLine('const s = "a"; // c', "ts", colour, state);
  assert.equal(spans.map((s) => s.text).join(""), 'const s = "a"; // c');
  const styled = (text: string) => spans.find((s) => s.text === text)?.style;
  assert.equal(styled("const"), colour.magenta);
  assert.equal(styled('"a"'), colour.green);
  assert.equal(styled("// c"), colour.dim);
  highlightLine("x /* open", "c", colour, state);
  assert.equal(state.inBlockComment, true);
  const next = highlightLine("still */ if", "c", colour, state);
  assert.equal(next[0].style, colour.dim);
  assert.equal(state.inBlockComment, false);
  assert.deepEqual(
    highlightLine("def f(): # x", "python", colour, { inBlockComment: false }).at(-1)?.text,
    "# x",
  );
  assert.deepEqual(highlightLine("anything", "klingon", colour, { inBlockComment: false }), [
    { text: "anything" },
  ]);
});

test("wrapSpans keeps a word whole across a style change", () => {
  assert.deepEqual(wrapSpans(inline("aa **bb**, cc", plain), 5, "", ""), ["aa", "bb,", "cc"]);
});

test("a table: gathered while it streams, drawn with aligned columns, a bold header and a rule", () => {
  const md = createMarkdownRenderer(plain);
  const table = ["| Name | Size |", "|------|-----:|", "| `a.ts` | 12 |", "| **long name** | 1024 |"];
  for (const row of table) assert.deepEqual(md.line(row, 40), [], "nothing final until the table ends");
  assert.ok(md.gathering);
  assert.deepEqual(md.preview("", 40).length, 4, "the live region shows it meanwhile");
  assert.deepEqual(md.line("after", 40), [
    "Name      │ Size",
    "──────────┼─────",
    "a.ts      │   12",
    "long name │ 1024",
    "after",
  ]);
  assert.ok(!md.gathering);
  assert.deepEqual(render("| x \\| y | z |\n|---|---|"), ["x | y │ z", "──────┼──"], "an escaped pipe");
  assert.deepEqual(render("| a |\n| b |"), ["a", "b"], "a table without a header row has no rule");
});

test("a table wider than the terminal: a row per line, wrapped, nothing cut off", () => {
  const rows = render("| first column here | second column here |\n|---|---|\n| one | two |", 20);
  assert.ok(
    rows.every((row) => visibleWidth(row) <= 20),
    rows.join("\n"),
  );
  assert.match(rows.join(" "), /first column here.*second column here.*one │ two/);
});

test("a table at the end of the answer is drawn by end(); inside a code fence a pipe is code", () => {
  const md = createMarkdownRenderer(plain);
  md.line("| a | b |", 40);
  assert.deepEqual(md.end(40), ["a │ b"]);
  assert.deepEqual(render("```\n| not | a table |\n```"), ["───", "  | not | a table |", "───"]);
});
