import assert from "node:assert/strict";
import { mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as z from "zod/mini";
import { createWorkspace } from "../policy/workspace.ts";
import { ToolError } from "../protocol/tool-error.ts";
import { createBuiltinTools } from "./builtin-tools.ts";
import { createFileState } from "./file-state.ts";
import { type AnyTool, defineTool } from "./tool.ts";
import { createToolRuntime, OWN_TIMEOUT_GRACE_MS, type ToolPolicy } from "./tool-runtime.ts";
import { DEFAULT_TOOL_TIMEOUTS, resolveToolTimeouts } from "./tool-timeouts.ts";

const allowAll: ToolPolicy = async () => ({ decision: "allow" });
const signal = () => new AbortController().signal;

describe("tool runtime", () => {
  let base: string;
  let spillDir: string;
  let builtins: AnyTool[];
  let executed: unknown[];

  const echo = defineTool({
    name: "echo",
    description: "Echo.",
    schema: z.object({ text: z.string(), times: z.optional(z.int().check(z.minimum(1))) }),
    kind: "read",
    async execute(args) {
      executed.push(args);
      return { content: args.text.repeat(args.times ?? 1), details: { echoed: true } };
    },
  });
  const failing = (error: unknown) =>
    defineTool({
      name: "fail",
      description: "Fails.",
      schema: z.object({}),
      kind: "exec",
      async execute() {
        throw error;
      },
    });

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-runtime-")));
    spillDir = join(base, "spill");
    builtins = createBuiltinTools({
      workspace: createWorkspace({ root: base }),
      fileState: createFileState(),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      spillDir,
      rgPath: null,
    });
  });
  after(() => rm(base, { recursive: true, force: true }));

  it("describes the built-in tools in order, compactly, without $schema", () => {
    const runtime = createToolRuntime({ tools: builtins, policy: allowAll, spillDir });
    assert.deepEqual(
      runtime.specs.map((spec) => spec.name),
      ["read", "write", "edit", "bash", "grep", "glob", "ls"],
    );
    for (const spec of runtime.specs) {
      assert.equal(spec.parameters.$schema, undefined);
      assert.equal(spec.parameters.type, "object");
    }
    const json = JSON.stringify(runtime.specs);
    assert.ok(json.length < 6000, `specs are ${json.length} bytes`);
    assert.ok(!json.includes("9007199254740991"));
    const kinds = builtins.map((tool) => tool.kind);
    assert.deepEqual(kinds, ["read", "edit", "edit", "exec", "read", "read", "read"]);
  });

  it("names the available tools when the tool is unknown", async () => {
    const runtime = createToolRuntime({ tools: builtins, policy: allowAll, spillDir });
    const result = await runtime.run({ id: "1", name: "delete_everything", arguments: {} }, signal());
    assert.deepEqual(result, {
      content: 'unknown tool "delete_everything"; available tools: read, write, edit, bash, grep, glob, ls',
      isError: true,
    });
  });

  it("explains invalid arguments and how to recover", async () => {
    const runtime = createToolRuntime({ tools: builtins, policy: allowAll, spillDir });
    const result = await runtime.run(
      { id: "1", name: "edit", arguments: { path: "a.txt", new_string: "x" } },
      signal(),
    );
    assert.deepEqual(result, {
      content:
        "invalid arguments for edit: old_string: expected string, received undefined; re-issue the call with valid arguments",
      isError: true,
    });
    const many = await runtime.run({ id: "2", name: "read", arguments: { path: 3, offset: 0 } }, signal());
    assert.equal(
      many.content,
      "invalid arguments for read: path: expected string, received number; offset: must be >= 1; re-issue the call with valid arguments",
    );
  });

  it("asks the policy with the parsed arguments and reports a denial", async () => {
    executed = [];
    const seen: unknown[] = [];
    const runtime = createToolRuntime({
      tools: [echo],
      spillDir,
      policy: async (tool, args) => {
        seen.push([tool.name, args]);
        return { decision: "deny", reason: "echo is not allowed in plan mode" };
      },
    });
    const result = await runtime.run(
      { id: "1", name: "echo", arguments: { text: "hi", extra: true } },
      signal(),
    );
    assert.deepEqual(result, {
      content: "echo was not run: echo is not allowed in plan mode",
      isError: true,
    });
    assert.deepEqual(seen, [["echo", { text: "hi" }]]);
    assert.deepEqual(executed, []);
  });

  it("treats a throwing policy as a denial", async () => {
    const runtime = createToolRuntime({
      tools: [echo],
      spillDir,
      policy: async () => {
        throw new Error("settings unreadable");
      },
    });
    const result = await runtime.run({ id: "1", name: "echo", arguments: { text: "hi" } }, signal());
    assert.equal(result.isError, true);
    assert.match(result.content, /echo was not run: .*settings unreadable/);
  });

  it("runs allowed calls and passes details through", async () => {
    executed = [];
    const runtime = createToolRuntime({ tools: [echo], policy: allowAll, spillDir });
    const result = await runtime.run(
      { id: "1", name: "echo", arguments: { text: "ab", times: 2 } },
      signal(),
    );
    assert.deepEqual(result, { content: "abab", isError: false, details: { echoed: true } });
  });

  it("turns thrown errors into error results", async () => {
    const toolError = createToolRuntime({
      tools: [failing(new ToolError("read it first")), echo],
      policy: allowAll,
      spillDir,
    });
    assert.deepEqual(await toolError.run({ id: "1", name: "fail", arguments: {} }, signal()), {
      content: "read it first",
      isError: true,
    });
    const bug = createToolRuntime({
      tools: [failing(new TypeError("x is undefined"))],
      policy: allowAll,
      spillDir,
    });
    assert.deepEqual(await bug.run({ id: "1", name: "fail", arguments: {} }, signal()), {
      content: "fail failed: x is undefined",
      isError: true,
    });
    const odd = createToolRuntime({ tools: [failing("a string")], policy: allowAll, spillDir });
    assert.equal(
      (await odd.run({ id: "1", name: "fail", arguments: {} }, signal())).content,
      "fail failed: a string",
    );
  });

  it("caps long content and spills the full text to a file", async () => {
    const runtime = createToolRuntime({ tools: [echo], policy: allowAll, spillDir, maxChars: 1000 });
    const text = "0123456789".repeat(1000);
    const result = await runtime.run({ id: "call/7", name: "echo", arguments: { text } }, signal());
    assert.ok(result.content.length <= 1000, `content is ${result.content.length} chars`);
    assert.ok(result.content.startsWith("0123456789"));
    const match = /showing the first ([\d,]+) of 10,000 characters; the full output is in (\S+);/.exec(
      result.content,
    );
    assert.ok(match, result.content.slice(-300));
    assert.ok(match[2].startsWith(spillDir));
    assert.equal(await readFile(match[2], "utf8"), text);
  });

  it("gives the model only redacted results, redacted before the cut, and withholds one it cannot redact", async () => {
    const secret = "canary-0123456789abcdef";
    const redactForModel = async (text: string) => text.replaceAll(secret, "[REDACTED]");
    const runtime = createToolRuntime({
      tools: [echo],
      policy: allowAll,
      spillDir,
      maxChars: 1000,
      redactForModel,
    });
    const short = await runtime.run(
      { id: "1", name: "echo", arguments: { text: `a ${secret} b` } },
      signal(),
    );
    assert.deepEqual(short, { content: "a [REDACTED] b", isError: false, details: { echoed: true } });
    // The secret straddles the cut: no piece of it survives, in the result or in the spill file.
    const long = `${"x".repeat(490)}${secret}${"y".repeat(2000)}`;
    const cut = await runtime.run({ id: "2", name: "echo", arguments: { text: long } }, signal());
    assert.ok(!cut.content.includes("canary-01"), cut.content.slice(0, 600));
    const spill = /the full output is in (\S+);/.exec(cut.content)?.[1];
    assert.ok(spill);
    assert.ok(!(await readFile(spill, "utf8")).includes(secret));
    // Error results too: a denial that quotes the arguments, an unknown tool's name.
    const denying = createToolRuntime({
      tools: [echo],
      policy: async (_tool, args) => ({
        decision: "deny",
        reason: `not for ${(args as { text: string }).text}`,
      }),
      spillDir,
      redactForModel,
    });
    const denied = await denying.run({ id: "3", name: "echo", arguments: { text: secret } }, signal());
    assert.deepEqual(denied, { content: "echo was not run: not for [REDACTED]", isError: true });
    const broken = createToolRuntime({
      tools: [echo],
      policy: allowAll,
      spillDir,
      redactForModel: () => {
        throw new Error("boom");
      },
    });
    const withheld = await broken.run({ id: "4", name: "echo", arguments: { text: secret } }, signal());
    assert.equal(withheld.isError, true);
    assert.ok(!withheld.content.includes(secret));
    assert.match(withheld.content, /withheld/);
  });

  it("never throws, and does not run a call whose signal already fired", async () => {
    executed = [];
    const runtime = createToolRuntime({ tools: [echo], policy: allowAll, spillDir });
    const aborted = new AbortController();
    aborted.abort();
    const result = await runtime.run({ id: "1", name: "echo", arguments: { text: "x" } }, aborted.signal);
    assert.equal(result.isError, true);
    assert.match(result.content, /interrupted/);
    assert.deepEqual(executed, []);
    const weird = await runtime.run(
      { id: "2", name: "echo", arguments: null as unknown as Record<string, unknown> },
      signal(),
    );
    assert.equal(weird.isError, true);
  });

  it("runs a built-in tool end to end", async () => {
    const runtime = createToolRuntime({ tools: builtins, policy: allowAll, spillDir });
    const written = await runtime.run(
      { id: "1", name: "write", arguments: { path: "x/y.txt", content: "hi\n" } },
      signal(),
    );
    assert.equal(written.content, "Created x/y.txt (1 line, 3 bytes)");
    const read = await runtime.run({ id: "2", name: "read", arguments: { path: "x/y.txt" } }, signal());
    assert.equal(read.content, "     1\thi");
    const escaped = await runtime.run(
      { id: "3", name: "read", arguments: { path: "../../etc/passwd" } },
      signal(),
    );
    assert.equal(escaped.isError, true);
    assert.match(escaped.content, /outside the workspace/);
  });

  describe("watchdog", () => {
    /** A tool that never settles and never looks at its signal; records whether the signal was aborted. */
    const stuck = (kind: AnyTool["kind"], seen: { aborted?: boolean }) =>
      defineTool({
        name: "stuck",
        description: "Never ends.",
        schema: z.object({ timeout: z.optional(z.number()) }),
        kind,
        ownTimeoutMs: (args) => (args.timeout === undefined ? undefined : args.timeout * 1000),
        execute(_args, context) {
          context.signal.addEventListener("abort", () => {
            seen.aborted = true;
          });
          return new Promise(() => {});
        },
      });
    const timeouts = { read: 80, edit: 5000, exec: 5000, external: 5000 };

    it("ends a tool that never settles and ignores its signal, with a synthetic result", async () => {
      const seen: { aborted?: boolean } = {};
      const runtime = createToolRuntime({
        tools: [stuck("read", seen)],
        policy: allowAll,
        spillDir,
        timeouts,
      });
      const started = Date.now();
      const result = await runtime.run({ id: "1", name: "stuck", arguments: {} }, signal());
      const took = Date.now() - started;
      assert.ok(took >= 75 && took < 1000, `took ${took} ms`);
      assert.equal(result.isError, true);
      assert.match(result.content, /^stuck did not finish within 80ms and was stopped; .*FIFO/);
      assert.deepEqual(result.details, { watchdog: { kind: "read", timeoutMs: 80 } });
      assert.equal(seen.aborted, true, "the tool's signal is aborted");
    });

    it("uses the time of the tool's kind", async () => {
      const seen: { aborted?: boolean } = {};
      const runtime = createToolRuntime({
        tools: [stuck("exec", seen)],
        policy: allowAll,
        spillDir,
        timeouts: { ...timeouts, read: 5000, exec: 60 },
      });
      const result = await runtime.run({ id: "1", name: "stuck", arguments: {} }, signal());
      assert.deepEqual(result.details, { watchdog: { kind: "exec", timeoutMs: 60 } });
      assert.match(result.content, /larger timeout/);
    });

    it("never cuts a call shorter than the time it asked for, plus a grace for its own kill", async () => {
      const seen: { aborted?: boolean } = {};
      const runtime = createToolRuntime({
        tools: [stuck("exec", seen)],
        policy: allowAll,
        spillDir,
        timeouts: { ...timeouts, exec: 10 },
      });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const result = await runtime.run(
        { id: "1", name: "stuck", arguments: { timeout: 0.1 } },
        controller.signal,
      );
      // 100 ms asked + the grace > 300 ms: the watchdog had not fired when the interrupt came.
      assert.ok(OWN_TIMEOUT_GRACE_MS > 300);
      assert.equal(result.content, "stuck was interrupted (it did not stop when asked)");
    });

    it("gives up on a tool that ignores an interrupt after a short grace", async () => {
      const seen: { aborted?: boolean } = {};
      const runtime = createToolRuntime({
        tools: [stuck("edit", seen)],
        policy: allowAll,
        spillDir,
        timeouts,
      });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const result = await runtime.run({ id: "1", name: "stuck", arguments: {} }, controller.signal);
      assert.ok(Date.now() - started < 2500);
      assert.equal(result.isError, true);
      assert.equal(seen.aborted, true);
    });

    it("drops a result that comes after the watchdog fired", async () => {
      let finish: (value: { content: string }) => void = () => {};
      const late = defineTool({
        name: "late",
        description: "Late.",
        schema: z.object({}),
        kind: "read",
        execute: () => new Promise((resolve) => (finish = resolve)),
      });
      const runtime = createToolRuntime({ tools: [late], policy: allowAll, spillDir, timeouts });
      const result = await runtime.run({ id: "1", name: "late", arguments: {} }, signal());
      finish({ content: "too late" });
      assert.match(result.content, /did not finish within/);
    });

    it("resolves per-kind times from settings and the flag", () => {
      assert.deepEqual(resolveToolTimeouts(), DEFAULT_TOOL_TIMEOUTS);
      assert.deepEqual(resolveToolTimeouts(30), {
        read: 30_000,
        edit: 30_000,
        exec: 30_000,
        external: 30_000,
      });
      assert.deepEqual(resolveToolTimeouts({ read: 5, external: 20 }), {
        ...DEFAULT_TOOL_TIMEOUTS,
        read: 5000,
        external: 20_000,
      });
      assert.deepEqual(resolveToolTimeouts({ read: 5 }, 1000), {
        read: 1000,
        edit: 1000,
        exec: 1000,
        external: 1000,
      });
    });
  });
});
