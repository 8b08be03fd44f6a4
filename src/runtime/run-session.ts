/**
 * The session a runtime serves: a new one, or an earlier one continued (-c) or resumed (-r). Opens and locks the
 * file, gives each prompt the history so far, and records the events as they happen: the user's prompt before
 * the first request, each model message when it ends, each tool result when its call ends. Every prompt is a
 * turn of its own; the conversation (with compactions applied) is kept in memory for the next prompt.
 */
import type { AgentEvent } from "../protocol/events.ts";
import { newSessionId } from "../protocol/ids.ts";
import type { Message, UserMessage } from "../protocol/messages.ts";
import {
  appendToSessionFile,
  createSessionFile,
  readSessionFile,
  type SessionWriter,
} from "../store/session-file.ts";
import { lockSession, type SessionLock } from "../store/session-lock.ts";
import {
  childSessionOf,
  interruptedResults,
  lastRuntime,
  replayMessages,
  type SeenStamp,
  type SessionHeader,
  type SessionRecord,
  titleFrom,
  turnCount,
} from "../store/session-records.ts";
import {
  latestSessionIn,
  resolveSessionId,
  SessionNotFoundError,
  sessionLockPath,
  sessionPath,
} from "../store/session-store.ts";

export type RunSession = {
  id: string;
  /** The current user turn: the one the last `begin` started (before any: the one the first prompt will be). */
  readonly turn: number;
  /** The conversation so far, repaired (one result per tool call) and with the latest compaction applied. */
  history(): Message[];
  /** The model the session used last, for a resume without --model. */
  previousModel: string | null;
  /** The runtime (agent CLI) that ran the session's last turn, for a resume without --runtime or --model. */
  previousRuntime: string | null;
  /** The child session of `runtime` this session last ran in, to continue it. */
  childSession(runtime: string): string | undefined;
  /** Records that this turn is run by `runtime` (before its child says its session id). */
  beginRuntime(runtime: string): void;
  /** Problems met reading an earlier session (a torn line, interrupted tool calls), to tell the user. */
  notes: string[];
  /** Records one event of the run. Throws SessionWriteError when the file cannot be written. */
  record(event: AgentEvent): void;
  /**
   * Records the prompt that starts this run's turn (its text, or text and images), and the model and permission
   * mode when they changed.
   */
  begin(prompt: UserMessage["content"], model: string, mode: string): void;
  /** Records the router's choice for the turn `begin` started (`--model auto`). */
  recordRoute(model: string, rule: string): void;
  /** What the model saw of files in earlier prompts and runs of this session (the latest stamp per file). */
  filesSeen(): Map<string, SeenStamp>;
  /** Records the stamps of files the model saw in this prompt (only those that changed since last recorded). */
  recordFilesSeen(files: Array<[string, SeenStamp]>): void;
  /** Flushes, closes and unlocks. */
  close(): void;
};

export type OpenOptions = {
  dataDir: string;
  cwd: string;
  /** -c: the latest session in cwd. */
  continueLatest: boolean;
  /** -r: an id or a unique prefix. */
  resume?: string;
  version: string;
  redact: (text: string) => string;
};

/** Which session to open, before the model is chosen (a resumed session brings its model). */
export function findRunSession(options: OpenOptions): { id: string; resumed: boolean } {
  if (options.resume !== undefined)
    return { id: resolveSessionId(options.dataDir, options.resume), resumed: true };
  if (options.continueLatest) {
    const id = latestSessionIn(options.dataDir, options.cwd);
    if (!id)
      throw new SessionNotFoundError(
        `no earlier session in ${options.cwd} to continue; run hearth sessions to see them all, or start one without -c`,
      );
    return { id, resumed: true };
  }
  return { id: newSessionId(), resumed: false };
}

