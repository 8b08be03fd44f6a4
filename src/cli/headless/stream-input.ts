/**
 * The lines `--input-format stream-json` reads on stdin: one JSON object a line, each a command of the protocol
 * (src/protocol/commands.ts, the vocabulary the output speaks too) or, for programs written for Claude Code, its
 * user message `{"type":"user","message":{"role":"user","content":"text" | [{"type":"text","text":"..."}]}}`,
 * taken as a prompt, with its image blocks (`{"type":"image","source":{"type":"base64","media_type":...,
 * "data":...}}`) as image attachments. Checked strictly here, at the wire: a line that is not exactly one of these
 * (not JSON, an unknown type, a missing, null or unknown field, an image that is not base64 of a PNG, JPEG, GIF or
 * WebP under the cap) is refused with what is wrong and what to send instead, and nothing of it reaches the
 * session; so a malformed answer to a permission request is never taken as a yes.
 */
import * as z from "zod/mini";
import type { Attachment, Command, CommandOf, CommandType } from "../../protocol/commands.ts";
import { IMAGE_MEDIA_TYPES, imageFromBase64 } from "../../protocol/images.ts";
import { PERMISSION_MODES } from "../../protocol/permissions.ts";
import { formatIssue } from "../../schema/issues.ts";

export type InputLine = { ok: true; command: Command } | { ok: false; problem: string };

/** Longest line taken, in characters: as much as a piped prompt may be (read-prompt.ts). */
export const INPUT_LINE_LIMIT = 10_000_000;

const Text = z.string().check(z.refine((text) => text.trim() !== "", "must not be empty"));

const Answer = z.discriminatedUnion("decision", [
  z.strictObject({ decision: z.literal("allow_once") }),
  z.strictObject({ decision: z.literal("allow_session") }),
  z.strictObject({ decision: z.literal("allow_always") }),
  z.strictObject({ decision: z.literal("deny"), reason: z.optional(z.string()) }),
]);

const bare = <K extends CommandType>(type: K) => z.strictObject({ type: z.literal(type) });

const AttachmentSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("file"), path: Text }),
  z.strictObject({ type: z.literal("image"), path: Text }),
  z.strictObject({
    type: z.literal("image_data"),
    mediaType: z.enum(IMAGE_MEDIA_TYPES),
    data: z.string(),
    name: z.optional(Text),
  }),
]);

/** One schema per command; stream-input.test.ts checks that each parses exactly its type in commands.ts. */
export const COMMAND_SCHEMAS = {
  prompt: z.strictObject({
    type: z.literal("prompt"),
    text: Text,
    attachments: z.optional(z.array(AttachmentSchema)),
  }),
  shell: z.strictObject({ type: z.literal("shell"), command: Text }),
  interrupt: bare("interrupt"),
  answer_permission: z.strictObject({
    type: z.literal("answer_permission"),
    requestId: Text,
    answer: Answer,
  }),
  set_model: z.strictObject({ type: z.literal("set_model"), model: Text }),
  set_mode: z.strictObject({ type: z.literal("set_mode"), mode: z.enum(PERMISSION_MODES) }),
  set_runtime: z.strictObject({ type: z.literal("set_runtime"), runtime: Text }),
  compact: bare("compact"),
  undo: bare("undo"),
  close: bare("close"),
} satisfies { [K in CommandType]: z.ZodMiniType<CommandOf<K>> };

/** A line of each command, for the message that says what to send instead. */
const EXAMPLES: { [K in CommandType]: CommandOf<K> } = {
  prompt: { type: "prompt", text: "fix the failing test" },
  shell: { type: "shell", command: "git status" },
  interrupt: { type: "interrupt" },
  answer_permission: { type: "answer_permission", requestId: "perm_1", answer: { decision: "allow_once" } },
  set_model: { type: "set_model", model: "anthropic/claude-sonnet-4-5" },
  set_mode: { type: "set_mode", mode: "edits" },
  set_runtime: { type: "set_runtime", runtime: "claude" },
  compact: { type: "compact" },
  undo: { type: "undo" },
  close: { type: "close" },
};

/** Claude Code's user message. The other fields its SDK sends (session_id, parent_tool_use_id) are ignored. */
const ClaudeUser = z.looseObject({
  type: z.literal("user"),
  message: z.looseObject({ role: z.literal("user"), content: z.unknown() }),
});
const ClaudeBlocks = z.array(
  z.discriminatedUnion("type", [
    z.looseObject({ type: z.literal("text"), text: z.string() }),
    z.looseObject({
      type: z.literal("image"),
      source: z.looseObject({
        type: z.literal("base64"),
        media_type: z.enum(IMAGE_MEDIA_TYPES),
        data: z.string(),
      }),
    }),
  ]),
);
const CLAUDE_EXAMPLE = '{"type":"user","message":{"role":"user","content":"fix the failing test"}}';

