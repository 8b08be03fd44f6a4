import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { readConfinedFileSync } from "../policy/open-confined.ts";
import { CONFINED_UNDO_FILES as files } from "../runtime/session-undo.ts";
import { performUndo, planUndo, summarizeTurns } from "./checkpoint-undo.ts";
import {
  type Checkpoints,
  checkpointsDir,
  createCheckpoints,
  listCheckpointSessions,
  loadManifest,
  MANIFEST_NAME,
  type Manifest,
} from "./checkpoints.ts";

describe("checkpoints", () => {
  let base: string;
  let work: string;
  let dir: string;
  let manifestFile: string;
  const sessionId = "s1";
  const at = (name: string) => join(work, name);
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  const make = (onProblem?: (message: string) => void): Checkpoints =>
    createCheckpoints({
      dir,
      sessionId,
      cwd: work,
      rootOf: () => work,
      read: readConfinedFileSync,
      now: () => Date.UTC(2026, 0, 2),
      onProblem,
    });
  /** What the write tool does: snapshot, then write. */
  const write = (cp: Checkpoints, name: string, text: string) => {
    cp.beforeWrite(at(name));
    mkdirSync(join(at(name), ".."), { recursive: true });
    writeFileSync(at(name), text);
  };
  const load = (): Manifest => {
    const loaded = loadManifest(manifestFile);
    assert.ok("manifest" in loaded, JSON.stringify(loaded));
    return loaded.manifest;
  };
  const lines = () =>
    readFileSync(manifestFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));

  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "hearth-checkpoints-")));
    work = join(base, "work");
    mkdirSync(work);
    dir = checkpointsDir(join(base, "data"), sessionId);
    manifestFile = join(dir, MANIFEST_NAME);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("creates nothing until a file is written", () => {
    const cp = make();
    cp.beginTurn(1);
    cp.endTurn();
    assert.equal(existsSync(join(base, "data")), false);
  });

  it("records each file once per turn, before and after, with content-addressed blobs", () => {
    writeFileSync(at("a.txt"), "one\n");
    const mode = statSync(at("a.txt")).mode & 0o7777;
    const cp = make();
    cp.beginTurn(1);
    write(cp, "a.txt", "two\n");
    write(cp, "a.txt", "three\n"); // second write in the same turn: no new snapshot
    write(cp, "new/deep/b.txt", "bee\n");
    cp.beginTurn(2); // ends turn 1
    write(cp, "a.txt", "four\n");
    cp.endTurn();
    cp.endTurn(); // idempotent
    assert.deepEqual(lines(), [
      { type: "header", v: 1, sessionId, cwd: work, createdAt: "2026-01-02T00:00:00.000Z" },
      { type: "before", turn: 1, path: at("a.txt"), blob: sha("one\n"), mode },
      { type: "before", turn: 1, path: at("new/deep/b.txt"), blob: null, dir: at("new") },
      { type: "after", turn: 1, path: at("a.txt"), blob: sha("three\n") },
      { type: "after", turn: 1, path: at("new/deep/b.txt"), blob: sha("bee\n") },
      { type: "before", turn: 2, path: at("a.txt"), blob: sha("three\n"), mode },
      { type: "after", turn: 2, path: at("a.txt"), blob: sha("four\n") },
    ]);
    assert.equal(readFileSync(join(dir, "blobs", sha("one\n")), "utf8"), "one\n");
    assert.equal(statSync(join(dir, "blobs", sha("one\n"))).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(summarizeTurns(load()), [
      {
        turn: 1,
        undone: false,
        files: [
          { path: at("a.txt"), change: "modified" },
          { path: at("new/deep/b.txt"), change: "created" },
        ],
      },
      { turn: 2, undone: false, files: [{ path: at("a.txt"), change: "modified" }] },
    ]);
  });

  it("numbers the turns of a resumed session after the ones already recorded", () => {
    const first = make();
    first.beginTurn(1);
    write(first, "a.txt", "1");
    first.beginTurn(2);
    write(first, "a.txt", "2");
    first.endTurn();
    const resumed = make();
    resumed.beginTurn(1);
    write(resumed, "a.txt", "3");
    resumed.endTurn();
    assert.deepEqual(
      summarizeTurns(load()).map((turn) => turn.turn),
      [1, 2, 3],
    );
    assert.equal(lines().filter((line) => line.type === "header").length, 1);
  });

  it("skips a torn last line, and appends after it on a line of its own", () => {
    const cp = make();
    cp.beginTurn(1);
    write(cp, "a.txt", "1");
    cp.endTurn();
    appendFileSync(manifestFile, '{"type":"after","turn":1,"pa'); // a crash mid-append
    assert.equal(load().skipped, 1);
    assert.equal(load().entries.length, 2);
    const resumed = make();
    resumed.beginTurn(1);
    write(resumed, "b.txt", "2");
    resumed.endTurn();
    const manifest = load();
    assert.equal(manifest.skipped, 1);
    assert.deepEqual(
      manifest.entries.map((entry) => `${entry.type} ${entry.turn}`),
      ["before 1", "after 1", "before 2", "after 2"],
    );
  });

  it("reports a checkpoint it cannot save once, and never throws", () => {
    mkdirSync(join(base, "data"));
    writeFileSync(join(base, "data", "sessions"), "a file where a directory should be");
    const problems: string[] = [];
    const cp = make((message) => problems.push(message));
    cp.beginTurn(1);
    write(cp, "a.txt", "1");
    write(cp, "b.txt", "2");
    cp.endTurn();
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /^cannot save a checkpoint of .*a\.txt \(ENOTDIR\); hearth undo will not restore it$/,
    );
  });

  it("leaves a manifest of a newer format alone", () => {
    mkdirSync(dir, { recursive: true });
    const newer = `${JSON.stringify({ type: "header", v: 2, sessionId, cwd: work, createdAt: "x" })}\n`;
    writeFileSync(manifestFile, newer);
    const problems: string[] = [];
    const cp = make((message) => problems.push(message));
    cp.beginTurn(1);
    write(cp, "a.txt", "1");
    cp.endTurn();
    assert.equal(readFileSync(manifestFile, "utf8"), newer);
    assert.match(problems[0], /newer hearth \(format v2\); update hearth/);
    assert.deepEqual(loadManifest(manifestFile), {
      problem: `${manifestFile} was written by a newer hearth (format v2); update hearth`,
    });
  });

  it("lists sessions with a readable header, most recently changed first", () => {
    const other = createCheckpoints({
      dir: checkpointsDir(join(base, "data"), "s0"),
      sessionId: "s0",
      cwd: base,
      rootOf: () => base,
      read: readConfinedFileSync,
    });
    other.beginTurn(1);
    write(other, "x.txt", "x");
    other.endTurn();
    const cp = make();
    cp.beginTurn(1);
    write(cp, "a.txt", "1");
    cp.endTurn();
    mkdirSync(checkpointsDir(join(base, "data"), "broken"), { recursive: true });
    writeFileSync(join(checkpointsDir(join(base, "data"), "broken"), MANIFEST_NAME), "{not json");
    const order = () => listCheckpointSessions(join(base, "data")).map((s) => [s.sessionId, s.header.cwd]);
    utimesSync(manifestFile, new Date(2020, 0, 1), new Date(2020, 0, 1));
    assert.deepEqual(order(), [
      ["s0", base],
      ["s1", work],
    ]);
    cp.beginTurn(2);
    write(cp, "a.txt", "2");
    assert.deepEqual(order(), [
      ["s1", work],
      ["s0", base],
    ]);
    assert.deepEqual(listCheckpointSessions(join(base, "nowhere")), []);
  });

  describe("undo", () => {
    it("restores content and mode, deletes created files and the directories made for them", async () => {
      writeFileSync(at("run.sh"), "echo one\n");
      chmodSync(at("run.sh"), 0o750);
      const cp = make();
      cp.beginTurn(1);
      write(cp, "run.sh", "echo two\n");
      write(cp, "made/here/new.txt", "new\n");
      cp.endTurn();
      const planned = planUndo(load(), files.read);
      assert.ok("plan" in planned);
      assert.deepEqual(planned.plan.turns, [1]);
      assert.deepEqual(planned.plan.conflicts, []);
      const done = await performUndo(load(), planned.plan, files, () => Date.UTC(2026, 0, 3));
      assert.deepEqual(done, {
        results: [
          { path: at("run.sh"), action: "restored" },
          { path: at("made/here/new.txt"), action: "deleted" },
        ],
      });
      assert.equal(readFileSync(at("run.sh"), "utf8"), "echo one\n");
      assert.equal(statSync(at("run.sh")).mode & 0o777, 0o750);
      assert.equal(existsSync(at("made")), false);
      assert.deepEqual(lines().at(-1), { type: "undone", turn: 1, at: "2026-01-03T00:00:00.000Z" });
      assert.deepEqual(planUndo(load(), files.read), { problem: "every turn is already undone" });
      assert.deepEqual(planUndo(load(), files.read, 1), { problem: "turn 1 is already undone" });
      assert.deepEqual(planUndo(load(), files.read, 7), {
        problem: "turn 7 edited no files; the last turn with edits is 1",
      });
    });

    it("keeps a directory the turn did not create, and one that is not empty", async () => {
      mkdirSync(at("kept"));
      const cp = make();
      cp.beginTurn(1);
      write(cp, "kept/new.txt", "x");
      write(cp, "fresh/a.txt", "x");
      cp.endTurn();
      writeFileSync(at("fresh/user.txt"), "the user's"); // a new file: not a conflict for a.txt
      const planned = planUndo(load(), files.read);
      assert.ok("plan" in planned);
      assert.deepEqual(planned.plan.conflicts, []);
      await performUndo(load(), planned.plan, files);
      assert.equal(existsSync(at("kept")), true);
      assert.equal(existsSync(at("fresh/a.txt")), false);
      assert.equal(readFileSync(at("fresh/user.txt"), "utf8"), "the user's");
    });

    it("finds a file changed since the last turn, and one changed between two turns", () => {
      writeFileSync(at("a.txt"), "a0\n");
      writeFileSync(at("b.txt"), "b0\n");
      const cp = make();
      cp.beginTurn(1);
      write(cp, "a.txt", "a1\n");
      write(cp, "b.txt", "b1\n");
      cp.endTurn();
      writeFileSync(at("b.txt"), "b1 and the user\n"); // between the turns
      const resumed = make();
      resumed.beginTurn(1);
      write(resumed, "b.txt", "b2\n");
      write(resumed, "a.txt", "a2\n");
      resumed.endTurn();
      writeFileSync(at("a.txt"), "a2 and the user\n"); // after the last turn
      const planned = planUndo(load(), files.read, 1);
      assert.ok("plan" in planned);
      assert.deepEqual(planned.plan.turns, [1, 2]);
      assert.deepEqual(
        planned.plan.conflicts.map((c) => [c.path, c.reason, c.turn, c.from?.toString(), c.to?.toString()]),
        [
          [at("a.txt"), "changed", 2, "a2\n", "a2 and the user\n"],
          [at("b.txt"), "changed", 1, "b1\n", "b1 and the user\n"],
        ],
      );
      // Undoing only turn 2 keeps the user's edit made before it.
      const last = planUndo(load(), files.read);
      assert.ok("plan" in last);
      assert.deepEqual(
        last.plan.conflicts.map((c) => c.path),
        [at("a.txt")],
      );
      assert.deepEqual(
        last.plan.restores.map((r) => [r.path, r.blob]),
        [
          [at("b.txt"), sha("b1 and the user\n")],
          [at("a.txt"), sha("a1\n")],
        ],
      );
    });

    it("treats a turn that never ended as a conflict", () => {
      const cp = make();
      cp.beginTurn(1);
      write(cp, "a.txt", "half done\n"); // no endTurn: hearth was killed
      const planned = planUndo(load(), files.read);
      assert.ok("plan" in planned);
      assert.equal(summarizeTurns(load())[0].files[0].change, "unfinished");
      assert.deepEqual(
        planned.plan.conflicts.map((c) => [c.reason, c.from, c.to?.toString()]),
        [["unfinished", null, "half done\n"]],
      );
    });

    it("refuses to restore over what is now a directory", async () => {
      const cp = make();
      cp.beginTurn(1);
      write(cp, "a.txt", "x");
      cp.endTurn();
      rmSync(at("a.txt"));
      mkdirSync(at("a.txt"));
      writeFileSync(at("a.txt/inside"), "keep me");
      const planned = planUndo(load(), files.read);
      assert.ok("plan" in planned);
      assert.equal(planned.plan.conflicts[0].to?.toString(), "(not a regular file)\n");
      const done = await performUndo(load(), planned.plan, files);
      assert.match(done.problem ?? "", /no longer a regular file; move it away first/);
      assert.equal(readFileSync(at("a.txt/inside"), "utf8"), "keep me");
      assert.equal(
        lines().some((line) => line.type === "undone"),
        false,
      );
    });
  });
});
