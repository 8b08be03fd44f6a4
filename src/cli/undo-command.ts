/**
 * `hearth undo`: put back the files hearth's write and edit tools changed, from the session's checkpoints
 * (store/checkpoints.ts). Refuses, showing the diff, when a file changed since hearth left it, unless --force.
 *
 *   hearth undo              undo the last turn with edits (latest session in this folder with any left)
 *   hearth undo --turn N     undo turn N and every later turn
 *   hearth undo --list       the session's turns and the files each changed
 */
import { isAbsolute, relative } from "node:path";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { CONFINED_UNDO_FILES } from "../runtime/session-undo.ts";
import { workspaceRoot } from "../runtime/workspace-root.ts";
import {
  type Conflict,
  lastUndoableTurn,
  performUndo,
  planUndo,
  summarizeTurns,
} from "../store/checkpoint-undo.ts";
import {
  type CheckpointSession,
  listCheckpointSessions,
  loadManifest,
  type Manifest,
} from "../store/checkpoints.ts";
import { hearthPaths } from "../store/paths.ts";
import {
  latestSessionIn,
  resolveSessionId,
  SessionNotFoundError,
  sessionIdMatches,
} from "../store/session-store.ts";
import { lineDiff } from "../tools/line-diff.ts";
import { UsageError } from "./args.ts";
import { parseSubcommand, type SubcommandIo, type SubcommandOutput, subcommandOutput } from "./subcommand.ts";

export const UNDO_USAGE = `Usage:
  hearth undo                undo the last turn that edited files
  hearth undo --turn N       undo turn N and every turn after it
  hearth undo --list         list the turns and the files each changed
Options:
  --session ID   the session (default: the latest one in this folder with edits left to undo)
  --cwd DIR      the folder hearth ran in (default: the current directory)
  --force        restore files even if they changed since hearth edited them (those changes are lost)
Only the write and edit tools are tracked: edits made by bash commands are not undone.
`;

export type UndoIo = SubcommandIo & {
  /** The directory a missing --cwd means; default process.cwd(). */
  cwd?: string;
  /** Home directory for the data path when XDG_DATA_HOME is unset; default os.homedir(). */
  home?: string;
  now?: () => number;
};

type Flags = { turn?: string; session?: string; cwd?: string; list?: boolean; force?: boolean };

/** Run `hearth undo` with the arguments after "undo". Returns the exit code; never throws. */
export async function runUndo(args: string[], env: NodeJS.ProcessEnv, io: UndoIo = {}): Promise<number> {
  const output = subcommandOutput(io);
  const { say, err, fail } = output;
  const parsed = parseSubcommand<Flags>(
    args,
    {
      turn: { type: "string" },
      session: { type: "string" },
      cwd: { type: "string" },
      list: { type: "boolean" },
      force: { type: "boolean" },
    },
    UNDO_USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values, positionals } = parsed;
  if (positionals.length > 0) return fail(`hearth undo takes no arguments\n${UNDO_USAGE}`, EXIT_USAGE);
  if (values.list && (values.turn || values.force))
    return fail(`--list takes no --turn or --force\n${UNDO_USAGE}`, EXIT_USAGE);
  let turn: number | undefined;
  if (values.turn !== undefined) {
    turn = /^[1-9]\d*$/.test(values.turn) ? Number(values.turn) : Number.NaN;
    if (!Number.isSafeInteger(turn))
      return fail(`--turn takes a turn number; see them with hearth undo --list`, EXIT_USAGE);
  }

  const found = pickSession(values, hearthPaths(env, io.home).dataDir, io.cwd, output);
  if ("exit" in found) return found.exit;
  const { manifest, others } = found;
  const { sessionId, cwd } = manifest.header;
  if (found.skippedLatest)
    err(
      `hearth: the latest session here, ${found.skippedLatest}, has nothing to undo; ` +
        `using the older session ${sessionId} (started ${manifest.header.createdAt})\n`,
    );
  const shown = (path: string) => {
    const rel = relative(cwd, path);
    return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
  };
  if (manifest.skipped > 0)
    err(`hearth: skipped ${manifest.skipped} unreadable line(s) of the checkpoints (a crash mid-write?)\n`);

  if (values.list) {
    say(`session ${sessionId} in ${cwd}`);
    const turns = summarizeTurns(manifest);
    if (turns.length === 0) say("no turn of this session edited files");
    for (const summary of turns) {
      say(`turn ${summary.turn}${summary.undone ? " (undone)" : ""}`);
      for (const file of summary.files) say(`  ${file.change.padEnd(10)} ${shown(file.path)}`);
    }
    if (others.length > 0)
      say(`other sessions in this folder (pick with --session ID): ${others.slice(0, 5).join(", ")}`);
    return EXIT_OK;
  }

  const planned = planUndo(manifest, CONFINED_UNDO_FILES.read, turn);
  if ("problem" in planned) return fail(`nothing to undo in session ${sessionId}: ${planned.problem}`);
  const { plan } = planned;
  const label = plan.turns.length === 1 ? `turn ${plan.turns[0]}` : `turns ${plan.turns.join(", ")}`;
  if (plan.conflicts.length > 0 && !values.force) {
    for (const conflict of plan.conflicts) err(describeConflict(conflict, shown(conflict.path)));
    const rerun = ["hearth undo", `--turn ${plan.turns[0]}`];
    if (values.session) rerun.push(`--session ${sessionId}`);
    if (values.cwd) rerun.push(`--cwd ${values.cwd}`);
    const count = plan.conflicts.length;
    return fail(
      `not undoing ${label}: ${count} file${count === 1 ? "" : "s"} changed outside hearth's edits (diff above); ` +
        `nothing was changed. Keep those changes, or run \`${rerun.join(" ")} --force\` to overwrite them`,
    );
  }

  const done = await performUndo(manifest, plan, CONFINED_UNDO_FILES, io.now);
  for (const result of done.results) {
    if (result.action !== "unchanged") say(`${result.action} ${shown(result.path)}`);
  }
  if (done.problem) {
    return fail(
      `${done.problem}; files listed above were already restored (fix it, then undo again with --force)`,
    );
  }
  const count = (action: string) => done.results.filter((result) => result.action === action).length;
  const parts = [`${count("restored")} restored`, `${count("deleted")} deleted`];
  if (count("unchanged") > 0) parts.push(`${count("unchanged")} already as before`);
  say(`undid ${label} of session ${sessionId}: ${parts.join(", ")}`);
  return EXIT_OK;
}

