/** Command-line parsing with node's util.parseArgs (strict: an unknown flag is a usage error). */
import { parseArgs } from "node:util";
import { PERMISSION_MODES, type PermissionMode } from "../protocol/permissions.ts";

export const OUTPUT_FORMATS = ["text", "json", "stream-json", "claude-stream-json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const PROFILES = ["lean", "default"] as const;
export type Profile = (typeof PROFILES)[number];

export type CliOptions = {
  print: boolean;
  prompt: string | null;
  model?: string;
  outputFormat: OutputFormat;
  permissionMode?: PermissionMode;
  maxTurns?: number;
  cwd?: string;
  /** More directories the tools may read and write (repeatable). */
  addDirs: string[];
  /** Continue the most recent session in this directory (-c). */
  continue: boolean;
  /** Resume this session id or unique id prefix (-r). */
  resume?: string;
  /** The prompt profile: lean (short prompt, for small local models) or default. */
  profile?: Profile;
  /** No connection to anything but loopback (the local model); cloud requests fail at once. */
  offline: boolean;
  /** No progress lines on stderr (text output shows each tool call by default). */
  quiet: boolean;
  /** Progress lines on stderr in every output format. */
  verbose: boolean;
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
  const profile = values.profile as Profile | undefined;
  if (profile !== undefined && !PROFILES.includes(profile)) {
    throw new UsageError(`--profile must be one of ${PROFILES.join(", ")} (got "${profile}")`);
  }
  if (values.continue && values.resume !== undefined) {
    throw new UsageError("use either --continue or --resume, not both");
  }
  if (!print && positionals.length > 0) {
    const first = positionals[0];
    if (positionals.length === 1 && /^[a-z][a-z-]*$/.test(first)) {
      throw new UsageError(`unknown command "${first}"`);
    }
    throw new UsageError(
      'interactive mode is not available in this version; run headless with hearth -p "task"',
    );
  }
  return {
    print,
    prompt: positionals.length > 0 ? positionals.join(" ") : null,
    model: values.model,
    outputFormat,
    permissionMode: mode,
    maxTurns,
    cwd: values.cwd,
    addDirs: values["add-dir"] ?? [],
    continue: values.continue === true,
    resume: values.resume,
    profile,
    offline: values.offline === true,
    quiet: values.quiet === true,
    verbose: values.verbose === true,
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
      quiet: { type: "boolean" },
      verbose: { type: "boolean" },
      continue: { type: "boolean", short: "c" },
      resume: { type: "string", short: "r" },
      profile: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}
