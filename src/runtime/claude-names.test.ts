import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hearthRule, splitRules, splitToolLists } from "./claude-names.ts";

describe("hearthRule", () => {
  it("maps Claude Code's tool names and ./ paths to hearth's rules", () => {
    assert.equal(hearthRule("Bash(git diff:*)"), "bash(git diff:*)");
    assert.equal(hearthRule("Bash"), "bash");
    assert.equal(hearthRule("Edit"), "edit");
    assert.equal(hearthRule("MultiEdit(src/**)"), "edit(src/**)");
    assert.equal(hearthRule("Read(./secret.txt)"), "read(/secret.txt)");
    assert.equal(hearthRule("Read(~/.zshrc)"), "read(~/.zshrc)");
    assert.equal(hearthRule("Read(//etc/passwd)"), "read(//etc/passwd)");
    assert.equal(hearthRule("Write(*.md)"), "write(*.md)");
    assert.equal(hearthRule("LS"), "ls");
  });

  it("drops tools hearth does not have and leaves hearth's own rules and unknown names to the rule parser", () => {
    assert.equal(hearthRule("WebFetch(domain:example.com)"), null);
    assert.equal(hearthRule("TodoWrite"), null);
    assert.equal(hearthRule("bash(npm test:*)"), "bash(npm test:*)");
    assert.equal(hearthRule("mcp__github__create_issue"), "mcp__github__create_issue");
    assert.equal(hearthRule("Frobnicate"), "Frobnicate");
  });
});

describe("splitToolLists", () => {
  it("splits commas and spaces outside parentheses", () => {
    assert.deepEqual(splitRules("Bash(git diff:*),Edit Read"), ["Bash(git diff:*)", "Edit", "Read"]);
    assert.deepEqual(splitRules(" Bash(npm run test *) , Glob "), ["Bash(npm run test *)", "Glob"]);
  });

  it("takes every following tool list after the flag, and stops at the prompt", () => {
    assert.deepEqual(splitToolLists(["-p", "--allowedTools", "Read", "Bash(git log:*)", "Edit", "fix it"]), [
      "-p",
      "--allowed-tools",
      "Read",
      "--allowed-tools",
      "Bash(git log:*)",
      "--allowed-tools",
      "Edit",
      "fix it",
    ]);
    assert.deepEqual(splitToolLists(["--disallowedTools=Bash,Write", "-p", "x"]), [
      "--disallowed-tools",
      "Bash",
      "--disallowed-tools",
      "Write",
      "-p",
      "x",
    ]);
    assert.deepEqual(splitToolLists(["--allowed-tools", "--model", "m"]), [
      "--allowed-tools",
      "--model",
      "m",
    ]);
    assert.deepEqual(splitToolLists(["-p", "--", "--allowedTools", "Read"]), [
      "-p",
      "--",
      "--allowedTools",
      "Read",
    ]);
  });
});
