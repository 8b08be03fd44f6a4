/**
 * `hearth runtimes`: the agent CLIs hearth can hand a prompt to (`--runtime`), installed or not, with their
 * versions, where they were found and where their model is. `--json` for scripts. Nothing leaves the machine:
 * each is asked for its version only.
 */
import { listRuntimes, type RuntimeRow } from "../delegate/list-runtimes.ts";
import { EXIT_OK } from "../protocol/errors.ts";
import { parseSubcommand, type SubcommandIo, subcommandOutput } from "./subcommand.ts";

const USAGE = `Usage: hearth runtimes [--json]    the agent CLIs hearth can run with --runtime, and their versions
`;

export async function runRuntimesCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  io: SubcommandIo = {},
): Promise<number> {
  const output = subcommandOutput(io);
  const parsed = parseSubcommand<{ json?: boolean }>(args, { json: { type: "boolean" } }, USAGE, output);
  if ("exit" in parsed) return parsed.exit;
  if (parsed.positionals.length > 0)
    return output.fail(`unexpected argument "${parsed.positionals[0]}"\n${USAGE}`, 2);
  const rows = await listRuntimes(env);
  if (parsed.values.json) {
    output.say(JSON.stringify(rows, null, 2));
    return EXIT_OK;
  }
  for (const line of formatRuntimes(rows)) output.say(line);
  return EXIT_OK;
}

/** One line a runtime: name, version, status, where its model is; the fix below a problem. */
export function formatRuntimes(rows: RuntimeRow[]): string[] {
  const width = Math.max(...rows.map((r) => r.name.length)) + 2;
  const lines: string[] = [];
  for (const row of rows) {
    const version = row.version ?? (row.status === "missing" ? "-" : "?");
    const where = row.status === "missing" ? "" : `  ${row.path}`;
    const model =
      row.status === "missing" ? "" : `  model: ${row.model}${row.local ? " [local]" : " [cloud]"}`;
    lines.push(`${row.name.padEnd(width)}${version.padEnd(10)}${row.status}${where}${model}`);
    if (row.problem) lines.push(`${" ".repeat(width)}${row.problem}`);
  }
  return lines;
}

/** The doctor's line: what is installed, and the first problem of one that is installed but unusable. */
export function runtimesSummary(rows: RuntimeRow[]): { status: "ok" | "warn"; message: string } {
  const installed = rows.filter((r) => r.status === "installed").map((r) => `${r.name} ${r.version ?? "?"}`);
  const old = rows.find((r) => r.status === "too old");
  const missing = rows.filter((r) => r.status === "missing").map((r) => r.name);
  const none = missing.length > 0 ? ` (not installed: ${missing.join(", ")})` : "";
  if (old?.problem) return { status: "warn", message: old.problem };
  if (installed.length === 0)
    return { status: "ok", message: `no agent CLI for --runtime is installed${none}` };
  return { status: "ok", message: `${installed.join(", ")}${none}` };
}
