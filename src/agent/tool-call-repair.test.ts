import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createWorkspace } from "../policy/workspace.ts";
import type { ToolSpec } from "../protocol/messages.ts";
import { createBuiltinTools } from "../tools/builtin-tools.ts";
import { createFileState } from "../tools/file-state.ts";
import { createToolRuntime } from "../tools/tool-runtime.ts";
import { repairArgumentNames, repairToolCall, repairToolName } from "./tool-call-repair.ts";

const root = mkdtempSync(join(tmpdir(), "hearth-repair-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** The specs the built-in tools really send to models. */
const specs: ToolSpec[] = createToolRuntime({
  tools: createBuiltinTools({
    workspace: createWorkspace({ root }),
    fileState: createFileState(),
    env: {},
    spillDir: join(root, "spill"),
    rgPath: null,
  }),
  policy: async () => ({ decision: "allow" }),
  spillDir: join(root, "spill"),
}).specs;
const spec = (name: string) => specs.find((s) => s.name === name);

test("argument names that differ in case or separators are renamed to the schema's", () => {
  const rows: Array<[string, Record<string, unknown>, Record<string, unknown>, string[]]> = [
    [
      "read",
      { Path: "a.ts", OFFSET: 2 },
      { path: "a.ts", offset: 2 },
      ['argument "Path" -> "path"', 'argument "OFFSET" -> "offset"'],
    ],
    [
      "edit",
      { path: "a.ts", oldString: "x", "new-string": "y", ReplaceAll: true },
      { path: "a.ts", old_string: "x", new_string: "y", replace_all: true },
      [
        'argument "oldString" -> "old_string"',
        'argument "new-string" -> "new_string"',
        'argument "ReplaceAll" -> "replace_all"',
      ],
    ],
    [
      "grep",
      { pattern: "x", Ignore_Case: true },
      { pattern: "x", ignore_case: true },
      ['argument "Ignore_Case" -> "ignore_case"'],
    ],
    ["bash", { Command: "ls" }, { command: "ls" }, ['argument "Command" -> "command"']],
  ];
  for (const [tool, args, want, repairs] of rows) {
    const got = repairArgumentNames(args, spec(tool));
    assert.deepEqual(got.value, want, tool);
    assert.deepEqual(got.repairs, repairs, tool);
  }
});

test("only real, unambiguous matches are renamed", () => {
  // A different word is not a near miss: the runtime rejects it with its own message.
  assert.deepEqual(repairArgumentNames({ File_Path: "a.ts" }, spec("read")).value, { File_Path: "a.ts" });
  assert.deepEqual(repairArgumentNames({ file: "a.ts" }, spec("read")).repairs, []);
  // The exact property is given too: nothing is overwritten.
  assert.deepEqual(repairArgumentNames({ path: "a.ts", Path: "b.ts" }, spec("read")).value, {
    path: "a.ts",
    Path: "b.ts",
  });
  // Two spellings of one property: the first is renamed, the second left alone.
  assert.deepEqual(repairArgumentNames({ PATH: "a.ts", Path: "b.ts" }, spec("read")).value, {
    path: "a.ts",
    Path: "b.ts",
  });
  // Argument order is kept.
  assert.deepEqual(Object.keys(repairArgumentNames({ Old_String: "x", path: "p" }, spec("edit")).value), [
    "old_string",
    "path",
  ]);
  // No spec (unknown tool): untouched.
  assert.deepEqual(repairArgumentNames({ Path: "a" }, undefined), { value: { Path: "a" }, repairs: [] });
});

test("a tool name that differs only in case or separators is repaired; others are left for the runtime", () => {
  assert.deepEqual(repairToolName("Read", specs), { name: "read", repairs: ['tool name "Read" -> "read"'] });
  assert.deepEqual(repairToolName("GLOB", specs), { name: "glob", repairs: ['tool name "GLOB" -> "glob"'] });
  assert.deepEqual(repairToolName("read_file", specs), { name: "read_file", repairs: [] });
  assert.deepEqual(repairToolName("ls", specs), { name: "ls", repairs: [] });
});

test("a whole call: broken JSON and wrong names repaired together, then valid for the real runtime", async () => {
  const runtime = createToolRuntime({
    tools: createBuiltinTools({
      workspace: createWorkspace({ root }),
      fileState: createFileState(),
      env: {},
      spillDir: join(root, "spill"),
      rgPath: null,
    }),
    policy: async () => ({ decision: "allow" }),
    spillDir: join(root, "spill"),
  });
  const call = repairToolCall("LS", "```json\n{'Path': '.',}\n```", runtime.specs);
  assert.equal(call.error, undefined);
  assert.deepEqual(call, {
    name: "ls",
    arguments: { path: "." },
    repairs: [
      "code fence",
      "single quotes",
      "trailing comma",
      'tool name "LS" -> "ls"',
      'argument "Path" -> "path"',
    ],
  });
  const result = await runtime.run({ id: "c1", ...call }, new AbortController().signal);
  assert.equal(result.isError, false, result.content);
});
