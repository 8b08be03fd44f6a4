/**
 * ACP content both ways. A prompt's blocks become one runtime prompt: text as it is, images as image attachments,
 * a link to a workspace file as a file (or image) attachment, so the runtime reads it under the same policy as a
 * read (a secret is refused), and an embedded resource's text put before the prompt. A stored conversation
 * becomes the updates `session/load` replays: the person's messages, the answers, each tool call and its result.
 */
import { fileURLToPath } from "node:url";
import type { ContentBlock, SessionUpdate } from "@agentclientprotocol/sdk";
import type { Attachment } from "../../protocol/commands.ts";
import { IMAGE_MEDIA_TYPES } from "../../protocol/images.ts";
import type { ImageMediaType, Message } from "../../protocol/messages.ts";
import { sessionUpdates } from "./acp-updates.ts";

export type PromptInput =
  | { ok: true; text: string; attachments: Attachment[] }
  | { ok: false; problem: string };

const IMAGE_FILE = /\.(png|jpe?g|gif|webp)$/i;

export function promptInput(blocks: ContentBlock[]): PromptInput {
  const texts: string[] = [];
  const context: string[] = [];
  const attachments: Attachment[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case "text":
        texts.push(block.text);
        break;
      case "image":
        if (!(IMAGE_MEDIA_TYPES as readonly string[]).includes(block.mimeType))
          return {
            ok: false,
            problem: `images must be one of ${IMAGE_MEDIA_TYPES.join(", ")}, not ${block.mimeType}`,
          };
        attachments.push({
          type: "image_data",
          mediaType: block.mimeType as ImageMediaType,
          data: block.data,
        });
        break;
      case "resource_link": {
        const path = filePath(block.uri);
        if (path) attachments.push({ type: IMAGE_FILE.test(path) ? "image" : "file", path });
        else texts.push(`[${block.name}](${block.uri})`);
        break;
      }
      case "resource": {
        const resource = block.resource;
        if ("text" in resource && typeof resource.text === "string")
          context.push(`Content of ${resource.uri}:\n\`\`\`\n${resource.text}\n\`\`\``);
        else {
          const path = filePath(resource.uri);
          if (path) attachments.push({ type: IMAGE_FILE.test(path) ? "image" : "file", path });
        }
        break;
      }
      default:
        return { ok: false, problem: `hearth does not take ${block.type} content in a prompt` };
    }
  }
  const text = [...context, texts.join("\n")].filter(Boolean).join("\n\n");
  if (text.trim() === "" && attachments.length === 0) return { ok: false, problem: "the prompt is empty" };
  return { ok: true, text, attachments };
}

/** A file:// URI as a path; null for any other scheme. */
function filePath(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

/** The updates that show a stored conversation again, in order. */
export function replayUpdates(messages: Message[], cwd: string): SessionUpdate[] {
  const out: SessionUpdate[] = [];
  const calls = new Map<string, Extract<Message, { role: "assistant" }>["content"][number]>();
  for (const message of messages) {
    if (message.role === "user") {
      const parts =
        typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
      for (const part of parts)
        if (part.type === "text")
          out.push({ sessionUpdate: "user_message_chunk", content: { type: "text", text: part.text } });
    } else if (message.role === "assistant") {
      for (const part of message.content) {
        if (part.type === "text")
          out.push({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: part.text } });
        else if (part.type === "reasoning")
          out.push({ sessionUpdate: "agent_thought_chunk", content: { type: "text", text: part.text } });
        else {
          calls.set(part.id, part);
          out.push(
            ...sessionUpdates({ type: "tool_call_started", call: part, sessionId: "", turn: 0, ts: 0 }, cwd),
          );
        }
      }
    } else {
      const call = calls.get(message.toolCallId);
      if (call?.type !== "tool_call") continue;
      out.push(
        ...sessionUpdates(
          {
            type: "tool_call_ended",
            call,
            content: message.content,
            isError: message.isError,
            durationMs: 0,
            sessionId: "",
            turn: 0,
            ts: 0,
          },
          cwd,
        ),
      );
    }
  }
  return out;
}
