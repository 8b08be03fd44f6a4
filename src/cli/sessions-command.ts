/**
 * `hearth sessions`: list, search, show, export, fork, rm and reindex the sessions under
 * `$XDG_DATA_HOME/hearth/sessions/`. List and search go through the SQLite index (synced with the files first);
 * show, export and fork read the JSONL file itself.
 */
import { writeFileSync } from "node:fs";
import { formatBytes } from "../protocol/byte-size.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { modelDisplayName } from "../providers/model-resolution.ts";
import { processRedactor } from "../runtime/process-redactor.ts";
import { workspaceRoot } from "../runtime/workspace-root.ts";
import { hearthPaths, unusableDirectory } from "../store/paths.ts";
import { readSessionFile } from "../store/session-file.ts";
import { type SessionSummary, withSessionIndex } from "../store/session-index.ts";
import {
  forkSession,
  listSessionFiles,
  removeSession,
  resolveSessionId,
  SessionNotFoundError,
  sessionPath,
  shortSessionIds,
} from "../store/session-store.ts";
import { closestName } from "./closest-name.ts";
import { sessionJson, sessionMarkdown } from "./session-export.ts";
import { parseSubcommand, type SubcommandIo, subcommandOutput } from "./subcommand.ts";
import { terminalText } from "./terminal-text.ts";

const USAGE = `Usage: hearth sessions [list] [--here] [--limit N|--all] [--json]   sessions, newest first
       hearth sessions search "text" [--here] [--json]        find sessions by content, best first
       hearth sessions show <id>                               the conversation, readable
       hearth sessions export <id> [--format md|json] [-o FILE]
       hearth sessions fork <id> [--at TURN]                   a new session from a point of another
       hearth sessions rm <id>...
       hearth sessions reindex                                 rebuild the search index from the files
Continue a session with hearth -c (the latest here) or hearth -r <id>. An id may be given as the short id the list
shows (its end), or any unique start or end of it.
`;

type Flags = {
  here?: boolean;
  cwd?: string;
  limit?: string;
  all?: boolean;
  json?: boolean;
  format?: string;
  output?: string;
  at?: string;
};

/** --all: a limit no session store reaches. */
const EVERY = 1_000_000_000;

const ACTIONS = ["list", "search", "show", "export", "fork", "rm", "reindex"];

