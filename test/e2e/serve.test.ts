/**
 * `hearth serve` end to end: the built CLI as a gateway in front of the fake model server, with the real agent
 * CLIs from the npm registry as its clients. Claude Code (Anthropic Messages) on the fake server's Ollama endpoint
 * and Codex (OpenAI Responses) on its OpenAI Chat endpoint each run a headless task whose tool call changes a file,
 * pointed at the gateway by exactly what `hearth serve --print-env` prints. Also: the key (random and printed, or
 * fixed), usage errors, offline serving only local models, and the key never in the request log.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { engineDir, installedEngineVersion } from "../../src/providers/embedded-engine.ts";
import type { FakeTurn } from "../fake-server/script.ts";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { CLI, makeSandbox, runHearth, type Sandbox, writeSettings } from "./harness.ts";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../node_modules/.bin");
const KEY = "serve-e2e-key-0123456789abcdef";

const servers: FakeServer[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill("SIGTERM");
  for (const server of servers) await server.close();
});

type Serve = { url: string; stdout: string; stderr: () => string; stop(): Promise<number | null> };

/** `hearth serve` on a free port; resolves once it says where it listens. */
function startServe(sandbox: Sandbox, args: string[], env: Record<string, string> = {}): Promise<Serve> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], {
    cwd: sandbox.project,
    env: { ...sandbox.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    child.on("exit", (code) => reject(new Error(`hearth serve exited with ${code}: ${stderr}`)));
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (!url) return;
      child.removeAllListeners("exit");
      resolvePromise({
        url,
        get stdout() {
          return stdout;
        },
        stderr: () => stderr,
        stop: () =>
          new Promise((done) => {
            child.once("exit", (code) => done(code));
            child.kill("SIGTERM");
          }),
      } as Serve);
    });
  });
}

/**
 * A sandbox whose user settings map claude-* to Ollama and gpt-* to an OpenAI Chat provider, both on a fake server
 * scripted by `script` (given the project directory, for the absolute paths Claude Code's tools take).
 */
async function gatewaySandbox(
  script: (project: string) => FakeTurn[] = () => [],
): Promise<{ fake: FakeServer; sandbox: Sandbox }> {
  const sandbox = makeSandbox({ "notes.txt": "old\n" });
  const fake = await startFakeServer({
    contextLength: 131072,
    models: ["qwen2.5-coder:7b"],
    script: script(sandbox.project),
  });
  servers.push(fake);
  writeSettings(sandbox, "user", {
    ollama: { maxContext: 65536 },
    providers: {
      ollama: { baseUrl: fake.url },
      fake: { api: "openai-chat", baseUrl: `${fake.url}/v1`, contextWindow: 131072 },
    },
    serve: { key: KEY, models: { "claude-*": "ollama/qwen2.5-coder:7b", "gpt-*": "fake/m" } },
  });
  return { fake, sandbox };
}

/** Run a program to its end with a time limit. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** The `export NAME=value` lines of --print-env output as an environment. */
function exportedEnv(printed: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of printed.matchAll(/^export ([A-Z_]+)=(.*)$/gm))
    env[match[1]] = match[2].replace(/^'|'$/g, "");
  return env;
}

