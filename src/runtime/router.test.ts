import assert from "node:assert/strict";
import { test } from "node:test";
import type { RouterSettings } from "../store/settings-schema.ts";
import { decideRoute, type RouteInput, taskKind } from "./router.ts";

const ROUTER: RouterSettings = {
  local: "ollama/qwen",
  cloud: "anthropic/claude-sonnet-4-5",
  rules: [
    { name: "secrets", when: { paths: ["secrets/**"] }, use: "local" },
    { name: "big prompts", when: { minChars: 2000 }, use: "cloud" },
    { name: "reviews", when: { kind: ["review"] }, use: "cloud" },
    { when: { kind: ["plan"] }, use: "openai/gpt-5" },
  ],
};

function input(changes: Partial<RouteInput> = {}): RouteInput {
  return {
    prompt: "add a test",
    chars: 10,
    mode: "ask",
    touched: [],
    offline: false,
    costSoFar: 0,
    cloudRefused: false,
    projectPrivate: false,
    isLocal: (model) => model.startsWith("ollama/"),
    usable: () => true,
    ...changes,
  };
}

test("rules in order, first match wins; nothing matching is the default (local)", () => {
  assert.deepEqual(decideRoute(ROUTER, input()), { model: "ollama/qwen", local: true, rule: "default" });
  assert.deepEqual(decideRoute(ROUTER, input({ chars: 5000 })), {
    model: "anthropic/claude-sonnet-4-5",
    local: false,
    rule: 'rule "big prompts"',
  });
  assert.equal(decideRoute(ROUTER, input({ prompt: "review my change" })).rule, 'rule "reviews"');
  assert.deepEqual(decideRoute(ROUTER, input({ mode: "plan" })), {
    model: "openai/gpt-5",
    local: false,
    rule: "rule 4",
  });
  // The secrets rule comes first: a big prompt in a session that read secrets/ stays local.
  const secret = decideRoute(ROUTER, input({ chars: 5000, touched: ["secrets/prod.json"] }));
  assert.deepEqual(secret, { model: "ollama/qwen", local: true, rule: 'rule "secrets"' });
});

test("guards only ever move a cloud route to local: private, local-only files, offline, no key, budget, a no", () => {
  const big = { chars: 5000 };
  const cases: Array<[Partial<RouteInput>, RouterSettings, RegExp]> = [
    [{ ...big, projectPrivate: true }, ROUTER, /the workspace is private/],
    [big, { ...ROUTER, private: true }, /the workspace is private/],
    [{ ...big, touched: ["config/.env"] }, ROUTER, /touched config\/\.env/],
    [{ ...big, touched: ["keys/deploy.pem"] }, ROUTER, /touched keys\/deploy\.pem/],
    [{ ...big, offline: true }, ROUTER, /offline/],
    [{ ...big, usable: () => false }, ROUTER, /no key for anthropic/],
    [{ ...big, costSoFar: 2 }, { ...ROUTER, maxCost: 1.5 }, /budget \(\$1\.5\) is spent/],
    [{ ...big, cloudRefused: true }, ROUTER, /refused in this session/],
  ];
  for (const [changes, router, why] of cases) {
    const route = decideRoute(router, input(changes));
    assert.equal(route.model, "ollama/qwen", why.source);
    assert.equal(route.local, true);
    assert.match(route.rule, why);
    assert.match(route.rule, /^rule "big prompts", then local: /);
  }
  // A guard never turns a local route into a cloud one.
  assert.equal(decideRoute({ ...ROUTER, default: "local" }, input({ offline: true })).local, true);
  // localOnly replaces the default list.
  const custom = decideRoute(
    { ...ROUTER, localOnly: ["data/**"] },
    input({ ...big, touched: ["config/.env"] }),
  );
  assert.equal(custom.local, false);
});

test("a cloud default is still a cloud route only where allowed; a missing name routes nowhere", () => {
  assert.equal(decideRoute({ ...ROUTER, default: "cloud" }, input()).local, false);
  const nowhere = decideRoute({ local: "ollama/qwen", rules: [{ when: {}, use: "cloud" }] }, input());
  assert.equal(nowhere.model, "ollama/qwen");
  assert.match(nowhere.rule, /no "cloud" model set/);
});

test("task kinds: plan mode, reviews, questions, else edits", () => {
  assert.equal(taskKind("fix it", "plan"), "plan");
  assert.equal(taskKind("please review src/a.ts", "ask"), "review");
  assert.equal(taskKind("why does this fail", "ask"), "question");
  assert.equal(taskKind("the build is red, is it the cache?", "ask"), "question");
  assert.equal(taskKind("rename foo to bar", "auto"), "edit");
});
