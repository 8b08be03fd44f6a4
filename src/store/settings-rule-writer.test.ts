import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { parse } from "jsonc-parser";
import { addPermissionRule } from "./settings-rule-writer.ts";

const WRITER = pathToFileURL(join(import.meta.dirname, "settings-rule-writer.ts")).href;

/** A real process adding `count` rules named after `who`, one at a time, as fast as it can. */
function addRulesInAnotherProcess(path: string, who: string, count: number): Promise<string> {
  const script = `
    const { addPermissionRule } = await import(${JSON.stringify(WRITER)});
    for (let i = 0; i < ${count}; i++) {
      const r = addPermissionRule(${JSON.stringify(path)}, "allow", "Bash(echo ${who}-" + i + ")");
      if (!r.ok || !r.added) { console.error(JSON.stringify(r)); process.exit(1); }
    }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => (code === 0 ? resolve(stderr) : reject(new Error(`${who}: ${stderr}`))));
  });
}

test("four processes adding rules to one settings file at once lose none, and keep the comments", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-rules-"));
  const path = join(dir, "settings.json");
  writeFileSync(path, '{\n  // mine\n  "model": "m",\n  "permissions": { "allow": ["Read"] }\n}\n');
  const writers = ["a", "b", "c", "d"];
  await Promise.all(writers.map((who) => addRulesInAnotherProcess(path, who, 25)));
  const text = readFileSync(path, "utf8");
  assert.match(text, /\/\/ mine/);
  const allow: string[] = parse(text).permissions.allow;
  assert.equal(allow.length, 1 + writers.length * 25, "a rule was lost");
  for (const who of writers) for (let i = 0; i < 25; i++) assert.ok(allow.includes(`Bash(echo ${who}-${i})`));
});

test("a lock left by a killed process is taken over; a live one makes the writer give up with a line", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-rules-"));
  const path = join(dir, "settings.json");
  writeFileSync(`${path}.lock`, "");
  const old = new Date(Date.now() - 60_000);
  utimesSync(`${path}.lock`, old, old);
  assert.deepEqual(addPermissionRule(path, "allow", "Read"), { ok: true, added: true });

  writeFileSync(`${path}.lock`, "");
  const busy = addPermissionRule(path, "allow", "Grep");
  assert.equal(busy.ok, false);
  assert.match(busy.ok ? "" : busy.problem, /being changed by another hearth .*try again/);
  assert.deepEqual(parse(readFileSync(path, "utf8")).permissions.allow, ["Read"]);
});
