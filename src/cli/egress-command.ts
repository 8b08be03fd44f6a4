/**
 * `hearth egress`: the egress ledger, every outbound request hearth itself made (model, probe, mcp, download).
 *
 *   hearth egress              the last 50 requests as a table, newest last, and where the ledger is
 *   hearth egress --json       the ledger's JSON lines as stored
 *   hearth egress --limit N    the last N requests (either form)
 */

import { type LedgerEntry, readLedger } from "../egress/ledger.ts";
import { formatBytes } from "../protocol/byte-size.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { hearthPaths } from "../store/paths.ts";
import { parseSubcommand, type SubcommandIo, subcommandOutput } from "./subcommand.ts";

export const EGRESS_USAGE = `Usage:
  hearth egress              the last 50 outbound requests hearth made, newest last
  hearth egress --json       the ledger's lines as stored (one JSON object a line)
  hearth egress --limit N    show the last N requests
`;

const DEFAULT_LIMIT = 50;

export type EgressIo = SubcommandIo & {
  /** Home directory for the state path when XDG_STATE_HOME is unset; default os.homedir(). */
  home?: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
};

/** Run `hearth egress` with the arguments after "egress". Returns the exit code; never throws. */
export function runEgress(args: string[], env: NodeJS.ProcessEnv, io: EgressIo = {}): number {
  const output = subcommandOutput(io);
  const { out, fail } = output;
  const parsed = parseSubcommand<{ json?: boolean; limit?: string }>(
    args,
    { json: { type: "boolean" }, limit: { type: "string" } },
    EGRESS_USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values, positionals } = parsed;
  if (positionals.length > 0)
    return fail(`hearth egress takes no arguments (got "${positionals.join(" ")}")`, EXIT_USAGE);
  let limit = DEFAULT_LIMIT;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || !Number.isSafeInteger(limit) || limit < 1)
      return fail(`--limit must be a positive integer (got "${values.limit}")`, EXIT_USAGE);
  }

  const ledger = readLedger(hearthPaths(env, io.home).stateDir);
  if (ledger.problem) return fail(ledger.problem, EXIT_FAILED);
  const total = ledger.entries.length;
  const from = Math.max(0, total - limit);

  if (values.json) {
    for (const line of ledger.lines.slice(from)) out(`${line}\n`);
    return EXIT_OK;
  }

  if (total === 0) {
    out(`no outbound requests recorded (ledger: ${ledger.path})\n`);
    return EXIT_OK;
  }
  const shown = ledger.entries.slice(from);
  out(`egress ledger: ${ledger.path}\n`);
  out(table(shown));
  out(`${summary(shown, total)}\n`);
  if (ledger.skipped > 0)
    out(`${ledger.skipped} line${ledger.skipped === 1 ? "" : "s"} in the ledger could not be read\n`);
  return EXIT_OK;
}

function table(entries: LedgerEntry[]): string {
  const header = ["time", "purpose", "method", "host", "status", "sent", "received"];
  const rows = entries.map((e) => [
    e.time.replace("T", " ").replace(/\.\d+Z$/, "Z"),
    e.purpose,
    e.method,
    e.host,
    e.status === null ? "failed" : String(e.status),
    formatBytes(e.bytesSent),
    formatBytes(e.bytesReceived),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const rightAligned = new Set([5, 6]);
  return all
    .map((row) =>
      row
        .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

function summary(shown: LedgerEntry[], total: number): string {
  const remote = [...new Set(shown.filter((e) => !e.loopback).map((e) => e.host))];
  const loopback = shown.filter((e) => e.loopback).length;
  const count = shown.length === total ? `${total}` : `the last ${shown.length} of ${total}`;
  const where =
    remote.length === 0
      ? "all to loopback"
      : `${loopback} to loopback, ${shown.length - loopback} to ${remote.join(", ")}`;
  const more = shown.length < total ? " (--limit N shows more)" : "";
  return `${count} request${total === 1 ? "" : "s"}: ${where}${more}`;
}
