/**
 * A session as Markdown, for `hearth sessions show` and `export --format md`, and as JSON for `export --format
 * json`. An image is shown by its placeholder (`[image: shot.png, 120 kB]`) or, in JSON, as its part without the
 * base64 (`bytes` in its place): an export is for reading, and the session file keeps the image.
 */
import { decodedLength, userText } from "../protocol/images.ts";
import type { Message } from "../protocol/messages.ts";
import { replayMessages, type SessionHeader, type SessionRecord } from "../store/session-records.ts";

/** Longest tool output shown in full; longer output is cut with a note. */
const MAX_TOOL_OUTPUT = 2000;

export function sessionMarkdown(header: SessionHeader, records: SessionRecord[]): string {
  const out: string[] = [
    `# ${header.title || "(untitled session)"}`,
    "",
    `- session: ${header.id}`,
    `- directory: ${header.cwd}`,
    `- model: ${header.model}`,
    `- started: ${header.createdAt} (hearth ${header.version})`,
  ];
  if (header.parent) out.push(`- forked from: ${header.parent.id} at turn ${header.parent.turn}`);
  let turn = 0;
  for (const record of records) {
    if ("turn" in record && record.turn !== turn) {
      turn = record.turn;
      out.push("", `## Turn ${turn}`);
    }
    switch (record.type) {
      case "message":
        out.push("", ...messageLines(record.message));
        break;
      case "model":
        out.push("", `_model changed to ${record.model}_`);
        break;
      case "mode":
        out.push("", `_permission mode changed to ${record.mode}_`);
        break;
      case "compaction":
        out.push("", "_earlier turns were summarised to fit the model's context:_", "", record.summary);
        break;
      case "runtime":
        // Recorded twice a turn: when it starts, and once the child says its session id.
        if (record.childSessionId)
          out.push("", `_run by ${record.runtime} (its session ${record.childSessionId})_`);
        break;
      case "run_ended":
        if (record.reason !== "done") out.push("", `_run ended: ${record.reason}_`);
        break;
    }
  }
  return `${out.join("\n")}\n`;
}

function messageLines(message: Message): string[] {
  if (message.role === "user") return ["**User:**", "", userText(message.content)];
  if (message.role === "tool") {
    const body =
      message.content.length > MAX_TOOL_OUTPUT
        ? `${message.content.slice(0, MAX_TOOL_OUTPUT)}\n… (${message.content.length - MAX_TOOL_OUTPUT} more characters)`
        : message.content;
    return [`**${message.toolName} ${message.isError ? "failed" : "result"}:**`, "", fence(body)];
  }
  const lines: string[] = ["**Assistant:**"];
  for (const part of message.content) {
    if (part.type === "text" && part.text.trim()) lines.push("", part.text);
    else if (part.type === "tool_call") lines.push("", `→ ${part.name} ${JSON.stringify(part.arguments)}`);
  }
  return lines;
}

function fence(text: string): string {
  const ticks = "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}\n${text}\n${ticks}`;
}

/** `export --format json`: the header, the conversation as a model would be sent it, and every record. */
export function sessionJson(header: SessionHeader, records: SessionRecord[]): string {
  const exported = {
    header,
    messages: replayMessages(records).messages.map(withoutImageData),
    records: records.map((record) =>
      record.type === "message" ? { ...record, message: withoutImageData(record.message) } : record,
    ),
  };
  return `${JSON.stringify(exported, null, 2)}\n`;
}

function withoutImageData(message: Message): Message | object {
  if (message.role !== "user" || typeof message.content === "string") return message;
  return {
    ...message,
    content: message.content.map((part) =>
      part.type === "image"
        ? {
            type: "image",
            mediaType: part.mediaType,
            ...(part.name ? { name: part.name } : {}),
            bytes: decodedLength(part.data),
          }
        : part,
    ),
  };
}