export function openRunSession(found: { id: string; resumed: boolean }, options: OpenOptions): RunSession {
  const { dataDir, redact } = options;
  const path = sessionPath(dataDir, found.id);
  let lock: SessionLock | null = null;
  let writer: SessionWriter | null = null;
  let turn = 1;
  /** What the conversation is replayed from: the earlier records, then every record written since. */
  let records: SessionRecord[] = [];
  let begun = false;
  let previousModel: string | null = null;
  let previousMode: string | null = null;
  const notes: string[] = [];
  let pendingHeader: SessionHeader | null = null;

  if (found.resumed) {
    lock = lockSession(sessionLockPath(dataDir, found.id), found.id);
    try {
      const parsed = readSessionFile(path);
      notes.push(...parsed.problems);
      const replay = replayMessages(parsed.records);
      if (replay.repaired > 0)
        notes.push(
          `${replay.repaired} tool call${replay.repaired === 1 ? "" : "s"} had no result (interrupted); recorded as interrupted`,
        );
      records = parsed.records;
      const previousTurn = turnCount(parsed.records);
      turn = previousTurn + 1;
      previousModel = parsed.header.model;
      for (const record of parsed.records) {
        if (record.type === "model") previousModel = record.model;
        else if (record.type === "mode") previousMode = record.mode;
      }
      writer = appendToSessionFile(path, { redact });
      if (writer.backup)
        notes.push(`the session file was copied to ${writer.backup} before hearth repaired it`);
      // Calls that were running when hearth died are recorded as interrupted, so the file itself is whole again.
      for (const message of interruptedResults(parsed.records))
        append({ type: "message", turn: Math.max(previousTurn, 1), ts: Date.now(), message });
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  function append(record: SessionRecord): void {
    writer?.append(record);
    records.push(record);
  }
  let lastModel = previousModel;
  let lastMode = previousMode;

  return {
    id: found.id,
    get turn() {
      return turn;
    },
    history: () => replayMessages(records).messages,
    previousModel,
    previousRuntime: lastRuntime(records)?.runtime ?? null,
    childSession: (runtime) => childSessionOf(records, runtime),
    beginRuntime(runtime) {
      append({ type: "runtime", turn, ts: Date.now(), runtime });
    },
    notes,
    begin(prompt, model, mode) {
      if (begun) turn++;
      begun = true;
      if (!writer) {
        // A new session: the file appears with its first prompt, so an empty run leaves nothing behind.
        pendingHeader = {
          type: "header",
          v: 1,
          id: found.id,
          cwd: options.cwd,
          model,
          version: options.version,
          createdAt: new Date().toISOString(),
          // From the words: a title of "[image: ...]" says nothing.
          title: titleFrom(
            typeof prompt === "string"
              ? prompt
              : prompt.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n"),
          ),
        };
        lock = lockSession(sessionLockPath(dataDir, found.id), found.id);
        writer = createSessionFile(path, pendingHeader, { redact });
        lastModel = model;
      } else if (model !== lastModel) {
        append({ type: "model", turn, ts: Date.now(), model });
        lastModel = model;
      }
      if (mode !== lastMode) {
        append({ type: "mode", turn, ts: Date.now(), mode });
        lastMode = mode;
      }
      append({ type: "message", turn, ts: Date.now(), message: { role: "user", content: prompt } });
    },
    recordRoute(model, rule) {
      append({ type: "route", turn, ts: Date.now(), model, rule });
    },
    filesSeen() {
      const seen = new Map<string, SeenStamp>();
      for (const record of records)
        if (record.type === "files_seen")
          for (const [path, stamp] of Object.entries(record.files)) seen.set(path, stamp);
      return seen;
    },
    recordFilesSeen(files) {
      if (!writer) return;
      const known = this.filesSeen();
      const changed: Record<string, SeenStamp> = {};
      for (const [path, stamp] of files) {
        const before = known.get(path);
        if (
          !before ||
          before.hash !== stamp.hash ||
          before.size !== stamp.size ||
          before.mtimeMs !== stamp.mtimeMs
        )
          changed[path] = {
            mtimeMs: stamp.mtimeMs,
            size: stamp.size,
            ...(stamp.hash ? { hash: stamp.hash } : {}),
          };
      }
      if (Object.keys(changed).length > 0)
        append({ type: "files_seen", turn, ts: Date.now(), files: changed });
    },
    record(event) {
      if (!writer) return;
      switch (event.type) {
        case "message_ended":
          append({ type: "message", turn, ts: event.ts, message: event.message });
          break;
        case "tool_call_ended":
          append({
            type: "message",
            turn,
            ts: event.ts,
            message: {
              role: "tool",
              toolCallId: event.call.id,
              toolName: event.call.name,
              content: event.content,
              isError: event.isError,
            },
          });
          break;
        case "continuation_requested":
          append({ type: "message", turn, ts: event.ts, message: event.message });
          break;
        case "turn_ended":
          writer.sync();
          break;
        case "runtime_session":
          append({
            type: "runtime",
            turn,
            ts: event.ts,
            runtime: event.runtime,
            childSessionId: event.childSessionId,
          });
          writer.sync();
          break;
        case "context_compacted":
          // Elided outputs are elided again when needed; a summary replaces messages for good.
          if (event.summary !== undefined)
            append({
              type: "compaction",
              turn,
              ts: event.ts,
              summary: event.summary,
              keepLast: event.keepLast ?? 0,
            });
          break;
        case "agent_ended":
          append({
            type: "run_ended",
            turn,
            ts: event.ts,
            reason: event.reason,
            inputTokens: event.usage.inputTokens,
            outputTokens: event.usage.outputTokens,
          });
          break;
      }
    },
    close() {
      try {
        writer?.sync();
      } catch {}
      writer?.close();
      lock?.release();
    },
  };
}
