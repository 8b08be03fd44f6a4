import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { checkJsonSchema } from "./json-schema-check.ts";
import { defineJsonSchemaTool } from "./json-schema-tool.ts";
import { createToolRuntime, type ToolPolicy } from "./tool-runtime.ts";

const spillDir = join(mkdtempSync(join(tmpdir(), "hearth-jsonschema-")), "spill");
const inputSchema = {
  type: "object",
  properties: {
    repo: { type: "string", minLength: 1 },
    limit: { type: "integer", minimum: 1, maximum: 50 },
    state: { enum: ["open", "closed"] },
    labels: { type: "array", items: { type: "string" } },
  },
  required: ["repo"],
  additionalProperties: false,
};

test("a tool defined by a JSON Schema: shown as it is, arguments checked, run under the policy with its call id", async () => {
  const ran: unknown[] = [];
  const asked: Array<{ tool: string; id: string }> = [];
  const tool = defineJsonSchemaTool({
    name: "mcp__github__list_issues",
    description: "List issues",
    kind: "external",
    inputSchema,
    execute: async (args, context) => {
      ran.push(args);
      context.progress?.("page 1");
      return { content: `issues of ${args.repo}` };
    },
  });
  const policy: ToolPolicy = async (t, _args, call) => {
    asked.push({ tool: t.name, id: call.id });
    return { decision: "allow" };
  };
  const progress: string[] = [];
  const runtime = createToolRuntime({
    tools: [tool],
    policy,
    spillDir,
    onProgress: (_id, _tool, text) => progress.push(text),
  });
  assert.deepEqual(runtime.specs[0].parameters, inputSchema);
  const ok = await runtime.run(
    { id: "c1", name: tool.name, arguments: { repo: "a/b", limit: 5, labels: ["bug"] } },
    new AbortController().signal,
  );
  assert.deepEqual(ok, { content: "issues of a/b", isError: false });
  assert.deepEqual(asked, [{ tool: tool.name, id: "c1" }]);
  assert.deepEqual(progress, ["page 1"]);

  const bad = await runtime.run(
    { id: "c2", name: tool.name, arguments: { limit: 0, state: "merged", labels: [1], extra: true } },
    new AbortController().signal,
  );
  assert.equal(bad.isError, true);
  for (const part of [
    "repo: required",
    "limit: must be at least 1",
    'state: must be one of "open", "closed"',
    "labels[0]: expected string, got number",
    "extra: is not a known parameter",
  ])
    assert.ok(bad.content.includes(part), `${part} in ${bad.content}`);
  assert.equal(ran.length, 1, "a call with bad arguments never reaches the tool");
});

test("a JSON Schema tool that never answers is stopped by the watchdog for its kind", async () => {
  const tool = defineJsonSchemaTool({
    name: "mcp__slow__wait",
    description: "never ends",
    kind: "external",
    inputSchema: { type: "object" },
    execute: () => new Promise(() => {}),
  });
  const runtime = createToolRuntime({
    tools: [tool],
    policy: async () => ({ decision: "allow" }),
    spillDir,
    timeouts: { read: 1000, edit: 1000, exec: 1000, external: 80 },
  });
  const started = Date.now();
  const result = await runtime.run({ id: "c", name: tool.name, arguments: {} }, new AbortController().signal);
  assert.equal(result.isError, true);
  assert.match(
    result.content,
    /^mcp__slow__wait did not finish within 80ms and was stopped; the tool's server/,
  );
  assert.ok(Date.now() - started < 1000);
});

test("checkJsonSchema: types, unions, nested objects; unknown keywords are left alone", () => {
  assert.deepEqual(
    checkJsonSchema({ a: { b: 1 } }, { properties: { a: { properties: { b: { type: "string" } } } } }),
    [{ path: "a.b", message: "expected string, got number" }],
  );
  assert.deepEqual(checkJsonSchema(null, { type: ["string", "null"] }), []);
  assert.deepEqual(checkJsonSchema(1.5, { type: "integer" }), [
    { path: "arguments", message: "expected integer, got number" },
  ]);
  assert.deepEqual(checkJsonSchema("x", { type: "string", pattern: "^y$", format: "uri" }), []);
  assert.deepEqual(checkJsonSchema([1, 2, 3], { type: "array", maxItems: 2 }), [
    { path: "arguments", message: "must have at most 2 items" },
  ]);
});
