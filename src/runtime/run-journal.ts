/**
 * The run's journal: the daily log (run-log.ts) and the checkpoints that `hearth undo` uses. Neither is needed
 * before the first model request, so their modules load once that request is on the wire (start-up time is
 * measured); events that come before are kept and logged then, each line with the time it happened (not the
 * time of the load), and so is a Ctrl-C that came before the load. A file tool's first write waits for the load.
 */
import type { AgentEvent } from "../protocol/events.ts";
import type { Checkpoints } from "../store/checkpoints.ts";
import type { RunLog } from "./run-log.ts";

export type RunJournalOptions = {
  stateDir: string;
  dataDir: string;
  sessionId: string;
  cwd: string;
  /** The root that confines a path the file tools write (`Workspace.rootOf`). */
  rootOf: (path: string) => string | undefined;
  redact: (text: string) => string;
  say: (line: string) => void;
  start: Parameters<RunLog["start"]>[0];
};

export type RunJournal = {
  /** Loads the modules (once); call when the first request is sent. */
  load(): Promise<void>;
  event(event: AgentEvent): void;
  /** Before hearth's file tools change a file. */
  beforeWrite(absPath: string): Promise<void>;
  /** A prompt starts turn `turn`: its file changes are one checkpoint turn (`hearth undo` takes them back). */
  beginTurn(turn: number): void;
  /** The prompt is over: what its turn changed is recorded. */
  endTurn(): void;
  /** A line from something the run started (an MCP server's stderr); kept until the log is loaded. */
  note(level: "info" | "warn", text: string): void;
  /** Ctrl-C: one diagnostic line of what was in flight. */
  interrupted(): void;
  /** The run is over: record what the turn left; resolves once the log has every line. */
  end(): Promise<void>;
};

/** Ctrl-C before the log was loaded: diagnosed in its place among the early events. */
type EarlyInterrupt = { type: "interrupted"; ts: number };
/** A note before the log was loaded. */
type EarlyNote = { type: "note"; ts: number; level: "info" | "warn"; text: string };

export function createRunJournal(options: RunJournalOptions): RunJournal {
  let log: RunLog | undefined;
  let checkpoints: Checkpoints | undefined;
  let loading: Promise<void> | undefined;
  const early: Array<AgentEvent | EarlyInterrupt | EarlyNote> = [];
  const startedAt = Date.now();
  let turn = 1;
  let inTurn = true;
  // The log's clock: while early events are written, the time each happened.
  let replayTime: number | null = null;
  const clock = () => replayTime ?? Date.now();

  const load = () => {
    loading ??= (async () => {
      const [
        { createDailyLog },
        { createRunLog },
        { checkpointsDir, createCheckpoints },
        { readConfinedFileSync },
      ] = await Promise.all([
        import("../store/daily-log.ts"),
        import("./run-log.ts"),
        import("../store/checkpoints.ts"),
        import("../policy/open-confined.ts"),
      ]);
      const runLog = createRunLog({
        log: createDailyLog({
          stateDir: options.stateDir,
          redact: options.redact,
          onProblem: options.say,
          now: clock,
        }),
        redact: options.redact,
        now: clock,
      });
      try {
        replayTime = startedAt;
        runLog.start(options.start);
        for (const item of early.splice(0)) {
          replayTime = item.ts;
          if (item.type === "interrupted") runLog.diagnose("interrupted");
          else if (item.type === "note") runLog.note(item.level, item.text);
          else runLog.event(item);
        }
      } finally {
        replayTime = null;
      }
      log = runLog;
      checkpoints = createCheckpoints({
        dir: checkpointsDir(options.dataDir, options.sessionId),
        sessionId: options.sessionId,
        cwd: options.cwd,
        rootOf: options.rootOf,
        read: readConfinedFileSync,
        onProblem: options.say,
      });
      // One checkpoint turn per prompt: `hearth undo` takes back what the last prompt changed.
      if (inTurn) checkpoints.beginTurn(turn);
      // A second Ctrl-C exits at once: still record what the turn left.
      process.once("exit", checkpoints.endTurn);
    })();
    return loading;
  };

  return {
    load,
    event(event) {
      if (log) log.event(event);
      else early.push(event);
    },
    async beforeWrite(absPath) {
      await load();
      checkpoints?.beforeWrite(absPath);
    },
    beginTurn(next) {
      if (inTurn) checkpoints?.endTurn();
      turn = next;
      inTurn = true;
      checkpoints?.beginTurn(next);
    },
    endTurn() {
      if (inTurn) checkpoints?.endTurn();
      inTurn = false;
    },
    note(level, text) {
      if (log) log.note(level, text);
      // Bounded: a chatty server before the first request must not grow memory without end.
      else if (early.length < 10_000) early.push({ type: "note", ts: Date.now(), level, text });
    },
    interrupted() {
      if (log) log.diagnose("interrupted");
      else {
        early.push({ type: "interrupted", ts: Date.now() });
        void load();
      }
    },
    async end() {
      await loading?.catch(() => {}); // a load that failed has nothing to write
      if (inTurn) checkpoints?.endTurn();
      inTurn = false;
      if (checkpoints) process.off("exit", checkpoints.endTurn);
    },
  };
}
