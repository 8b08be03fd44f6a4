/**
 * What a session file holds: one JSON record a line, a header first. Parsing is forgiving where a crash can
 * leave damage (a torn last line) and strict elsewhere; replaying the records gives the conversation to send
 * to a model, repaired so that every tool call has exactly one result.
 */
import type { AssistantMessage, Message, ToolCallPart, ToolResultMessage } from "../protocol/messages.ts";

export const SESSION_SCHEMA_VERSION = 1;

export type SessionHeader = {
  type: "header";
  v: number;
  id: string;
  cwd: string;
  model: string;
  version: string;
  createdAt: string;
  /** From the first prompt; no model call. */
  title: string;
  /** Set when this session was forked from another. */
  parent?: { id: string; turn: number };
};

/** `turn` counts user prompts in the session: the first prompt and everything the agent did for it is turn 1. */
export type SessionRecord =
  | SessionHeader
  | { type: "message"; turn: number; ts: number; message: Message }
  | { type: "model"; turn: number; ts: number; model: string }
  /** `--model auto`: the model the router chose for the turn, and the rule or guard that decided. */
  | { type: "route"; turn: number; ts: number; model: string; rule: string }
  | { type: "mode"; turn: number; ts: number; mode: string }
  | { type: "run_ended"; turn: number; ts: number; reason: string; inputTokens: number; outputTokens: number }
  /** The history was compacted: `summary` stands for everything before the last `keepLast` messages. */
  | { type: "compaction"; turn: number; ts: number; summary: string; keepLast: number }
  /**
   * What the model has seen of files (real path -> stamp: size, mtime, content hash), written at the end of a
   * prompt for the files it read or wrote then: a continued session's edits check them like the same process's.
   */
  | { type: "files_seen"; turn: number; ts: number; files: Record<string, SeenStamp> }
  /**
   * The turn was run by another agent CLI (`runtime`), in its own session `childSessionId` (once it said it):
   * `-c` continues that session with the runtime's resume flag.
   */
  | { type: "runtime"; turn: number; ts: number; runtime: string; childSessionId?: string };

/** A file as the model last saw it (tools/file-state.ts FileStamp). */
export type SeenStamp = { mtimeMs: number; size: number; hash?: string };

export type ParsedSession = {
  header: SessionHeader;
  records: SessionRecord[];
  /** Problems found while reading (a torn last line, a damaged line); never fatal. */
  problems: string[];
  /** Byte length of the complete lines (a torn tail is beyond it). */
  validBytes: number;
};

export class SessionFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SessionFormatError";
  }
}

/** Parses a session file's text. Throws SessionFormatError only when there is no usable header. */
export function parseSession(text: string, label: string): ParsedSession {
  const records: SessionRecord[] = [];
  const problems: string[] = [];
  let offset = 0;
  let validBytes = 0;
  let lineNo = 0;
  while (offset < text.length) {
    const newline = text.indexOf("\n", offset);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(offset, end);
    lineNo++;
    offset = end + 1;
    if (newline === -1) {
      // No newline: the process died while writing this line.
      if (line.trim())
        problems.push(`${label}:${lineNo}: incomplete last line skipped (a crash while writing)`);
      break;
    }
    validBytes += Buffer.byteLength(line) + 1;
    if (!line.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      problems.push(`${label}:${lineNo}: damaged line skipped`);
      continue;
    }
    if (!isRecord(record)) {
      problems.push(`${label}:${lineNo}: unknown record skipped`);
      continue;
    }
    records.push(record);
  }
  const header = records[0];
  if (header?.type !== "header")
    throw new SessionFormatError(`${label}: not a hearth session (no header line)`);
  if (header.v > SESSION_SCHEMA_VERSION)
    throw new SessionFormatError(
      `${label}: written by a newer hearth (session format ${header.v}); upgrade hearth to open it`,
    );
  return { header, records: records.slice(1), problems, validBytes };
}

function isRecord(value: unknown): value is SessionRecord {
  if (!value || typeof value !== "object") return false;
  const type = (value as { type?: unknown }).type;
  if (type === "message") {
    const message = (value as { message?: { role?: unknown } }).message;
    return !!message && ["user", "assistant", "tool"].includes(message.role as string);
  }
  return ["header", "model", "mode", "run_ended", "compaction", "files_seen", "runtime"].includes(
    type as string,
  );
}

