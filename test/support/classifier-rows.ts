/** Table tests for the command classifier: one test per row, checking the class and a piece of the reason. */
import assert from "node:assert/strict";
import { it } from "node:test";
import { type ClassifyContext, classifyCommand } from "../../src/policy/command-classifier.ts";
import type { CommandClass } from "../../src/protocol/permissions.ts";

/** [command, expected class, a substring of the reason (optional)]. */
export type ClassifierRow = [string, CommandClass, string?];

export function classifierRows(rows: ClassifierRow[], context: ClassifyContext): void {
  for (const [command, expected, reason] of rows) {
    it(`${JSON.stringify(command)} is ${expected}`, async () => {
      const result = await classifyCommand(command, context);
      assert.equal(result.class, expected, `${JSON.stringify(command)}: ${result.reason}`);
      if (reason)
        assert.ok(result.reason.includes(reason), `reason ${JSON.stringify(result.reason)} lacks ${reason}`);
    });
  }
}
