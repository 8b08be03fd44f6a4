import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCliArgs, UsageError } from "./args.ts";
import { closestName } from "./closest-name.ts";

describe("parseCliArgs", () => {
  it("parses --max-time as a duration and --max-cost as dollars; a bad value is a usage error", () => {
    const options = parseCliArgs(["-p", "--max-time", "2m", "--max-cost", "0.50", "x"]);
    assert.equal(options.maxTimeMs, 120_000);
    assert.equal(options.maxCostUsd, 0.5);
    assert.equal(parseCliArgs(["-p", "--max-time", "500ms", "x"]).maxTimeMs, 500);
    assert.equal(parseCliArgs(["-p", "x"]).maxTimeMs, undefined);
    assert.equal(parseCliArgs(["-p", "x"]).maxCostUsd, undefined);
    for (const bad of ["90", "0s", "-3s", "soon", "3 days", ""])
      assert.throws(
        () => parseCliArgs(["-p", `--max-time=${bad}`, "x"]),
        (error: Error) =>
          error instanceof UsageError &&
          /--max-time must be a duration such as 90s, 2m, 1h/.test(error.message),
        bad,
      );
    for (const bad of ["0", "-1", "$1", "1e3", "abc", "Infinity", ""])
      assert.throws(
        () => parseCliArgs(["-p", `--max-cost=${bad}`, "x"]),
        (error: Error) =>
          error instanceof UsageError && /--max-cost must be an amount in US dollars/.test(error.message),
        bad,
      );
  });

  it("maps Claude Code's permission modes; bypassPermissions is auto", () => {
    const mode = (name: string) => parseCliArgs(["-p", "--permission-mode", name, "x"]).permissionMode;
    assert.equal(mode("acceptEdits"), "edits");
    assert.equal(mode("bypassPermissions"), "auto");
    assert.equal(mode("default"), "ask");
    assert.equal(mode("plan"), "plan");
    assert.equal(mode("edits"), "edits");
    assert.throws(
      () => mode("yolo"),
      /--permission-mode must be one of ask, edits, auto, plan \(or Claude Code's/,
    );
  });

  it("collects --allowedTools and --disallowedTools values, leaving the prompt", () => {
    const options = parseCliArgs([
      "-p",
      "--allowedTools",
      "Bash(git diff:*),Edit",
      "Read",
      "--disallowedTools",
      "Write",
      "review the diff",
    ]);
    assert.deepEqual(options.allowedTools, ["Bash(git diff:*)", "Edit", "Read"]);
    assert.deepEqual(options.disallowedTools, ["Write"]);
    assert.equal(options.prompt, "review the diff");
  });

  it("parses --append-system-prompt, --quiet, --verbose, claude-stream-json and --allow-home-workspace", () => {
    const options = parseCliArgs([
      "-p",
      "--append-system-prompt",
      "Answer in French.",
      "--quiet",
      "--verbose",
      "--output-format",
      "claude-stream-json",
      "--allow-home-workspace",
      "x",
    ]);
    assert.equal(options.appendSystemPrompt, "Answer in French.");
    assert.equal(options.quiet, true);
    assert.equal(options.verbose, true);
    assert.equal(options.outputFormat, "claude-stream-json");
    assert.equal(options.allowHomeWorkspace, true);
    const plain = parseCliArgs(["-p", "x"]);
    assert.equal(plain.quiet, false);
    assert.equal(plain.allowHomeWorkspace, false);
  });

  it("reads --tool-timeout as a duration; anything else is a usage error", () => {
    assert.equal(parseCliArgs(["-p", "--tool-timeout", "90s", "x"]).toolTimeoutMs, 90_000);
    assert.equal(parseCliArgs(["-p", "--tool-timeout", "500ms", "x"]).toolTimeoutMs, 500);
    assert.equal(parseCliArgs(["-p", "--tool-timeout", "2m", "x"]).toolTimeoutMs, 120_000);
    assert.equal(parseCliArgs(["-p", "x"]).toolTimeoutMs, undefined);
    for (const bad of ["0s", "soon", "5 min", "3d"]) {
      assert.throws(
        () => parseCliArgs(["-p", "--tool-timeout", bad, "x"]),
        (error: Error) =>
          error instanceof UsageError &&
          error.message.startsWith("--tool-timeout must be a duration such as 90s"),
      );
    }
  });

  it("--input-format stream-json takes commands on stdin: with -p and --output-format stream-json only", () => {
    const stream = ["--input-format", "stream-json", "--output-format", "stream-json"];
    assert.equal(parseCliArgs(["-p", "x"]).inputFormat, "text");
    const options = parseCliArgs(["-p", ...stream]);
    assert.equal(options.inputFormat, "stream-json");
    assert.equal(options.prompt, null);
    assert.equal(parseCliArgs(["-p", ...stream, "first", "task"]).prompt, "first task");
    const usage = (args: string[], message: RegExp) =>
      assert.throws(
        () => parseCliArgs(args),
        (error: Error) => error instanceof UsageError && message.test(error.message),
        args.join(" "),
      );
    usage(["-p", "--input-format", "stream-json", "x"], /needs --output-format stream-json \(got "text"\)/);
    usage(["-p", "--input-format", "stream-json", "--output-format", "json"], /\(got "json"\)/);
    usage(stream, /^--input-format stream-json is for headless runs: hearth -p /);
    usage(
      ["-p", "--input-format", "jsonl", "x"],
      /^--input-format must be one of text, stream-json \(got "jsonl"\)$/,
    );
  });

  it("a bad flag is one short line, without node's advice about --", () => {
    assert.throws(
      () => parseCliArgs(["-p", "--bogus", "x"]),
      (error: Error) => error instanceof UsageError && error.message === "unknown option '--bogus'",
    );
  });
});

describe("closestName", () => {
  it("finds swaps, missing and extra letters; not words far from every name", () => {
    const names = ["models", "sessions", "show", "undo", "keys"];
    assert.equal(closestName("modles", names), "models");
    assert.equal(closestName("sesions", names), "sessions");
    assert.equal(closestName("shwo", names), "show");
    assert.equal(closestName("model", names), "models");
    assert.equal(closestName("fix", names), null);
    assert.equal(closestName("explain", names), null);
    assert.equal(closestName("models", names), null);
  });
});