export async function runSessions(
  args: string[],
  env: NodeJS.ProcessEnv,
  io: SubcommandIo = {},
): Promise<number> {
  const output = subcommandOutput(io);
  const parsed = parseSubcommand<Flags>(
    args,
    {
      here: { type: "boolean" },
      cwd: { type: "string" },
      limit: { type: "string" },
      all: { type: "boolean" },
      json: { type: "boolean" },
      format: { type: "string" },
      output: { type: "string", short: "o" },
      at: { type: "string" },
    },
    USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values } = parsed;
  const [action = "list", ...rest] = parsed.positionals;
  if (!ACTIONS.includes(action)) {
    const near = closestName(action, ACTIONS);
    const hint = near ? `; did you mean "hearth sessions ${near}"?` : "";
    return output.fail(`unknown sessions action "${action}"${hint}\n${USAGE}`, EXIT_USAGE);
  }
  const paths = hearthPaths(env);
  const unusable = unusableDirectory(paths, env, ["data"]);
  if (unusable) return output.fail(unusable, EXIT_USAGE);
  const dataDir = paths.dataDir;
  const redact = (text: string) => processRedactor().redact(text);
  const cwd = values.here || values.cwd ? workspaceRoot(values.cwd) : undefined;
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    return output.fail("--limit must be a positive integer", EXIT_USAGE);
  if (limit !== undefined && values.all)
    return output.fail("use either --limit or --all, not both", EXIT_USAGE);
  const needId = () => {
    if (rest.length !== 1) throw new UsageProblem(`hearth sessions ${action} takes one session id`);
    return resolveSessionId(dataDir, rest[0]);
  };

  try {
    switch (action) {
      case "list":
      case "search": {
        if (action === "search" && rest.length === 0)
          throw new UsageProblem(
            'hearth sessions search takes the text to find: hearth sessions search "words"',
          );
        return withSessionIndex(dataDir, (index, report) => {
          for (const problem of report.unreadable) output.err(`hearth: skipped ${problem}\n`);
          const shown = values.all ? EVERY : (limit ?? (action === "list" ? 50 : 20));
          // One row more than shown tells whether there are more.
          const rows =
            action === "list"
              ? index.list({ cwd, limit: shown + 1 })
              : index.search(rest.join(" "), { cwd, limit: shown + 1 });
          const more = rows.length > shown;
          if (more) rows.length = shown;
          if (values.json) output.out(`${JSON.stringify(rows, null, 2)}\n`);
          else if (rows.length === 0)
            output.say(action === "list" ? "no sessions yet" : `no session mentions "${rest.join(" ")}"`);
          else {
            const short = shortSessionIds(
              rows.map((r) => r.id),
              listSessionIds(dataDir),
            );
            output.out(terminalText(table(rows, short, Date.now()))); // titles and snippets quote the model
          }
          if (more) {
            const of = action === "list" && !cwd ? ` of ${index.count()}` : "";
            const what = action === "list" ? "latest" : "best";
            output.err(
              `hearth: showing the ${what} ${shown}${of}; add --all to see every one (or --limit N)\n`,
            );
          }
          return EXIT_OK;
        });
      }
      case "show": {
        const id = needId();
        const file = readSessionFile(sessionPath(dataDir, id));
        for (const problem of file.problems) output.err(`hearth: ${problem}\n`);
        // Read on a terminal: the model's escape sequences go (an export keeps every byte).
        output.out(redact(terminalText(sessionMarkdown(file.header, file.records))));
        return EXIT_OK;
      }
      case "export": {
        const id = needId();
        const format = values.format ?? "md";
        if (format !== "md" && format !== "json")
          throw new UsageProblem(`--format must be md or json (got "${format}")`);
        const file = readSessionFile(sessionPath(dataDir, id));
        const text =
          format === "md"
            ? sessionMarkdown(file.header, file.records)
            : sessionJson(file.header, file.records);
        // Exports leave the machine's control: redact again with everything the redactor knows now.
        if (values.output) {
          writeFileSync(values.output, redact(text), { mode: 0o600 });
          output.err(`hearth: wrote ${values.output}\n`);
        } else output.out(redact(text));
        return EXIT_OK;
      }
      case "fork": {
        const id = needId();
        const atTurn = values.at === undefined ? undefined : Number(values.at);
        if (atTurn !== undefined && !(Number.isInteger(atTurn) && atTurn > 0))
          throw new UsageProblem(`--at takes a turn number (got "${values.at}")`);
        const fork = forkSession(dataDir, id, { atTurn, redact });
        output.say(fork.id);
        const short = shortSessionIds([id, fork.id], listSessionIds(dataDir));
        output.err(
          `hearth: forked ${short.get(id)} at turn ${fork.turns} into ${short.get(fork.id)}; continue it with hearth -r ${short.get(fork.id)} -p "..."\n`,
        );
        return EXIT_OK;
      }
      case "rm": {
        if (rest.length === 0) throw new UsageProblem("hearth sessions rm takes one or more session ids");
        for (const given of rest) {
          const id = resolveSessionId(dataDir, given);
          removeSession(dataDir, id);
          output.say(`removed ${id}`);
        }
        return EXIT_OK;
      }
      default: {
        return withSessionIndex(dataDir, (index) => {
          const report = index.rebuild();
          for (const problem of report.unreadable) output.err(`hearth: skipped ${problem}\n`);
          output.say(`indexed ${report.indexed} session${report.indexed === 1 ? "" : "s"}`);
          return report.unreadable.length > 0 ? EXIT_FAILED : EXIT_OK;
        });
      }
    }
  } catch (error) {
    if (error instanceof UsageProblem) return output.fail(`${error.message}\n${USAGE}`, EXIT_USAGE);
    // No such session, or no such turn in it: the command line names something that is not there.
    if (error instanceof SessionNotFoundError) return output.fail(error.message, EXIT_USAGE);
    return output.fail((error as Error).message);
  }
}

class UsageProblem extends Error {}

function table(
  rows: Array<SessionSummary & { snippet?: string }>,
  short: Map<string, string>,
  now: number,
): string {
  const lines = rows.map((r) => [
    short.get(r.id) ?? r.id,
    age(now - r.updatedAt),
    String(r.turns),
    formatBytes(r.size),
    modelDisplayName(r.model),
    r.cwd,
    r.title + (r.snippet ? `\n    ${r.snippet}` : ""),
  ]);
  const head = ["ID", "UPDATED", "TURNS", "SIZE", "MODEL", "DIRECTORY", "TITLE"];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (i < 6 ? l[i].length : 0))));
  const render = (cells: string[]) =>
    cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]) : c)).join("  ");
  return `${[render(head), ...lines.map(render)].join("\n")}\n`;
}

/** "just now", "5m ago", "3h ago", "2d ago". */
export function age(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

const listSessionIds = (dataDir: string) => listSessionFiles(dataDir).map((f) => f.id);