/** --session (an id, or a unique start or end of one), or the latest session in the workspace with edits left to undo. */
function pickSession(
  values: Flags,
  dataDir: string,
  cwd: string | undefined,
  output: SubcommandOutput,
): { manifest: Manifest; others: string[]; skippedLatest?: string } | { exit: number } {
  const sessions = listCheckpointSessions(dataDir);
  let candidates: CheckpointSession[];
  if (values.session) {
    const id = values.session;
    const exact = sessions.filter((session) => session.sessionId === id);
    candidates = exact.length > 0 ? exact : sessions.filter((s) => sessionIdMatches(s.sessionId, id));
    if (candidates.length === 0) return { exit: noCheckpoints(dataDir, id, output) };
    if (candidates.length > 1)
      return { exit: output.fail(`session ${id} is ambiguous; give more of its id`, EXIT_USAGE) };
  } else {
    let root: string;
    try {
      root = workspaceRoot(values.cwd ?? cwd);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      return { exit: output.fail(error.message, EXIT_USAGE) };
    }
    candidates = sessions.filter((session) => session.header.cwd === root);
    if (candidates.length === 0)
      return { exit: output.fail(`nothing to undo: no hearth session has edited files in ${root}`) };
  }
  let chosen: Manifest | undefined;
  for (const candidate of candidates) {
    const loaded = loadManifest(candidate.manifest);
    if ("problem" in loaded) {
      if (values.session) return { exit: output.fail(loaded.problem, EXIT_FAILED) };
      continue;
    }
    chosen ??= loaded.manifest;
    if (lastUndoableTurn(loaded.manifest) !== undefined) {
      chosen = loaded.manifest;
      break;
    }
  }
  if (!chosen) return { exit: output.fail("the checkpoints of this folder's sessions cannot be read") };
  const id = chosen.header.sessionId;
  const others = candidates.map((c) => c.sessionId).filter((other) => other !== id);
  // Without --session, an older session than the folder's latest is named before anything is undone.
  const latest = values.session ? null : latestSessionIn(dataDir, chosen.header.cwd);
  return { manifest: chosen, others, skippedLatest: latest && latest !== id ? latest : undefined };
}

/** --session names no session with checkpoints: say whether it names no session at all (a usage error). */
function noCheckpoints(dataDir: string, given: string, output: SubcommandOutput): number {
  let id: string;
  try {
    id = resolveSessionId(dataDir, given);
  } catch (error) {
    if (error instanceof SessionNotFoundError) return output.fail(error.message, EXIT_USAGE);
    throw error;
  }
  return output.fail(
    `session ${id} has nothing to undo: no turn of it edited files with the write or edit tool`,
  );
}

function describeConflict(conflict: Conflict, shown: string): string {
  const why =
    conflict.reason === "unfinished"
      ? `turn ${conflict.turn} did not finish, so hearth cannot tell whether ${shown} changed since; undo would revert:`
      : `${shown} changed after turn ${conflict.turn} left it (by you, or by a command):`;
  return `hearth: ${why}\n${lineDiff(shown, conflict.from, conflict.to).join("\n")}\n`;
}
