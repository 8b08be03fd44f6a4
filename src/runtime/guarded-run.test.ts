import assert from "node:assert/strict";
import { test } from "node:test";
import { SettingsSchema } from "../store/settings-schema.ts";
import { chooseRunLimits, limitStopLine } from "./guarded-run.ts";

const priced = { provider: "anthropic", id: "claude-sonnet-4-5", local: false };
const unpriced = { provider: "custom", id: "m", local: false };
const local = { provider: "ollama", id: "qwen2.5-coder:7b", local: true };

function choose(options: object, settings: object, model = priced) {
  const notes: string[] = [];
  return { chosen: chooseRunLimits(options, settings, model, (l) => notes.push(l)), notes };
}

test("a flag wins over settings; settings take seconds or a duration", () => {
  const both = choose({ maxTimeMs: 3000, maxCostUsd: 1 }, { maxTime: "1h", maxCost: 5 }).chosen;
  assert.ok(both.ok);
  assert.deepEqual(both.run.limits, { maxTimeMs: 3000, maxCostUsd: 1 });
  assert.match(limitStopLine("max_time", both.run, null), /time limit of 3s \(--max-time\)/);
  const seconds = choose({}, { maxTime: 90, maxCost: 2 }).chosen;
  assert.ok(seconds.ok);
  assert.deepEqual(seconds.run.limits, { maxTimeMs: 90_000, maxCostUsd: 2 });
  assert.match(
    limitStopLine("max_cost", seconds.run, 2.1),
    /cost limit of \$2 \(maxCost in settings\) \(spent about \$2\.1\)/,
  );
  const text = choose({}, { maxTime: "30m" }).chosen;
  assert.ok(text.ok);
  assert.deepEqual(text.run.limits, { maxTimeMs: 1_800_000 });
  assert.deepEqual(choose({}, { maxTime: "0s" }).chosen, {
    ok: false,
    problem: 'maxTime in settings must be a duration such as "90s", "30m" or "1h"',
  });
});

test("a cost limit on a model without a price is refused; on a local model it is a note for the flag only", () => {
  const refused = choose({ maxCostUsd: 1 }, {}, unpriced).chosen;
  assert.equal(refused.ok, false);
  assert.match(
    !refused.ok ? refused.problem : "",
    /^--max-cost needs the model's price, and custom\/m has none/,
  );
  const fromSettings = choose({}, { maxCost: 1 }, unpriced).chosen;
  assert.match(!fromSettings.ok ? fromSettings.problem : "", /^maxCost in settings needs the model's price/);
  const flag = choose({ maxCostUsd: 1 }, {}, local);
  assert.ok(flag.chosen.ok);
  assert.deepEqual(flag.notes, ["--max-cost does not apply to a local model (it costs nothing)"]);
  assert.deepEqual(choose({}, { maxCost: 1 }, local).notes, []);
});

test("settings: maxTime is seconds or a duration, maxCost a positive amount", () => {
  const ok = (settings: object) => SettingsSchema.safeParse(settings).success;
  assert.ok(ok({ maxTime: 90, maxCost: 0.5 }));
  assert.ok(ok({ maxTime: "90s" }));
  for (const bad of [
    { maxTime: "soon" },
    { maxTime: "90" },
    { maxTime: -1 },
    { maxCost: 0 },
    { maxCost: "1" },
  ])
    assert.equal(ok(bad), false, JSON.stringify(bad));
});
