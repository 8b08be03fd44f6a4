/** Command-line parsing with node's util.parseArgs (strict: an unknown flag is a usage error). */
import { parseArgs } from "node:util";
import { PERMISSION_MODES, type PermissionMode } from "../protocol/permissions.ts";

export const OUTPUT_FORMATS = ["text", "json", "stream-json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Subcommands; anything else positional is a prompt. */
export const COMMANDS = ["models", "trust", "egress", "keys"] as const;
export type Command = (typeof COMMANDS)[number];

export type CliOptions = {
  /** A subcommand, when one was given (`hearth models`). */
  command: Command | null;
  print: boolean;
  prompt: string | null;
  model?: string;
  outputFormat: OutputFormat;
  permissionMode?: PermissionMode;
  maxTurns?: number;
  cwd?: string;
  /** More directories the tools may read and write (repeatable). */
  addDirs: string[];
  /** No connection to anything but loopback (the local model); cloud requests fail at once. */
  offline: boolean;
  help: boolean;
  version: boolean;
};

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function parseCliArgs(argv: string[]): CliOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    const message = (error as Error).message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1));
  }
  const { values, positionals } = parsed;
  const outputFormat = (values["output-format"] ?? "text") as OutputFormat;
  if (!OUTPUT_FORMATS.includes(outputFormat)) {
    throw new UsageError(
      `--output-format must be one of ${OUTPUT_FORMATS.join(", ")} (got "${outputFormat}")`,
    );
  }
  const mode = values["permission-mode"] as PermissionMode | undefined;
  if (mode !== undefined && !PERMISSION_MODES.includes(mode)) {
    throw new UsageError(`--permission-mode must be one of ${PERMISSION_MODES.join(", ")} (got "${mode}")`);
  }
  let maxTurns: number | undefined;
  if (values["max-turns"] !== undefined) {
    maxTurns = Number(values["max-turns"]);
    if (!Number.isInteger(maxTurns) || maxTurns < 1)
      throw new UsageError("--max-turns must be a positive integer");
  }
  const print = values.print === true;
  const command = !print ? COMMANDS.find((c) => c === positionals[0]) : undefined;
  if (command && positionals.length > 1) {
    throw new UsageError(`hearth ${command} takes no arguments (got "${positionals.slice(1).join(" ")}")`);
  }
  if (!print && !command && positionals.length > 0) {
    const first = positionals[0];
    if (positionals.length === 1 && /^[a-z][a-z-]*$/.test(first)) {
      throw new UsageError(`unknown command "${first}"`);
    }
    throw new UsageError(
      'interactive mode is not available in this version; run headless with hearth -p "task"',
    );
  }
  return {
    command: command ?? null,
    print,
    prompt: !command && positionals.length > 0 ? positionals.join(" ") : null,
    model: values.model,
    outputFormat,
    permissionMode: mode,
    maxTurns,
    cwd: values.cwd,
    addDirs: values["add-dir"] ?? [],
    offline: values.offline === true,
    help: values.help === true,
    version: values.version === true,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      print: { type: "boolean", short: "p" },
      model: { type: "string", short: "m" },
      "output-format": { type: "string" },
      "permission-mode": { type: "string" },
      "max-turns": { type: "string" },
      cwd: { type: "string" },
      "add-dir": { type: "string", multiple: true },
      offline: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}