export const INTERRUPTED_RESULT =
  "interrupted: hearth stopped before this tool call finished; it may have partly run";

/**
 * The conversation to send to a model: messages in order, with a synthetic error result for every tool call
 * that has none (the process died mid-call), results without a call dropped, and the latest compaction applied.
 */
export function replayMessages(records: SessionRecord[]): { messages: Message[]; repaired: number } {
  let messages: Message[] = [];
  for (const record of records) {
    if (record.type === "message") messages.push(record.message);
    else if (record.type === "compaction")
      messages = [
        { role: "user", content: record.summary },
        ...(record.keepLast > 0 ? messages.slice(-record.keepLast) : []),
      ];
  }
  return repairToolPairs(messages);
}

function repairToolPairs(messages: Message[]): { messages: Message[]; repaired: number } {
  const out: Message[] = [];
  let repaired = 0;
  // The assistant message whose tool calls await results, and the results seen so far.
  let calls: AssistantMessage | null = null;
  let results = new Map<string, ToolResultMessage>();
  const close = () => {
    if (!calls) return;
    // One result per call, in the order of the calls (concurrent calls may have finished in another order).
    for (const part of calls.content) {
      if (part.type !== "tool_call") continue;
      const result = results.get(part.id);
      if (!result) repaired++;
      out.push(result ?? synthetic(part.id, part.name));
    }
    calls = null;
    results = new Map();
  };
  for (const message of messages) {
    if (message.role === "tool") {
      const known = calls?.content.some((p) => p.type === "tool_call" && p.id === message.toolCallId);
      if (!known || results.has(message.toolCallId)) repaired++;
      else results.set(message.toolCallId, message);
      continue;
    }
    close();
    out.push(message);
    if (message.role === "assistant" && message.content.some((p) => p.type === "tool_call")) calls = message;
  }
  close();
  return { messages: out, repaired };
}

/**
 * The results missing at the end of a session: the tool calls of the last model message that have none (the
 * process died while they ran). Resume records these as interrupted before the next prompt.
 */
export function interruptedResults(records: SessionRecord[]): ToolResultMessage[] {
  let last: AssistantMessage | null = null;
  const answered = new Set<string>();
  for (const record of records) {
    if (record.type !== "message") continue;
    const { message } = record;
    if (message.role === "assistant") {
      last = message;
      answered.clear();
    } else if (message.role === "tool") answered.add(message.toolCallId);
    else last = null;
  }
  if (!last) return [];
  return last.content
    .filter((p): p is ToolCallPart => p.type === "tool_call" && !answered.has(p.id))
    .map((p) => synthetic(p.id, p.name));
}

function synthetic(toolCallId: string, toolName: string): ToolResultMessage {
  return { role: "tool", toolCallId, toolName, content: INTERRUPTED_RESULT, isError: true };
}

/** The runtime of the session's last turn, and the child session it ran in (for -c); null for hearth's own. */
export function lastRuntime(records: SessionRecord[]): { runtime: string; childSessionId?: string } | null {
  let last: { runtime: string; childSessionId?: string } | null = null;
  let lastTurn = 0;
  for (const record of records) {
    if (record.type === "runtime") {
      last = {
        runtime: record.runtime,
        ...(record.childSessionId ? { childSessionId: record.childSessionId } : {}),
      };
      lastTurn = record.turn;
    } else if (record.type === "message" && record.message.role === "user" && record.turn > lastTurn)
      last = null;
  }
  return last;
}

/** The latest child session of `runtime` recorded in the session, to continue it. */
export function childSessionOf(records: SessionRecord[], runtime: string): string | undefined {
  let id: string | undefined;
  for (const record of records)
    if (record.type === "runtime" && record.runtime === runtime && record.childSessionId)
      id = record.childSessionId;
  return id;
}

/** The number of user turns recorded. */
export function turnCount(records: SessionRecord[]): number {
  let turns = 0;
  for (const record of records) if ("turn" in record && record.turn > turns) turns = record.turn;
  return turns;
}

/** A title from the first prompt: its first non-empty line, shortened. */
export function titleFrom(prompt: string): string {
  const line = prompt.split("\n").find((l) => l.trim()) ?? "";
  const clean = line.trim().replace(/\s+/g, " ");
  return clean.length > 80 ? `${clean.slice(0, 79)}…` : clean;
}