describe("hearth serve: the command", () => {
  it("rejects bad flags with exit 2 and one line", async () => {
    const sandbox = makeSandbox();
    const port = await runHearth(sandbox, ["serve", "--port", "99999"]);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /^hearth: --port must be a whole number from 0 to 65535 \(got "99999"\)$/m);
    const target = await runHearth(sandbox, ["serve", "--print-env", "gemini"]);
    assert.equal(target.code, 2);
    assert.match(target.stderr, /--print-env takes claude or codex \(got "gemini"\)/);
    const noKey = await runHearth(sandbox, ["serve", "--print-env", "claude"]);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /no fixed key to print: set HEARTH_SERVE_KEY or serve.key/);
    const shortKey = await runHearth(sandbox, ["serve"], { env: { HEARTH_SERVE_KEY: "short" } });
    assert.equal(shortKey.code, 2);
    assert.doesNotMatch(shortKey.stderr, /short/);
  });

  it("--print-env prints the environment for claude and the config and key for codex", async () => {
    const { sandbox } = await gatewaySandbox();
    const claude = await runHearth(sandbox, ["serve", "--print-env", "claude", "--port", "5000"]);
    assert.equal(claude.code, 0, claude.stderr);
    assert.deepEqual(exportedEnv(claude.stdout), {
      ANTHROPIC_BASE_URL: "http://127.0.0.1:5000",
      ANTHROPIC_API_KEY: KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    });
    const codex = await runHearth(sandbox, ["serve", "--print-env", "codex"]);
    assert.equal(codex.code, 0);
    assert.match(codex.stdout, /^# {3}base_url = "http:\/\/127\.0\.0\.1:4517\/v1"$/m);
    assert.match(codex.stdout, /^# {3}wire_api = "responses"$/m);
    assert.deepEqual(exportedEnv(codex.stdout), { HEARTH_SERVE_KEY: KEY });
  });

  it("makes a random key when none is set, prints it once, and keeps it (and every key) out of the log", async () => {
    const { fake, sandbox } = await gatewaySandbox(() => [{ text: "hi" }]);
    writeSettings(sandbox, "user", {
      providers: { fake: { api: "openai-chat", baseUrl: `${fake.url}/v1` } },
    });
    // A repository's settings cannot choose the key (nor the models): only the user's own file is read.
    writeSettings(sandbox, "project", { serve: { key: "key-chosen-by-a-cloned-repo" } });
    const serve = await startServe(sandbox, ["--model", "fake/m"]);
    const key = /^key: (\S+)/m.exec(serve.stdout)?.[1];
    assert.ok(key && key.length >= 32, serve.stdout);
    const request = (headers: Record<string, string>) =>
      fetch(`${serve.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ model: "any", messages: [{ role: "user", content: "hi" }] }),
      });
    assert.equal((await request({})).status, 401);
    assert.equal((await request({ "x-api-key": "key-chosen-by-a-cloned-repo" })).status, 401);
    const ok = await request({ authorization: `Bearer ${key}` });
    assert.equal(ok.status, 200);
    assert.equal(
      ((await ok.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content,
      "hi",
    );
    assert.equal(await serve.stop(), 0);
    assert.match(serve.stderr(), /POST \/v1\/chat\/completions any -> fake\/m 200/);
    assert.ok(!serve.stderr().includes(key));
  });

  it("--offline serves local models and refuses cloud ones without a packet leaving", async () => {
    const { sandbox } = await gatewaySandbox(() => [{ text: "local answer" }]);
    const serve = await startServe(sandbox, ["--offline", "--model", "anthropic/claude-sonnet-4-5"], {
      ANTHROPIC_API_KEY: "sk-ant-test-not-a-real-key-000000000000",
    });
    const post = (model: string) =>
      fetch(`${serve.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": KEY },
        body: JSON.stringify({ model, max_tokens: 50, messages: [{ role: "user", content: "hi" }] }),
      });
    const cloud = await post("some-cloud-model");
    assert.equal(cloud.status, 403);
    assert.match(((await cloud.json()) as { error: { message: string } }).error.message, /only local models/);
    const local = await post("claude-haiku");
    assert.equal(local.status, 200);
    await serve.stop();
    const egress = await runHearth(sandbox, ["egress", "--json"]);
    const hosts = egress.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { host: string }).host);
    assert.ok(hosts.length > 0 && hosts.every((host) => host.startsWith("127.0.0.1:")), egress.stdout);
  });
});

const ENGINE_DIR = engineDir(process.env);
const GGUF = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/llama-2-tiny-random.gguf");

