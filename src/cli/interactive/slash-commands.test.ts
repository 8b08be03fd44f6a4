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
