/**
 * `--model auto` through a real session runtime: two providers on the fake model server (one local, one
 * counted as cloud), the router's rules in the user's settings, and what each prompt's request went to.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  answer,
  call,
  openRuntime,
  type RuntimeSetup,
  sessionRecords,
  setUpRuntime,
  untilEvent,
  untilPromptEnds,
} from "../../test/support/runtime-session.ts";
import type { SessionEvent } from "../protocol/events.ts";
import type { SessionOptions } from "./session-options.ts";

const ROUTER = {
  local: "loc/small",
  cloud: "cld/big",
  rules: [{ name: "big prompts", when: { minChars: 100 }, use: "cloud" }],
};

async function routed(script: Parameters<typeof setUpRuntime>[0], settings: Record<string, unknown> = {}) {
  return setUpRuntime(
    script,
    {},
    {
      providers: { loc: { local: true }, cld: { local: false } },
      model: "auto",
      router: ROUTER,
      ...settings,
    },
  );
}

async function drive(setup: RuntimeSetup, options: SessionOptions = {}) {
  const session = await openRuntime(setup, { model: undefined, ...options });
  const events = session.events[Symbol.asyncIterator]();
  const seen: SessionEvent[] = [];
  return {
    session,
    seen,
    async prompt(text: string, onEvent?: (event: SessionEvent) => void) {
      session.submit({ type: "prompt", text });
      return untilPromptEnds(events, seen, onEvent);
    },
    routes: () => seen.flatMap((e) => (e.type === "route_decided" ? [e] : [])),
    async close() {
      session.submit({ type: "close" });
      await untilEvent(events, seen, "session_closed");
    },
  };
}

const BIG = `explain this in detail: ${"x".repeat(120)}`;

test("each prompt goes where the rules say; the first cloud use is announced; the turn records the route", async () => {
  const setup = await routed([answer("local answer"), answer("cloud answer"), answer("local again")]);
  const run = await drive(setup);
  assert.equal(run.session.info.model, "loc/small", "a session on auto opens on the local model");
  await run.prompt("add a test");
  await run.prompt(BIG);
  await run.prompt("short again");
  assert.deepEqual(
    setup.fake.modelRequests.map((r) => r.body?.model),
    ["small", "big", "small"],
  );
  assert.deepEqual(
    run.routes().map((r) => [r.model, r.local, r.rule]),
    [
      ["loc/small", true, "default"],
      ["cld/big", false, 'rule "big prompts"'],
      ["loc/small", true, "default"],
    ],
  );
  const announced = run.seen.filter((e) => e.type === "notice" && /first cloud use/.test(e.text));
  assert.equal(announced.length, 1, "announced once");
  await run.close();
  const routes = sessionRecords(setup, run.session.info.sessionId).filter((r) => r.type === "route");
  assert.deepEqual(
    routes.map((r) => [r.turn, r.model]),
    [
      [1, "loc/small"],
      [2, "cld/big"],
      [3, "loc/small"],
    ],
  );
});

test("a session that read a secret stays local, even for a prompt the rules send to the cloud", async () => {
  const setup = await routed([
    call("read", { path: "secrets/token.txt" }),
    answer("read it"),
    answer("still local"),
  ]);
  mkdirSync(join(setup.project, "secrets"));
  writeFileSync(join(setup.project, "secrets/token.txt"), "not for the cloud\n");
  const run = await drive(setup, { permissionMode: "auto" });
  await run.prompt("look at the token file");
  await run.prompt(BIG);
  assert.deepEqual(
    setup.fake.modelRequests.map((r) => r.body?.model),
    ["small", "small", "small"],
  );
  assert.match(
    run.routes()[1].rule,
    /^rule "big prompts", then local: the session touched secrets\/token\.txt$/,
  );
  await run.close();
});

test("where a person answers, the first cloud use is asked; a no keeps the session local for the rest", async () => {
  const setup = await routed([answer("stayed local"), answer("still local")]);
  const run = await drive(setup, { confirmCloud: true });
  const asked: SessionEvent[] = [];
  const no = (event: SessionEvent) => {
    if (event.type !== "permission_requested") return;
    asked.push(event);
    run.session.submit({
      type: "answer_permission",
      requestId: event.requestId,
      answer: { decision: "deny" },
    });
  };
  await run.prompt(BIG, no);
  await run.prompt(BIG, no);
  assert.equal(asked.length, 1, "asked once");
  const request = asked[0];
  assert.ok(request.type === "permission_requested" && request.cause === "cloud" && request.tool === "route");
  assert.match(request.reason, /would go to cld \(cld\/big/);
  assert.deepEqual(
    setup.fake.modelRequests.map((r) => r.body?.model),
    ["small", "small"],
  );
  assert.match(run.routes()[1].rule, /refused in this session/);
  await run.close();
});

test("a project's settings cannot route to the cloud, only mark the workspace private; auto without a router is refused", async () => {
  const setup = await routed([answer("local")]);
  mkdirSync(join(setup.project, ".hearth"));
  writeFileSync(
    join(setup.project, ".hearth/settings.json"),
    JSON.stringify({ router: { private: true, local: "cld/big", rules: [{ when: {}, use: "cld/big" }] } }),
  );
  const run = await drive(setup);
  await run.prompt(BIG);
  assert.equal(setup.fake.modelRequests[0].body?.model, "small");
  assert.match(run.routes()[0].rule, /the workspace is private/);
  await run.close();

  const bare = await setUpRuntime([], {}, { model: "auto" });
  const { openSession } = await import("./session-runtime.ts");
  const opened = await openSession(
    { cwd: bare.project },
    { version: "t", env: bare.env, diagnostics: (text) => assert.fail(text) },
  );
  assert.ok(!opened.ok);
  assert.match(opened.message, /--model auto needs a "router" in your settings/);
});
