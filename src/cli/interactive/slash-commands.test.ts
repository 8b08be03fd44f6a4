import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSlash, SLASH_NAMES } from "./slash-commands.ts";

test("the front's own commands: /cost, /clear, /fork, /doctor, /resume; no argument taken", () => {
  for (const action of ["cost", "clear", "fork", "doctor", "resume"])
    assert.deepEqual(parseSlash(`/${action}`), { type: "front", action });
  assert.deepEqual(parseSlash("/resume abc"), { type: "problem", text: "/resume takes no argument" });
  assert.deepEqual(parseSlash("/model fake/m2"), {
    type: "command",
    command: { type: "set_model", model: "fake/m2" },
  });
  assert.deepEqual(parseSlash("/src/a.ts is empty"), { type: "prompt" });
});

test("every name completion offers is a command", () => {
  for (const name of SLASH_NAMES) assert.notEqual(parseSlash(`/${name} x`).type, "prompt");
  for (const name of SLASH_NAMES)
    assert.doesNotMatch(JSON.stringify(parseSlash(`/${name}`)), /unknown command/, name);
});

test("!cmd is a shell command for the runtime; /init a prompt that asks for AGENTS.md", () => {
  assert.deepEqual(parseSlash("!git status --short"), {
    type: "command",
    command: { type: "shell", command: "git status --short" },
  });
  assert.deepEqual(parseSlash("!  "), { type: "problem", text: "! needs a command, e.g. !git status" });
  const init = parseSlash("/init");
  assert.ok(init.type === "command" && init.command.type === "prompt");
  assert.match(init.command.text, /AGENTS\.md/);
  assert.equal(parseSlash("/init now").type, "problem");
  assert.deepEqual(parseSlash("a ! in the middle"), { type: "prompt" });
});

test("/runtime names who runs the next prompts; alone it says what it takes", () => {
  assert.deepEqual(parseSlash("/runtime codex"), {
    type: "command",
    command: { type: "set_runtime", runtime: "codex" },
  });
  assert.deepEqual(parseSlash("/runtime acp:my-agent --stdio"), {
    type: "command",
    command: { type: "set_runtime", runtime: "acp:my-agent --stdio" },
  });
  assert.equal(parseSlash("/runtime").type, "problem");
});
