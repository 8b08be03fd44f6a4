import assert from "node:assert/strict";
import { test } from "node:test";
import { callKey } from "./runtime-policy.ts";

test("a call allowed for the session is that call exactly: nested arguments and key order are accounted for", () => {
  const a = callKey("mcp__db__query", { sql: { text: "select 1", params: [1] }, db: "main" });
  assert.equal(a, callKey("mcp__db__query", { db: "main", sql: { params: [1], text: "select 1" } }));
  assert.notEqual(
    a,
    callKey("mcp__db__query", { db: "main", sql: { text: "drop table users", params: [1] } }),
  );
  assert.notEqual(a, callKey("mcp__db__other", { db: "main", sql: { text: "select 1", params: [1] } }));
  assert.notEqual(callKey("bash", { command: "ls" }), callKey("bash", { command: "ls", timeout: 600 }));
});
