import assert from "node:assert/strict";
import { mkdtemp, readFile, realpath, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { createWorkspace } from "../policy/workspace.ts";
import { createEditTool, type EditDetails } from "./edit.ts";
import { createFileState } from "./file-state.ts";
import { createReadTool } from "./read.ts";
import type { AnyTool, ToolResult } from "./tool.ts";

describe("edit", () => {
  let root: string;
  let readTool: AnyTool;
  let editTool: AnyTool;
  const context = () => ({ signal: new AbortController().signal, callId: "t" });
  const edit = (args: Record<string, unknown>): Promise<ToolResult> => editTool.execute(args, context());
  /** Create a file and let the model read it. */
  async function given(name: string, content: string): Promise<string> {
    await writeFile(join(root, name), content);
    await readTool.execute({ path: name }, context());
    return join(root, name);
  }

  beforeEach(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), "hearth-edit-")));
    const workspace = createWorkspace({ root });
    const fileState = createFileState();
    readTool = createReadTool({ workspace, fileState });
    editTool = createEditTool({ workspace, fileState });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("replaces a unique string and reports a diff", async () => {
    const file = await given("a.ts", "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n");
    const result = await edit({ path: "a.ts", old_string: "five", new_string: "FIVE\nfive and a half" });
    assert.equal(result.content, "Edited a.ts: 1 replacement");
    assert.equal(
      await readFile(file, "utf8"),
      "one\ntwo\nthree\nfour\nFIVE\nfive and a half\nsix\nseven\neight\n",
    );
    const details = result.details as EditDetails;
    assert.equal(details.replacements, 1);
    assert.equal(
      details.diff,
      [
        "--- a/a.ts",
        "+++ b/a.ts",
        "@@ -2,7 +2,8 @@",
        " two",
        " three",
        " four",
        "-five",
        "+FIVE",
        "+five and a half",
        " six",
        " seven",
        " eight",
      ].join("\n"),
    );
  });

  it("errors with a hint when old_string is not found", async () => {
    await given("a.ts", "function f() {\n    return 1;\n}\n");
    await assert.rejects(
      edit({ path: "a.ts", old_string: "function f() {\n  return 1;", new_string: "x" }),
      /old_string was not found in a\.ts; its first line appears at line 1/,
    );
    await assert.rejects(
      edit({ path: "a.ts", old_string: "nothing like it", new_string: "x" }),
      /read the file again/,
    );
  });

  it("errors with the count when old_string is not unique, and replace_all changes them all", async () => {
    const file = await given("a.ts", "foo bar\nfoo baz\nqux foo\n");
    await assert.rejects(
      edit({ path: "a.ts", old_string: "foo", new_string: "FOO" }),
      /old_string occurs 3 times in a\.ts; add surrounding lines to make it unique, or set replace_all/,
    );
    const result = await edit({ path: "a.ts", old_string: "foo", new_string: "FOO", replace_all: true });
    assert.equal(result.content, "Edited a.ts: 3 replacements");
    assert.equal(await readFile(file, "utf8"), "FOO bar\nFOO baz\nqux FOO\n");
    assert.match(
      (result.details as EditDetails).diff,
      /@@ -1,3 \+1,3 @@\n-foo bar\n\+FOO bar\n-foo baz\n\+FOO baz\n-qux foo\n\+qux FOO$/,
    );
  });

  it("refuses identical old and new strings", async () => {
    await given("a.ts", "x\n");
    await assert.rejects(edit({ path: "a.ts", old_string: "x", new_string: "x" }), /identical/);
  });

  it("keeps CRLF line endings when the model sends LF", async () => {
    const file = await given("win.txt", "alpha\r\nbeta\r\ngamma\r\n");
    await edit({ path: "win.txt", old_string: "alpha\nbeta", new_string: "alpha\nBETA\nbeta-two" });
    assert.equal(await readFile(file, "utf8"), "alpha\r\nBETA\r\nbeta-two\r\ngamma\r\n");
    await edit({ path: "win.txt", old_string: "gamma", new_string: "gamma\ndelta" });
    assert.equal(await readFile(file, "utf8"), "alpha\r\nBETA\r\nbeta-two\r\ngamma\r\ndelta\r\n");
  });

  it("keeps a missing final newline, and a present one", async () => {
    const bare = await given("bare.txt", "a\nb");
    await edit({ path: "bare.txt", old_string: "b", new_string: "c\n" });
    assert.equal(await readFile(bare, "utf8"), "a\nc");
    const full = await given("full.txt", "a\nb\n");
    await edit({ path: "full.txt", old_string: "b\n", new_string: "c" });
    assert.equal(await readFile(full, "utf8"), "a\nc\n");
  });

  it("refuses a file that was never read", async () => {
    await writeFile(join(root, "unread.txt"), "content\n");
    await assert.rejects(
      edit({ path: "unread.txt", old_string: "content", new_string: "x" }),
      /unread\.txt has not been read in this session; read it first/,
    );
  });

  it("refuses a file that changed since it was read", async () => {
    const file = await given("stale.txt", "v1\n");
    await writeFile(file, "v2 written by someone else\n");
    await assert.rejects(
      edit({ path: "stale.txt", old_string: "v2", new_string: "v3" }),
      /changed on disk since/,
    );
    assert.equal(await readFile(file, "utf8"), "v2 written by someone else\n");
  });

  it("allows consecutive edits without re-reading", async () => {
    const file = await given("a.ts", "one\ntwo\n");
    await edit({ path: "a.ts", old_string: "one", new_string: "1" });
    await edit({ path: "a.ts", old_string: "two", new_string: "2" });
    assert.equal(await readFile(file, "utf8"), "1\n2\n");
  });

  it("names a missing file and refuses paths outside", async () => {
    await assert.rejects(
      edit({ path: "gone.txt", old_string: "a", new_string: "b" }),
      /file not found: gone\.txt; use write/,
    );
    await assert.rejects(
      edit({ path: "../x.txt", old_string: "a", new_string: "b" }),
      /outside the workspace/,
    );
  });

  it("refuses a same-size change whose mtime was put back", async () => {
    const file = join(root, "sneaky.txt");
    await writeFile(file, "value = 1\n");
    const stamp = 1_700_000_000; // whole seconds, so putting it back is exact
    await utimes(file, stamp, stamp);
    await readTool.execute({ path: "sneaky.txt" }, context());
    await writeFile(file, "value = 2\n");
    await utimes(file, stamp, stamp);
    await assert.rejects(
      edit({ path: "sneaky.txt", old_string: "value", new_string: "v" }),
      /changed on disk since/,
    );
    assert.equal(await readFile(file, "utf8"), "value = 2\n");
  });

  it("edits a latin-1 file byte for byte: untouched bytes stay as they were", async () => {
    // "café\r\nnaïve über\r\n" in latin-1, not valid UTF-8
    const bytes = Buffer.from("caf\xe9\r\nna\xefve \xfcber\r\nend\r\n", "latin1");
    await writeFile(join(root, "latin.txt"), bytes);
    await readTool.execute({ path: "latin.txt" }, context());
    await edit({ path: "latin.txt", old_string: "end", new_string: "fin\nencore" });
    assert.deepEqual(
      await readFile(join(root, "latin.txt")),
      Buffer.from("caf\xe9\r\nna\xefve \xfcber\r\nfin\r\nencore\r\n", "latin1"),
    );
    // Latin-1 text in old_string matches its bytes; new_string is written in the same encoding.
    await edit({ path: "latin.txt", old_string: "na\u00efve", new_string: "na\u00eff" });
    assert.deepEqual(
      await readFile(join(root, "latin.txt")),
      Buffer.from("caf\xe9\r\nna\xeff \xfcber\r\nfin\r\nencore\r\n", "latin1"),
    );
  });

  it("refuses text a non-UTF-8 file cannot hold, such as the U+FFFD read showed", async () => {
    const bytes = Buffer.from("caf\xe9 au lait\n", "latin1");
    await writeFile(join(root, "menu.txt"), bytes);
    await readTool.execute({ path: "menu.txt" }, context());
    await assert.rejects(
      edit({ path: "menu.txt", old_string: "caf\uFFFD", new_string: "tea" }),
      /menu\.txt is not UTF-8 text, so edit changes it byte for byte/,
    );
    await assert.rejects(
      edit({ path: "menu.txt", old_string: "lait", new_string: "\u725b\u4e73" }),
      /not UTF-8/,
    );
    assert.deepEqual(await readFile(join(root, "menu.txt")), bytes);
  });

  it("keeps a UTF-8 BOM and CRLF line endings, byte for byte", async () => {
    const bytes = Buffer.from("\uFEFFfirst\r\nsecond \u2014 \u00e9\r\nthird\r\n", "utf8");
    await writeFile(join(root, "bom.txt"), bytes);
    await readTool.execute({ path: "bom.txt" }, context());
    await edit({ path: "bom.txt", old_string: "first", new_string: "1st\nand a half" });
    assert.deepEqual(
      await readFile(join(root, "bom.txt")),
      Buffer.from("\uFEFF1st\r\nand a half\r\nsecond \u2014 \u00e9\r\nthird\r\n", "utf8"),
    );
  });

  it("treats $ patterns in new_string literally", async () => {
    const file = await given("a.ts", "price\n");
    await edit({ path: "a.ts", old_string: "price", new_string: "$& $1 $$" });
    assert.equal(await readFile(file, "utf8"), "$& $1 $$\n");
  });
});