const TYPES = Object.keys(COMMAND_SCHEMAS) as CommandType[];
const SEND_A_COMMAND =
  `send one JSON object a line: a command (${TYPES.join(", ")}), e.g. ${JSON.stringify(EXAMPLES.prompt)}, ` +
  `or Claude Code's user message ${CLAUDE_EXAMPLE}`;

/** One line of stdin (without its line break) as a command, or what is wrong with it and what to send instead. */
export function parseInputLine(line: string): InputLine {
  if (line.length > INPUT_LINE_LIMIT)
    return refused(
      `the line is over ${INPUT_LINE_LIMIT} characters; put the text (or the images) in files of the workspace and attach them`,
    );
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return refused(`not JSON (${(error as Error).message}); ${SEND_A_COMMAND}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return refused(`not a JSON object; ${SEND_A_COMMAND}`);
  const type = (value as { type?: unknown }).type;
  if (type === "user") return claudeUserMessage(value);
  if (typeof type !== "string" || !Object.hasOwn(COMMAND_SCHEMAS, type)) {
    const what = type === undefined ? 'no "type"' : `unknown type ${JSON.stringify(type)}`;
    return refused(`${what}; ${SEND_A_COMMAND}`);
  }
  const command = type as CommandType;
  const parsed = z.safeParse(COMMAND_SCHEMAS[command], value, { reportInput: true });
  if (!parsed.success)
    return refused(`${command}: ${issues(parsed.error)}; send e.g. ${JSON.stringify(EXAMPLES[command])}`);
  if (parsed.data.type === "prompt") {
    const problem = imageProblem(parsed.data.attachments ?? [], "attachments");
    if (problem) return refused(`prompt: ${problem}`);
  }
  return { ok: true, command: parsed.data };
}

/** What is wrong with the first image sent as base64 (`where[i]: ...`), or null. */
function imageProblem(attachments: Attachment[], where: string): string | null {
  for (const [i, attachment] of attachments.entries()) {
    if (attachment.type !== "image_data") continue;
    const checked = imageFromBase64(attachment.data, attachment.mediaType);
    if (!checked.ok) return `${where}[${i}]: ${checked.problem}`;
  }
  return null;
}

function claudeUserMessage(value: unknown): InputLine {
  const parsed = z.safeParse(ClaudeUser, value, { reportInput: true });
  if (!parsed.success) return refused(`user: ${issues(parsed.error)}; send e.g. ${CLAUDE_EXAMPLE}`);
  const { content } = parsed.data.message;
  let text: string;
  const attachments: Attachment[] = [];
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    const blocks = z.safeParse(ClaudeBlocks, content, { reportInput: true });
    if (!blocks.success)
      return refused(
        `user: ${issues(blocks.error, "message.content")}; hearth takes text blocks and base64 image blocks ` +
          `(no tool results), e.g. ${CLAUDE_EXAMPLE}`,
      );
    const texts: string[] = [];
    for (const [i, block] of blocks.data.entries()) {
      if (block.type === "text") {
        texts.push(block.text);
        continue;
      }
      const checked = imageFromBase64(block.source.data, block.source.media_type);
      if (!checked.ok) return refused(`user: message.content[${i}]: ${checked.problem}`);
      attachments.push({ type: "image_data", mediaType: checked.image.mediaType, data: block.source.data });
    }
    text = texts.join("\n\n");
  } else
    return refused(
      `user: message.content must be a string or an array of {"type":"text","text":"..."} and image blocks; send e.g. ${CLAUDE_EXAMPLE}`,
    );
  if (text.trim() === "") {
    const images = attachments.length > 0 ? " (say what to do with its images)" : "";
    return refused(`user: the message has no text${images}; send e.g. ${CLAUDE_EXAMPLE}`);
  }
  return { ok: true, command: { type: "prompt", text, ...(attachments.length > 0 ? { attachments } : {}) } };
}

/** Every issue, "path: what is wrong", the path under `under` (array items: `under[1].type`). */
function issues(error: z.core.$ZodError, under = ""): string {
  return error.issues.map((issue) => `${under}${formatIssue(issue)}`).join("; ");
}

function refused(problem: string): InputLine {
  return { ok: false, problem };
}