describe("hearth serve on the embedded engine", () => {
  it("serves a GGUF file in-process, one request at a time, 429 with retry-after past serve.queue", {
    skip: installedEngineVersion(ENGINE_DIR)
      ? false
      : `the embedded engine is not installed in ${ENGINE_DIR}: run hearth engine install (or set HEARTH_ENGINE_DIR)`,
  }, async () => {
    const sandbox = makeSandbox();
    writeSettings(sandbox, "user", {
      local: { threads: 1, contextSize: 2048 },
      serve: { key: KEY, queue: 0, models: { "gpt-*": `local/${GGUF}` } },
    });
    const serve = await startServe(sandbox, [], { HEARTH_ENGINE_DIR: ENGINE_DIR });
    const post = (maxTokens: number, stream: boolean) =>
      fetch(`${serve.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
        body: JSON.stringify({
          model: "gpt-x",
          max_tokens: maxTokens,
          stream,
          stream_options: { include_usage: true },
          messages: [{ role: "user", content: "hi" }],
        }),
      });
    // Streamed: its headers come with its first token, so once they are here it holds the engine.
    const first = await post(1000, true);
    assert.equal(first.status, 200);
    const second = await post(8, false);
    assert.equal(second.status, 429);
    assert.equal(second.headers.get("retry-after"), "2");
    const text = await first.text();
    const usage = /"usage":\{"prompt_tokens":\d+,"completion_tokens":(\d+)/.exec(text);
    assert.ok(usage && Number(usage[1]) > 0, text.slice(-500));
    assert.match(text, /data: \[DONE\]\n\n$/);
    const third = await post(8, false);
    assert.equal(third.status, 200, "the engine is free again");
    assert.match(serve.stderr(), /POST \/v1\/chat\/completions gpt-x -> local\/\S+ 429/);
    await serve.stop();
  });
});

const claudeBin = join(BIN, "claude");
const codexBin = join(BIN, "codex");

describe("real agent CLIs through hearth serve", () => {
  it("Claude Code runs a headless task whose Write call creates a file (Ollama backend)", {
    skip: existsSync(claudeBin) ? false : "@anthropic-ai/claude-code is not installed (npm ci installs it)",
  }, async () => {
    const { fake: scripted, sandbox } = await gatewaySandbox((project) => [
      // A small model's call: the right tool, one argument name off (repaired by the gateway).
      {
        toolCalls: [
          {
            name: "Write",
            arguments: { filePath: join(project, "created.txt"), content: "written through hearth\n" },
          },
        ],
      },
      { text: "Created created.txt." },
    ]);
    const target = join(sandbox.project, "created.txt");
    const serve = await startServe(sandbox, []);
    const port = new URL(serve.url).port;
    const printed = await runHearth(sandbox, ["serve", "--print-env", "claude", "--port", port]);
    const claude = await run(
      claudeBin,
      [
        "-p",
        "create created.txt",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "acceptEdits",
      ],
      {
        cwd: sandbox.project,
        env: { PATH: sandbox.env.PATH, HOME: sandbox.home, ...exportedEnv(printed.stdout) },
      },
    );
    assert.equal(claude.code, 0, `${claude.stderr}\n${claude.stdout.slice(-2000)}`);
    assert.equal(readFileSync(target, "utf8"), "written through hearth\n");
    const result = claude.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((event) => event.type === "result");
    assert.equal(result?.result, "Created created.txt.");
    assert.equal(result?.is_error, false);
    // Both model requests reached Ollama's native API, with the real window as num_ctx.
    const chats = scripted.modelRequests.filter((r) => r.path === "/api/chat");
    assert.equal(chats.length, 2);
    assert.equal((chats[0].body as { options: { num_ctx: number } }).options.num_ctx, 65536);
    assert.match(serve.stderr(), /POST \/v1\/messages claude-\S+ -> ollama\/qwen2\.5-coder:7b 200/);
    await serve.stop();
  });

  it("Codex runs a headless task whose exec_command call creates a file (OpenAI Chat backend)", {
    skip: existsSync(codexBin) ? false : "@openai/codex is not installed (npm ci installs it)",
  }, async () => {
    const { fake, sandbox } = await gatewaySandbox(() => [
      { toolCalls: [{ name: "exec_command", arguments: { cmd: "echo changed-by-codex > created.txt" } }] },
      { text: "Done." },
    ]);
    const serve = await startServe(sandbox, []);
    const port = new URL(serve.url).port;
    const printed = await runHearth(sandbox, ["serve", "--print-env", "codex", "--port", port]);
    // The config lines as printed, plus what keeps Codex from contacting anything but the gateway.
    const config = printed.stdout
      .split("\n")
      .filter((line) => line.startsWith("#   "))
      .map((line) => line.slice(4));
    const codexHome = join(sandbox.home, ".codex");
    mkdirSync(codexHome, { recursive: true });
    writeFileSync(
      join(codexHome, "config.toml"),
      `model = "gpt-5-codex"\n${config.join("\n")}\n[features]\nplugins = false\n[analytics]\nenabled = false\n`,
    );
    const codex = await run(
      codexBin,
      [
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        "create created.txt",
      ],
      {
        cwd: sandbox.project,
        env: {
          PATH: sandbox.env.PATH,
          HOME: sandbox.home,
          CODEX_HOME: codexHome,
          ...exportedEnv(printed.stdout),
        },
      },
    );
    assert.equal(codex.code, 0, `${codex.stderr}\n${codex.stdout.slice(-2000)}`);
    assert.equal(readFileSync(join(sandbox.project, "created.txt"), "utf8"), "changed-by-codex\n");
    assert.match(codex.stdout, /"type":"agent_message","text":"Done\."/);
    // The command's output went back to the model as a tool message on the OpenAI Chat wire.
    const second = fake.modelRequests[1].body as { messages: Array<{ role: string; tool_call_id?: string }> };
    assert.equal(second.messages.at(-1)?.role, "tool");
    assert.match(serve.stderr(), /POST \/v1\/responses gpt-5-codex -> fake\/m 200/);
    await serve.stop();
  });
});
