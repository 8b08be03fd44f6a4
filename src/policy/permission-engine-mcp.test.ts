/**
 * MCP tools in the permission engine: the effect their server's annotations give them decides, rules like
 * `mcp__server__*` apply, and a destructive one asks in every mode whatever the allow rules say.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PermissionMode, PermissionRules, ToolEffect } from "../protocol/permissions.ts";
import { decidePermission, type PermissionDecision, preparePermissions } from "./permission-engine.ts";

async function decide(
  tool: string,
  effect: ToolEffect,
  mode: PermissionMode,
  user: Partial<PermissionRules> = {},
): Promise<PermissionDecision> {
  const prepared = await preparePermissions({ user, project: {}, projectTrusted: false, home: "/home/u" });
  assert.deepEqual(prepared.problems, []);
  return decidePermission(
    { tool, kind: "external", effect },
    { mode, rules: prepared.rules, workspaceRoot: "/srv/p", home: "/home/u", sandbox: "active" },
  );
}

describe("MCP tools in the permission engine", () => {
  it("read-only tools run in every mode, plan included", async () => {
    for (const mode of ["plan", "ask", "edits", "auto"] as const)
      assert.equal((await decide("mcp__fs__read_file", "read-only", mode)).decision, "allow", mode);
  });

  it("a destructive tool asks in every mode, and an allow rule for its server or itself does not pre-approve it", async () => {
    for (const allow of [[], ["mcp__fs__*"], ["mcp__fs"], ["mcp__fs__write_file"]]) {
      const decision = await decide("mcp__fs__write_file", "destructive", "auto", { allow });
      assert.equal(decision.decision, "ask", JSON.stringify(allow));
      assert.equal(decision.decision === "ask" && decision.cause, "destructive");
      assert.match(
        decision.decision === "ask" ? decision.reason : "",
        /its server marks mcp__fs__write_file destructive/,
      );
    }
  });

  it("a tool whose server says nothing asks even in auto mode, until a rule allows it", async () => {
    const asked = await decide("mcp__gh__create_issue", "unknown", "auto");
    assert.equal(asked.decision, "ask");
    assert.match(asked.decision === "ask" ? asked.reason : "", /does not say whether it only reads/);
    assert.deepEqual(asked.decision === "ask" && asked.suggestedRules, ["mcp__gh__create_issue"]);
    assert.equal(
      (await decide("mcp__gh__create_issue", "unknown", "ask", { allow: ["mcp__gh__*"] })).decision,
      "allow",
    );
    assert.equal(
      (await decide("mcp__gh__create_issue", "unknown", "ask", { allow: ["mcp__other__*"] })).decision,
      "ask",
    );
  });

  it("a tool that says it writes, not destructively, is free in auto mode only", async () => {
    assert.equal((await decide("mcp__fs__create_directory", "write", "auto")).decision, "allow");
    const asked = await decide("mcp__fs__create_directory", "write", "ask");
    assert.equal(asked.decision, "ask");
    assert.equal(asked.decision === "ask" && asked.suggestedMode, "auto");
    assert.equal((await decide("mcp__fs__create_directory", "write", "plan")).decision, "deny");
  });

  it("deny rules win, for one tool and for a whole server, even over read-only", async () => {
    assert.equal(
      (await decide("mcp__fs__read_file", "read-only", "auto", { deny: ["mcp__fs"] })).decision,
      "deny",
    );
    assert.equal(
      (await decide("mcp__fs__read_file", "read-only", "auto", { deny: ["mcp__fs__read_file"] })).decision,
      "deny",
    );
    assert.equal(
      (await decide("mcp__fs2__read_file", "read-only", "auto", { deny: ["mcp__fs"] })).decision,
      "allow",
    );
  });

  it("ask rules make a read-only tool ask", async () => {
    const decision = await decide("mcp__fs__read_file", "read-only", "auto", { ask: ["mcp__fs__*"] });
    assert.equal(decision.decision, "ask");
  });
});
