import assert from "node:assert/strict";
import { test } from "node:test";
import type * as z from "zod/mini";
import { largePng, makePng } from "../../../test/support/images.ts";
import type { Command, CommandOf, CommandType, PermissionAnswer } from "../../protocol/commands.ts";
import { COMMAND_SCHEMAS, INPUT_LINE_LIMIT, parseInputLine } from "./stream-input.ts";

const PNG = makePng().toString("base64");

/** The keys of every member of a union. */
type Keys<T> = T extends unknown ? keyof T : never;
/** True when A and B accept the same values and name the same fields (optional ones too). */
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [Keys<A>] extends [Keys<B>]
      ? [Keys<B>] extends [Keys<A>]
        ? true
        : false
      : false
    : false
  : false;
type Parsed<K extends CommandType> = z.output<(typeof COMMAND_SCHEMAS)[K]>;

// Fails to compile when a command of commands.ts gains, loses or changes a field its schema does not.
const exact: { [K in CommandType]: Same<Parsed<K>, CommandOf<K>> } & {
  answer: Same<Parsed<"answer_permission">["answer"], PermissionAnswer>;
} = {
  prompt: true,
  shell: true,
  interrupt: true,
  answer_permission: true,
  set_model: true,
  set_mode: true,
  set_runtime: true,
  compact: true,
  undo: true,
  close: true,
  answer: true,
};

function command(line: string): Command {
  const parsed = parseInputLine(line);
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problem);
  return parsed.command;
}

function problem(line: string): string {
  const parsed = parseInputLine(line);
  assert.ok(!parsed.ok, `taken: ${line}`);
  return parsed.problem;
}

test("every command of the protocol is taken as it is written", () => {
  assert.equal(Object.keys(exact).length, Object.keys(COMMAND_SCHEMAS).length + 1);
  const lines: Command[] = [
    { type: "prompt", text: "fix it" },
    { type: "shell", command: "git status" },
    { type: "prompt", text: "review", attachments: [{ type: "file", path: "src/a.ts" }] },
    {
      type: "prompt",
      text: "what is wrong here?",
      attachments: [
        { type: "image", path: "shots/shot.png" },
        { type: "image_data", mediaType: "image/png", data: PNG, name: "pasted" },
        { type: "image_data", mediaType: "image/png", data: PNG },
      ],
    },
    { type: "interrupt" },
    { type: "answer_permission", requestId: "perm_1", answer: { decision: "allow_once" } },
    { type: "answer_permission", requestId: "perm_2", answer: { decision: "allow_session" } },
    { type: "answer_permission", requestId: "perm_3", answer: { decision: "allow_always" } },
    { type: "answer_permission", requestId: "perm_4", answer: { decision: "deny" } },
    { type: "answer_permission", requestId: "perm_5", answer: { decision: "deny", reason: "not that file" } },
    { type: "set_model", model: "anthropic/claude-sonnet-4-5" },
    { type: "set_mode", mode: "plan" },
    { type: "compact" },
    { type: "undo" },
    { type: "close" },
  ];
  for (const line of lines) assert.deepEqual(command(JSON.stringify(line)), line);
  assert.deepEqual(command('  {"type":"interrupt"}\r'), { type: "interrupt" }, "spaces and a CR around it");
});

test("Claude Code's user message is a prompt: a string, or its text blocks joined", () => {
  assert.deepEqual(command('{"type":"user","message":{"role":"user","content":"explain main.ts"}}'), {
    type: "prompt",
    text: "explain main.ts",
  });
  const blocks = {
    type: "user",
    message: {
      role: "user",
      content: [
        { type: "text", text: "first" },
        { type: "text", text: "second" },
      ],
    },
    session_id: "default",
    parent_tool_use_id: null,
  };
  assert.deepEqual(command(JSON.stringify(blocks)), { type: "prompt", text: "first\n\nsecond" });
  const toolResult = {
    type: "user",
    message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] },
  };
  assert.match(
    problem(JSON.stringify(toolResult)),
    /message\.content\[0\]\.type: must be one of "text", "image".*text blocks and base64 image blocks \(no tool results\)/,
  );
  assert.match(
    problem('{"type":"user","message":{"role":"assistant","content":"hi"}}'),
    /^user: message\.role: must be one of "user"; send e\.g\. \{"type":"user"/,
  );
  assert.match(
    problem('{"type":"user","message":{"role":"user","content":5}}'),
    /must be a string or an array/,
  );
  assert.match(problem('{"type":"user","message":{"role":"user","content":"  "}}'), /has no text/);
});

