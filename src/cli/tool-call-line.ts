/**
 * A tool call in one short line, as every front shows it: "→ $ npm test", "→ edit src/a.ts (-1 +3 lines)",
 * "→ grep "TODO" in src". Headless prints it on stderr as a call starts; the terminal UI marks it done or failed.
 */
import { formatBytes } from "../protocol/byte-size.ts";
import type { ToolCallPart } from "../protocol/messages.ts";

/** Longest line shown, in characters; longer ones end in "…". */
const MAX_LINE = 160;

/** "→ $ npm test", "→ edit src/a.ts (-1 +3 lines)", "→ grep "TODO" in src": one line, no control characters. */
export function toolCallLine(call: ToolCallPart): string {
  const line = `→ ${describe(call.name, call.arguments)}`.replace(/[\x00-\x1f\x7f-\x9f]+/g, " ").trim();
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

function describe(name: string, args: Record<string, unknown>): string {
  const text = (key: string) => (typeof args[key] === "string" ? (args[key] as string) : undefined);
  const path = text("path");
  const within = path ? ` in ${path}` : "";
  switch (name) {
    case "bash":
      return `$ ${oneLine(text("command") ?? "")}`;
    case "read": {
      const from = typeof args.offset === "number" ? args.offset : undefined;
      const count = typeof args.limit === "number" ? args.limit : undefined;
      const range = from || count ? `:${from ?? 1}${count ? `-${(from ?? 1) + count - 1}` : ""}` : "";
      return `read ${path ?? "?"}${range}`;
    }
    case "write":
      return `write ${path ?? "?"} (${formatBytes(Buffer.byteLength(text("content") ?? ""))})`;
    case "edit": {
      const removed = lineCount(text("old_string") ?? "");
      const added = lineCount(text("new_string") ?? "");
      const every = args.replace_all === true ? ", every match" : "";
      return `edit ${path ?? "?"} (-${removed} +${added} line${added === 1 ? "" : "s"}${every})`;
    }
    case "grep":
      return `grep ${JSON.stringify(text("pattern") ?? "")}${within}${text("glob") ? ` (${text("glob")})` : ""}`;
    case "glob":
      return `glob ${text("pattern") ?? ""}${within}`;
    case "ls":
      return `ls ${path ?? "."}`;
    default:
      return `${name} ${JSON.stringify(args)}`;
  }
}

function lineCount(text: string): number {
  return text === "" ? 0 : text.replace(/\n$/, "").split("\n").length;
}

/** A multi-line command on one line: its lines joined with " ↵ ". */
function oneLine(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ↵ ");
}
