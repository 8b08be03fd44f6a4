/**
 * End to end, once per wire protocol: the built hearth binary, headless, against the fake server. The model reads
 * hello.txt with a tool, runs `echo done > out.txt` with bash, then answers.
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

const PROTOCOLS = ["anthropic-messages", "openai-responses", "gemini", "ollama", "openai-chat"] as const;

for (const protocol of PROTOCOLS) {
  for (const stream of [true, false]) {
    test(`${protocol}${stream ? "" : " (not streamed)"}: read, bash, answer`, async () => {
      const fake = await startFakeServer({
        script: [
          {
            toolCalls: [{ name: "read", arguments: { path: "hello.txt" } }],
            usage: { input: 100, output: 10 },
          },
          {
            toolCalls: [{ name: "bash", arguments: { command: "echo done > out.txt" } }],
            usage: { input: 150, output: 12 },
          },
          { text: "All done: out.txt written.", usage: { input: 200, output: 8 } },
        ],
        contextLength: 65536,
      });
      servers.push(fake);
      const sandbox = makeSandbox({ "hello.txt": "hello from the workspace\n" });
      const setup = providerSetup(protocol, fake.url);
      const provider = setup.model.split("/")[0];
      const custom = (setup.settings ?? {}) as { providers?: Record<string, object> };
      writeSettings(sandbox, "user", {
        providers: {
          ...custom.providers,
          ...(stream ? {} : { [provider]: { ...custom.providers?.[provider], stream: false } }),
        },
      });
      const run = await runHearth(
        sandbox,
        [
          "-p",
          "--permission-mode",
          "auto",
          "--output-format",
          "stream-json",
          "--model",
          setup.model,
          "write out.txt",
        ],
        { env: setup.env },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(readFileSync(join(sandbox.project, "out.txt"), "utf8"), "done\n");

      const types = run.events.map((e) => e.type);
      assert.equal(types[0], "session_info");
      assert.deepEqual(types.slice(-3), ["prompt_ended", "session_closed", "result"]);
      const info = run.events[0];
      assert.equal(info.model, setup.model);
      assert.equal(info.cwd, sandbox.project);
      assert.deepEqual(info.tools, ["read", "write", "edit", "bash", "grep", "glob", "ls"]);
      assert.equal(info.sessionId, run.events.at(-1)?.session_id);

      const calls = run.events.filter((e) => e.type === "tool_call_started");
      assert.deepEqual(
        calls.map((e) => (e.call as { name: string }).name),
        ["read", "bash"],
      );
      const results = run.events.filter((e) => e.type === "tool_call_ended");
      assert.equal(results.length, 2);
      assert.ok(
        results.every((e) => e.isError === false),
        JSON.stringify(results),
      );
      assert.match(String(results[0].content), /hello from the workspace/);
      const responses = run.events.filter((e) => e.type === "message_ended") as Array<{
        timing: { durationMs: unknown; ttftMs: unknown };
      }>;
      assert.equal(responses.length, 3);
      assert.ok(
        responses.every(
          (e) => typeof e.timing.durationMs === "number" && typeof e.timing.ttftMs === "number",
        ),
      );
      if (stream) assert.ok(run.events.some((e) => e.type === "text_delta"));

      const result = run.events.at(-1)!;
      assert.equal(result.subtype, "success");
      assert.equal(result.result, "All done: out.txt written.");
      assert.equal(result.num_turns, 3);
      assert.deepEqual(result.usage, {
        input_tokens: 450,
        output_tokens: 30,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
      });

      // The file's content reached the model in the second request; the key never appears in any body.
      assert.equal(fake.modelRequests.length, 3);
      assert.match(JSON.stringify(fake.modelRequests[1].body), /hello from the workspace/);
      for (const key of Object.values(setup.env)) {
        if (key.startsWith("test-"))
          assert.ok(!JSON.stringify(fake.requests.map((r) => r.body)).includes(key));
      }
      if (protocol === "ollama") {
        const options = fake.modelRequests[0].body?.options as { num_ctx?: number };
        assert.equal(options.num_ctx, 32768, "num_ctx = model context (65536) capped at the default 32768");
        assert.equal(fake.modelRequests[0].body?.keep_alive, "30m");
      }
    });
  }
}