const claudeImage = (source: Record<string, unknown>, text = "what is this?") =>
  JSON.stringify({
    type: "user",
    message: {
      role: "user",
      content: [
        { type: "image", source: { type: "base64", media_type: "image/png", data: PNG, ...source } },
        { type: "text", text },
      ],
    },
  });

test("Claude Code's image blocks become image attachments of the prompt, checked at the wire", () => {
  assert.deepEqual(command(claudeImage({})), {
    type: "prompt",
    text: "what is this?",
    attachments: [{ type: "image_data", mediaType: "image/png", data: PNG }],
  });
  // The bytes say what they are: a PNG declared as a JPEG goes on as a PNG.
  assert.deepEqual(command(claudeImage({ media_type: "image/jpeg" })), command(claudeImage({})));
  assert.match(
    problem(claudeImage({ media_type: "image/svg+xml" })),
    /^user: message\.content\[0\]\.source\.media_type: must be one of "image\/png", "image\/jpeg", "image\/gif", "image\/webp"/,
  );
  assert.match(
    problem(claudeImage({ type: "url", url: "https://example.com/a.png" })),
    /^user: message\.content\[0\]\.source\.type: must be one of "base64"/,
  );
  assert.equal(
    problem(claudeImage({ data: `${PNG.slice(0, 10)}\n${PNG.slice(10)}` })),
    "user: message.content[0]: the data is not base64 (standard alphabet, padded with =, no line breaks)",
  );
  assert.match(
    problem(claudeImage({ data: Buffer.from("a text file").toString("base64") })),
    /^user: message\.content\[0\]: it is not a PNG, JPEG, GIF or WebP image/,
  );
  assert.match(
    problem(claudeImage({ data: largePng(4_500_000).toString("base64") })),
    /^user: message\.content\[0\]: it is 4\.5 MB; an image may be at most 3\.9 MB \(5 MiB once base64-encoded/,
  );
  assert.match(
    problem(claudeImage({}, " ")),
    /^user: the message has no text \(say what to do with its images\)/,
  );
  // Two of the largest images do not fit one line: files do.
  assert.equal(
    problem(" ".repeat(INPUT_LINE_LIMIT + 1)),
    `the line is over ${INPUT_LINE_LIMIT} characters; put the text (or the images) in files of the workspace and attach them`,
  );
});

test("a prompt's image_data is checked as strictly as Claude Code's image blocks", () => {
  const line = (attachment: Record<string, unknown>) =>
    JSON.stringify({
      type: "prompt",
      text: "look",
      attachments: [{ type: "file", path: "a.ts" }, attachment],
    });
  assert.match(
    problem(line({ type: "image_data", mediaType: "image/bmp", data: PNG })),
    /^prompt: attachments\[1\]\.mediaType: must be one of "image\/png", /,
  );
  assert.match(
    problem(line({ type: "image_data", mediaType: "image/png", data: "not base64!" })),
    /^prompt: attachments\[1\]: the data is not base64/,
  );
  assert.match(
    problem(line({ type: "image_data", mediaType: "image/png", data: PNG, path: "x.png" })),
    /^prompt: attachments\[1\]: unknown key "path"/,
  );
  assert.match(
    problem(line({ type: "image", path: "" })),
    /^prompt: attachments\[1\]\.path: must not be empty/,
  );
  assert.match(
    problem(line({ type: "picture", path: "x.png" })),
    /^prompt: attachments\[1\]\.type: must be one of "file", "image", "image_data"/,
  );
});

test("a line that is not JSON, not an object or of no known type says what to send instead", () => {
  for (const line of ['{"type":"prompt",', "hello", "yes"])
    assert.match(
      problem(line),
      /^not JSON \(.+\); send one JSON object a line: a command \(prompt, shell, interrupt, answer_permission, set_model, set_mode, set_runtime, compact, undo, close\), e\.g\. \{"type":"prompt","text":"fix the failing test"\}, or Claude Code's user message/,
      line,
    );
  for (const line of ["[1]", "null", '"allow_once"', "true"])
    assert.match(problem(line), /^not a JSON object; send /);
  assert.match(
    problem('{"type":"approve","requestId":"perm_1"}'),
    /^unknown type "approve"; send one JSON object/,
  );
  assert.match(problem('{"requestId":"perm_1","answer":{"decision":"allow_once"}}'), /^no "type"; send /);
  assert.match(problem('{"type":7}'), /^unknown type 7; /);
  assert.match(
    problem('{"type":"toString"}'),
    /^unknown type "toString"; /,
    "no inherited name is a command",
  );
});

test("an answer with a missing, null or unknown field is refused, never taken as a yes", () => {
  const example =
    'send e.g. {"type":"answer_permission","requestId":"perm_1","answer":{"decision":"allow_once"}}';
  const cases: Array<[unknown, string]> = [
    [{ type: "answer_permission", requestId: "perm_1" }, "answer: expected object, received undefined"],
    [
      { type: "answer_permission", requestId: "perm_1", answer: null },
      "answer: expected object, received null",
    ],
    [
      { type: "answer_permission", requestId: null, answer: { decision: "allow_once" } },
      "requestId: expected string, received null",
    ],
    [
      { type: "answer_permission", answer: { decision: "allow_once" } },
      "requestId: expected string, received undefined",
    ],
    [
      { type: "answer_permission", requestId: "", answer: { decision: "allow_once" } },
      "requestId: must not be empty",
    ],
    [
      { type: "answer_permission", requestId: "perm_1", answer: { decision: null } },
      'answer.decision: must be one of "allow_once", "allow_session", "allow_always", "deny"',
    ],
    [
      { type: "answer_permission", requestId: "perm_1", answer: { decision: "yes" } },
      'answer.decision: must be one of "allow_once", "allow_session", "allow_always", "deny"',
    ],
    [
      { type: "answer_permission", requestId: "perm_1", answer: {} },
      'answer.decision: must be one of "allow_once", "allow_session", "allow_always", "deny"',
    ],
    [
      { type: "answer_permission", requestId: "perm_1", answer: { decision: "deny", reason: null } },
      "answer.reason: expected string, received null",
    ],
    [
      { type: "answer_permission", requestId: "perm_1", answer: { decision: "allow_once", reason: "ok" } },
      'answer: unknown key "reason"',
    ],
    [
      { type: "answer_permission", requestId: "perm_1", answer: { decision: "allow_once" }, always: true },
      'unknown key "always"',
    ],
    [
      { type: "answer_permission", requestId: "perm_1", answer: "allow_once" },
      "answer: expected object, received string",
    ],
  ];
  for (const [line, wrong] of cases)
    assert.equal(problem(JSON.stringify(line)), `answer_permission: ${wrong}; ${example}`);
});

test("other commands are checked as strictly", () => {
  assert.equal(
    problem('{"type":"prompt","text":""}'),
    'prompt: text: must not be empty; send e.g. {"type":"prompt","text":"fix the failing test"}',
  );
  assert.match(
    problem('{"type":"prompt","prompt":"hi"}'),
    /^prompt: text: expected string, received undefined; unknown key "prompt"; /,
  );
  assert.match(
    problem('{"type":"prompt","text":"hi","attachments":[{"path":"a"}]}'),
    /attachments\[0\]\.type: must be one of "file", "image", "image_data"/,
  );
  assert.match(
    problem('{"type":"set_mode","mode":"yolo"}'),
    /^set_mode: mode: must be one of "ask", "edits", "auto", "plan"; /,
  );
  assert.match(
    problem('{"type":"set_model","model":null}'),
    /^set_model: model: expected string, received null; /,
  );
  assert.match(
    problem('{"type":"interrupt","now":true}'),
    /^interrupt: unknown key "now"; send e\.g\. \{"type":"interrupt"\}$/,
  );
});
