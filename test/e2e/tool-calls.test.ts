/**
 * End to end: the text tool protocol from settings (`toolCalls: "text"`), the automatic switch when Ollama says a
 * model "does not support tools", and a broken call that is repaired, all through the built binary.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { type FakeServer, startFakeServer } from "../fake-server/server.ts";
import { makeSandbox, providerSetup, runHearth, writeSettings } from "./harness.ts";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const ARGS = ["-p", "--permission-mode", "auto", "--output-format", "stream-json"];

test('toolCalls: "text" in settings: tools in the system prompt, a written call runs, the answer is clean', async () => {
  const fake = await startFakeServer({
    script: [
      { text: 'Reading.\n<tool_call>\n{"name": "read", "arguments": {"path": "hello.txt"}}\n</tool_call>' },
      { text: "It says hello." },
    ],
  });
  servers.push(fake);
  const sandbox = makeSandbox({ "hello.txt": "hello from the workspace\n" });
  const setup = providerSetup("openai-chat", fake.url);
  const providers = (setup.settings as { providers: Record<string, object> }).providers;
  writeSettings(sandbox, "user", { providers: { fakechat: { ...providers.fakechat, toolCalls: "text" } } });
  const run = await runHearth(sandbox, [...ARGS, "--model", setup.model, "what does hello.txt say?"], {
    env: setup.env,
  });
  assert.equal(run.code, 0, run.stderr);
  const bodies = fake.modelRequests.map(
    (r) => r.body as { tools?: unknown; messages: Array<{ content: string }> },
  );
  assert.ok(bodies.every((b) => b.tools === undefined));
  assert.match(bodies[0].messages[0].content, /<tools>\n\{"name":"read"/);
  assert.match(
    bodies[1].messages.at(-1)?.content ?? "",
    /<tool_response name="read">[\s\S]*hello from the workspace/,
  );
  const result = run.events.find((e) => e.type === "tool_call_ended");
  assert.equal(result?.isError, false);
  const text = run.events.flatMap((e) => (e.type === "text_delta" ? [e.text] : [])).join("");
  assert.equal(text, "Reading.\nIt says hello.");
});

test("ollama without tool support: the run switches to the text protocol and goes on", async () => {
  const fake = await startFakeServer({
    script: [
      {
        status: 400,
        errorBody: JSON.stringify({
          error: "registry.ollama.ai/library/qwen2.5-coder:7b does not support tools",
        }),
      },
      { text: "<tool_call>{'name': 'bash', 'arguments': {'Command': 'echo done > out.txt',}}</tool_call>" },
      { text: "Wrote out.txt." },
    ],
    contextLength: 65536,
  });
  servers.push(fake);
  const sandbox = makeSandbox();
  const setup = providerSetup("ollama", fake.url);
  const run = await runHearth(sandbox, [...ARGS, "--model", setup.model, "write out.txt"], {
    env: setup.env,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(join(sandbox.project, "out.txt"), "utf8"), "done\n");
  assert.equal(fake.modelRequests.length, 3);
  assert.ok(Array.isArray(fake.modelRequests[0].body?.tools));
  assert.equal(fake.modelRequests[1].body?.tools, undefined);
  const final = run.events.at(-1);
  assert.equal(final?.type, "result");
  assert.equal(final?.is_error, false);
});
