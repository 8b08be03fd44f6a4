import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { classifyCommand } from "./command-classifier.ts";
import { resolveCommandPaths } from "./command-paths.ts";

const base = realpathSync(mkdtempSync(join(tmpdir(), "hearth-command-paths-")));
after(() => rmSync(base, { recursive: true, force: true }));
const root = join(base, "project");
const home = join(base, "home");
mkdirSync(join(root, "notes"), { recursive: true });
mkdirSync(join(home, ".ssh"), { recursive: true });
writeFileSync(join(root, "notes", "private.txt"), "secret\n");
writeFileSync(join(root, ".env"), "KEY=1\n");
writeFileSync(join(home, ".ssh", "id_rsa"), "key\n");

async function named(command: string): Promise<string[]> {
  const classification = await classifyCommand(command, { cwd: root, workspaceRoot: root, home });
  const { paths } = await resolveCommandPaths(command, classification.commands, {
    cwd: root,
    home,
    workspaceRoot: root,
    extraRoots: [],
  });
  return paths.map((p) => {
    const shown = p.insideWorkspace ? p.relative : p.real;
    return p.directory ? `${shown}/` : shown;
  });
}

describe("resolveCommandPaths", () => {
  it("finds the path however the command spells it", async () => {
    const private_ = "notes/private.txt";
    for (const command of [
      "cat notes/private.txt",
      "cat < notes/private.txt",
      "cat<notes/private.txt",
      "cat ./notes//private.txt",
      "cd notes && cat private.txt",
      "cat $(echo notes/private.txt)",
      `python3 -c "print(open('notes/private.txt').read())"`,
      "sort --output=/dev/null notes/private.txt",
      "cat notes/priv*",
      "cat notes/private.tx?",
    ]) {
      assert.ok((await named(command)).includes(private_), command);
    }
  });

  it("folders, globs' folders and the folder a recursive search starts in", async () => {
    assert.ok((await named("grep -r secret")).includes("./"));
    assert.ok((await named("rg secret")).includes("./"));
    assert.ok((await named("grep -rn secret notes")).includes("notes/"));
    assert.ok((await named("cat notes/*")).includes("notes/private.txt"));
    assert.ok((await named("cat */*.txt")).includes("./"), "a deeper glob counts its first folder");
    // A one-level glob names what it matches, not its folder: `*` does not match .env, and a quoted escape is no path.
    assert.ok(!(await named("cat *")).includes(".env"));
    assert.ok(!(await named("cat *")).includes("./"));
    assert.ok(!(await named("printf '\\033[31mred'")).includes("./"));
    assert.ok(!(await named("grep secret README.md")).includes("./"));
  });

  it("home, $HOME and dotfile globs", async () => {
    const key = join(home, ".ssh", "id_rsa");
    for (const command of ["cat ~/.ssh/id_rsa", 'cat "$HOME/.ssh/id_rsa"', "cat $" + "{HOME}/.ssh/id_rsa"]) {
      assert.ok((await named(command)).includes(key), command);
    }
    assert.ok((await named("cat .env*")).includes(".env"));
  });

  it("words only the shell can resolve are reported", async () => {
    const options = { cwd: root, home, workspaceRoot: root, extraRoots: [] };
    for (const [command, word] of [
      ["cat $dir/private.txt", "$dir/private.txt"],
      ['cat "$d"/x', '"$d"/x'],
      ["cat $(printf notes/%s private.txt)", "$(printf notes/%s private.txt)"],
    ]) {
      const classification = await classifyCommand(command, { cwd: root, workspaceRoot: root, home });
      const { unresolved } = await resolveCommandPaths(command, classification.commands, options);
      assert.equal(unresolved, word, command);
    }
    const plain = await resolveCommandPaths("cat $HOME/x notes/a", [["cat", "$HOME/x", "notes/a"]], options);
    assert.equal(plain.unresolved, undefined);
  });
});
