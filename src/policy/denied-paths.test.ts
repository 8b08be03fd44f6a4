import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createDeniedPathFinder } from "./denied-paths.ts";
import { readDenyFilter } from "./hidden-paths.ts";
import { preparePermissions } from "./permission-engine.ts";

describe("createDeniedPathFinder", () => {
  let base: string;
  let ws: string;
  let home: string;

  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "hearth-denied-")));
    ws = join(base, "ws");
    home = join(base, "home");
    const files = [
      "ws/notes/private.txt",
      "ws/notes/public.txt",
      "ws/.env",
      "ws/app/config/.env",
      "ws/app/main.ts",
      "ws/secrets/a/key.pem",
      "ws/node_modules/pkg/.env",
      "ws/.git/config",
      "home/keys/id.pem",
      "home/keys/readme.txt",
      "home/token.txt",
    ];
    for (const file of files) {
      mkdirSync(join(base, file, ".."), { recursive: true });
      writeFileSync(join(base, file), "x\n");
    }
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  /** A finder over these rules, matching with the policy's own predicate. */
  async function finder(
    rules: string[],
    options: { maxEntries?: number; say?: (line: string) => void } = {},
  ) {
    const prepared = await preparePermissions({
      user: { deny: rules },
      project: {},
      projectTrusted: false,
      home,
    });
    const hidden = readDenyFilter({
      mode: "auto",
      rules: prepared.rules,
      workspaceRoot: ws,
      home,
      sandbox: "active",
    });
    assert.ok(hidden, "the rules name paths");
    return createDeniedPathFinder({ rules, hidden, roots: [ws], home, ...options });
  }
  const relative = (paths: string[]) => paths.map((path) => path.slice(base.length + 1)).sort();

  it("finds literal paths, names at any depth, folders and globs outside the workspace", async () => {
    const find = await finder([
      "read(notes/private.txt)",
      "read(.env)",
      "read(secrets/)",
      "read(~/keys/*.pem)",
      "read(~/token.txt)",
      "bash(curl:*)",
      "edit(app/**)",
    ]);
    assert.deepEqual(relative(find()), [
      "home/keys/id.pem",
      "home/token.txt",
      "ws/.env",
      "ws/app/config/.env",
      "ws/notes/private.txt",
      "ws/secrets",
    ]);
  });

  it("checks literal paths before every command; walked ones only while they exist", async () => {
    const find = await finder(["read(/later.txt)", "read(*.key)"]);
    assert.deepEqual(find(), []);
    writeFileSync(join(ws, "later.txt"), "x\n");
    writeFileSync(join(ws, "made-after.key"), "x\n");
    assert.deepEqual(
      relative(find()),
      ["ws/later.txt"],
      "a glob match made after the walk is the model's own",
    );
    rmSync(join(ws, "later.txt"));
    assert.deepEqual(find(), []);
    rmSync(join(ws, "made-after.key"));
  });

  it("says once when it stops looking, and keeps what it found", async () => {
    const said: string[] = [];
    const find = await finder(["read(.env)"], { maxEntries: 3, say: (line) => said.push(line) });
    assert.deepEqual(relative(find()), ["ws/.env"]);
    find();
    assert.equal(said.length, 1);
    assert.match(said[0], /^read deny rules: stopped looking for denied files after 3 entries; /);
  });

  it("searches a denied folder that holds the workspace instead of hiding it whole", async () => {
    const find = await finder([`read(//${base.slice(1)}/**)`]);
    const found = relative(find());
    assert.ok(!found.includes("ws") && found.includes("home"), found.join(", "));
  });
});
