/**
 * The run's journal: the daily log (run-log.ts) and the checkpoints that `hearth undo` uses. Neither is needed
 * before the first model request, so their modules load once that request is on the wire (start-up time is
 * measured); events that come before are kept and logged then. A file tool's first write waits for the load.
 */
import type { AgentEvent } from "../../protocol/events.ts";
import type { Checkpoints } from "../../store/checkpoints.ts";
import type { RunLog } from "../run-log.ts";

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
  /** Ctrl-C: one diagnostic line of what was in flight. */
  interrupted(): void;
  /** The run is over: record what the turn left. */
  end(): void;
};

export function createRunJournal(options: RunJournalOptions): RunJournal {
  let log: RunLog | undefined;
  let checkpoints: Checkpoints | undefined;
  let loading: Promise<void> | undefined;
  const early: AgentEvent[] = [];

  const load = () => {
    loading ??= (async () => {
      const [
        { createDailyLog },
        { createRunLog },
        { checkpointsDir, createCheckpoints },
        { readConfinedFileSync },
      ] = await Promise.all([
        import("../../store/daily-log.ts"),
        import("../run-log.ts"),
        import("../../store/checkpoints.ts"),
        import("../../policy/open-confined.ts"),
      ]);
      log = createRunLog({
        log: createDailyLog({ stateDir: options.stateDir, redact: options.redact, onProblem: options.say }),
        redact: options.redact,
      });
      log.start(options.start);
      for (const event of early.splice(0)) log.event(event);
      checkpoints = createCheckpoints({
        dir: checkpointsDir(options.dataDir, options.sessionId),
        sessionId: options.sessionId,
        cwd: options.cwd,
        rootOf: options.rootOf,
        read: readConfinedFileSync,
        onProblem: options.say,
      });
      // One checkpoint turn per prompt: `hearth undo` takes back what the last prompt changed.
      checkpoints.beginTurn(1);
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
    interrupted() {
      log?.diagnose("interrupted");
    },
    end() {
      checkpoints?.endTurn();
    },
  };
}
