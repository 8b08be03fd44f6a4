/**
 * A session runtime as its tests drive it: a fake model server on loopback (a real HTTP server) named as provider
 * `fake` in the user's settings, a project folder of real files under a fresh home, and helpers to open a
 * session, read its events until a prompt ends, and read back its session file. Servers close after the file's
 * tests.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import type { AgentEventOf, SessionEvent } from "../../src/protocol/events.ts";
import type { RuntimeDeps, SessionOptions } from "../../src/runtime/session-options.ts";
import { openSession, type RuntimeSession } from "../../src/runtime/session-runtime.ts";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";

const servers: FakeServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

export type RuntimeSetup = {
  env: NodeJS.ProcessEnv;
  project: string;
  userSettings: string;
  fake: FakeServer;
};

/**
 * A home with user settings naming the fake server as provider `fake` (plus `settings`; each provider it names
 * is the fake server too unless its entry says otherwise), and a project holding `files`.
 */
export async function setUpRuntime(
  script: FakeTurn[],
  files: Record<string, string> = {},
  settings: Record<string, unknown> = {},
): Promise<RuntimeSetup> {
  const fake = await startFakeServer({ script });
  servers.push(fake);
  const root = mkdtempSync(join(tmpdir(), "hearth-runtime-"));
  const home = join(root, "home");
  const project = join(root, "project");
  mkdirSync(project, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(project, name), content);
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_STATE_HOME: join(home, ".local/state"),
    OLLAMA_HOST: "127.0.0.1:9",
  };
  const userSettings = join(home, ".config", "hearth", "settings.json");
  mkdirSync(join(home, ".config", "hearth"), { recursive: true });
  const { providers = {}, ...rest } = settings as { providers?: Record<string, object> };
  // Every provider named is the fake server, as openai-chat, unless the entry says otherwise.
  const served = { api: "openai-chat", baseUrl: `${fake.url}/v1` };
  const named = Object.fromEntries(
    Object.entries({ fake: { local: true }, ...providers }).map(([name, entry]) => [
      name,
      { ...served, ...(name === "fake" ? { local: true } : {}), ...entry },
    ]),
  );
  writeFileSync(userSettings, JSON.stringify({ providers: named, ...rest }, null, 2));
  return { env, project, userSettings, fake };
}

/** Opens a session on `fake/m` (unless options say otherwise); a settings problem fails the test. */
export async function openRuntime(
  setup: RuntimeSetup,
  options: SessionOptions = {},
  deps: Partial<RuntimeDeps> = {},
): Promise<RuntimeSession> {
  const opened = await openSession(
    { cwd: setup.project, model: "fake/m", ...options },
    { version: "test", env: setup.env, diagnostics: (text) => assert.fail(text), ...deps },
  );
  if (!opened.ok) assert.fail(opened.message);
  return opened.session;
}

/** Reads events until the prompt ends; `onEvent` may answer requests or interrupt. */
export async function untilPromptEnds(
  iterator: AsyncIterator<SessionEvent>,
  seen: SessionEvent[],
  onEvent: (event: SessionEvent) => void = () => {},
): Promise<AgentEventOf<"prompt_ended">> {
  return untilEvent(iterator, seen, "prompt_ended", onEvent);
}

/** Reads events until one of `type` comes (fails when the events end first). */
export async function untilEvent<K extends SessionEvent["type"]>(
  iterator: AsyncIterator<SessionEvent>,
  seen: SessionEvent[],
  type: K,
  onEvent: (event: SessionEvent) => void = () => {},
): Promise<AgentEventOf<K>> {
  while (true) {
    const next = await iterator.next();
    assert.ok(!next.done, `the events ended before ${type} came`);
    seen.push(next.value);
    onEvent(next.value);
    if (next.value.type === type) return next.value as AgentEventOf<K>;
  }
}

/** Every record of the session's file, parsed. */
export function sessionRecords(setup: RuntimeSetup, sessionId: string): Array<Record<string, unknown>> {
  const file = join(setup.env.XDG_DATA_HOME as string, "hearth", "sessions", `${sessionId}.jsonl`);
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A scripted response that answers in text. */
export const answer = (text: string): FakeTurn => ({ text });

/** A scripted response that calls one tool. */
export const call = (name: string, args: Record<string, unknown>): FakeTurn => ({
  toolCalls: [{ name, arguments: args }],
});
