/** What `hearth keys|trust|egress` share: where they write, how they fail, and parsing their own flags. */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { parseArgsProblem } from "./args.ts";
import { writeError } from "./redaction.ts";

/** Where a subcommand writes; tests pass their own. */
export type SubcommandIo = { stdout?: (text: string) => void; stderr?: (text: string) => void };

export type SubcommandOutput = {
  out(text: string): void;
  err(text: string): void;
  /** A line on stdout. */
  say(line: string): void;
  /** `hearth: <line>` on stderr; returns the exit code. */
  fail(line: string, code?: number): number;
};

export function subcommandOutput(io: SubcommandIo): SubcommandOutput {
  const out = io.stdout ?? ((text: string) => process.stdout.write(text));
  const err = io.stderr ?? writeError;
  return {
    out,
    err,
    say: (line) => out(`${line}\n`),
    fail: (line, code = EXIT_FAILED) => {
      err(`hearth: ${line}\n`);
      return code;
    },
  };
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * The subcommand's flags (strict; `-h`/`--help` always known). Returns the parsed values, or the exit code when
 * the run is over: usage printed for --help (0) or a bad flag (2).
 */
export function parseSubcommand<V>(
  args: string[],
  options: Options,
  usage: string,
  output: SubcommandOutput,
): { values: V; positionals: string[] } | { exit: number } {
  try {
    const parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: "boolean", short: "h" } },
    });
    if (parsed.values.help) {
      output.out(usage);
      return { exit: EXIT_OK };
    }
    return { values: parsed.values as V, positionals: parsed.positionals };
  } catch (error) {
    return { exit: output.fail(`${parseArgsProblem(error)}\n${usage}`, EXIT_USAGE) };
  }
}
