/**
 * Command-line parsing with node's util.parseArgs (strict: an unknown flag is a usage error). Claude Code's
 * names are accepted too (`--permission-mode acceptEdits`, `--allowedTools`, ...): see cli/claude-names.ts.
 */
import { parseArgs } from "node:util";
import { RUNTIME_NAMES } from "../delegate/runtimes.ts";
import { parseDuration } from "../protocol/duration.ts";
import { UsageError } from "../protocol/errors.ts";
import { PERMISSION_MODES, type PermissionMode } from "../protocol/permissions.ts";
import { CLAUDE_PERMISSION_MODES, splitToolLists } from "../runtime/claude-names.ts";

export const OUTPUT_FORMATS = ["text", "json", "stream-json", "claude-stream-json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** text: the prompt from the argument and piped stdin. stream-json: commands on stdin, one JSON object a line. */
export const INPUT_FORMATS = ["text", "stream-json"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export const PROFILES = ["lean", "default"] as const;
export type Profile = (typeof PROFILES)[number];

export type CliOptions = {
  print: boolean;
  prompt: string | null;
  model?: string;
  outputFormat: OutputFormat;
  /** stream-json: many prompts in one process, commands read from stdin (cli/headless/run-stream.ts). */
  inputFormat: InputFormat;
  permissionMode?: PermissionMode;
  maxTurns?: number;
  /** Wall clock for the whole run, in ms (--max-time 90s). */
  maxTimeMs?: number;
  /** Cost cap for the run in USD, from the catalog prices (--max-cost 0.50). */
  maxCostUsd?: number;
  /** The tool watchdog's time for every kind of tool, in ms (--tool-timeout). */
  toolTimeoutMs?: number;
  cwd?: string;
  /** More directories the tools may read and write (repeatable). */
  addDirs: string[];
  /** Continue the most recent session in this directory (-c). */
  continue: boolean;
  /** Resume this session id or unique id prefix (-r); "" (-r without an id) asks with a picker (interactive). */
  resume?: string;
  /** With -c or -r: continue a copy of the session under a new id, the original left as it was. */
  forkSession?: boolean;
  /** The prompt profile: lean (short prompt, for small local models) or default. */
  profile?: Profile;
  /** No connection to anything but loopback (the local model); cloud requests fail at once. */
  offline: boolean;
  /** Tool rules allowed for this run only (--allowedTools), as written: Claude Code's names or hearth's. */
  allowedTools: string[];
  /** Tool rules denied for this run only (--disallowedTools). */
  disallowedTools: string[];
  /** Text added at the end of the system prompt (--append-system-prompt). */
  appendSystemPrompt?: string;
  /** The workspace may be / or the home directory (refused otherwise). */
  allowHomeWorkspace: boolean;
  /** An agent CLI that runs the prompts (claude, codex, gemini, opencode), or "hearth" for hearth's own loop. */
  runtime?: string;
  /** No progress lines on stderr (text output shows each tool call by default). */
  quiet: boolean;
  /** Progress lines on stderr in every output format (and Claude Code's `--verbose`). */
  verbose: boolean;
  help: boolean;
  version: boolean;
};

export { UsageError } from "../protocol/errors.ts";

/** util.parseArgs's error as one short line: "unknown option '--bogus'", without its advice about "--". */
export function parseArgsProblem(error: unknown): string {
  const message = (error as Error).message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
  return message.charAt(0).toLowerCase() + message.slice(1);
}

export function parseCliArgs(argv: string[]): CliOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(resumeWithoutId(splitToolLists(argv)));
  } catch (error) {
    throw new UsageError(parseArgsProblem(error));
  }
  const { values, positionals } = parsed;
  const outputFormat = (values["output-format"] ?? "text") as OutputFormat;
  if (!OUTPUT_FORMATS.includes(outputFormat)) {
    throw new UsageError(
      `--output-format must be one of ${OUTPUT_FORMATS.join(", ")} (got "${outputFormat}")`,
    );
  }
  const inputFormat = (values["input-format"] ?? "text") as InputFormat;
  if (!INPUT_FORMATS.includes(inputFormat)) {
    throw new UsageError(`--input-format must be one of ${INPUT_FORMATS.join(", ")} (got "${inputFormat}")`);
  }
  const mode = permissionMode(values["permission-mode"]);
  let maxTurns: number | undefined;
  if (values["max-turns"] !== undefined) {
    maxTurns = Number(values["max-turns"]);
    if (!Number.isInteger(maxTurns) || maxTurns < 1)
      throw new UsageError("--max-turns must be a positive integer");
  }
  const maxTimeMs = optional(values["max-time"], (text) => {
    const ms = parseDuration(text);
    if (ms === null)
      throw new UsageError(`--max-time must be a duration such as 90s, 2m, 1h or 500ms (got "${text}")`);
    return ms;
  });
  const maxCostUsd = optional(values["max-cost"], (text) => {
    const usd = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (!(usd > 0))
      throw new UsageError(
        `--max-cost must be an amount in US dollars above 0, such as 0.50 (got "${text}")`,
      );
    return usd;
  });
  let toolTimeoutMs: number | undefined;
  if (values["tool-timeout"] !== undefined) {
    toolTimeoutMs = parseDuration(values["tool-timeout"]) ?? undefined;
    if (toolTimeoutMs === undefined)
      throw new UsageError(
        `--tool-timeout must be a duration such as 90s, 2m or 500ms (got "${values["tool-timeout"]}")`,
      );
  }
  const print = values.print === true;
  const profile = values.profile as Profile | undefined;
  if (profile !== undefined && !PROFILES.includes(profile)) {
    throw new UsageError(`--profile must be one of ${PROFILES.join(", ")} (got "${profile}")`);
  }
  if (values["fork-session"] && !values.continue && values.resume === undefined)
    throw new UsageError("--fork-session forks the session -c or -r opens: give one of them");
  if (values.resume === "" && values.print === true)
    throw new UsageError(
      "-r without an id opens a picker in the interactive session; with -p give the id (hearth sessions lists them)",
    );
  if (values.continue && values.resume !== undefined) {
    throw new UsageError("use either --continue or --resume, not both");
  }
  const runtime = values.runtime;
  if (
    runtime !== undefined &&
    runtime !== "hearth" &&
    !(RUNTIME_NAMES as readonly string[]).includes(runtime) &&
    !/^acp:\S/.test(runtime)
  )
    throw new UsageError(
      `--runtime must be one of hearth, ${RUNTIME_NAMES.join(", ")}, or acp:<command> (got "${runtime}")`,
    );
  if (inputFormat === "stream-json") {
    if (!print)
      throw new UsageError(
        "--input-format stream-json is for headless runs: hearth -p --input-format stream-json --output-format stream-json",
      );
    if (outputFormat !== "stream-json")
      throw new UsageError(
        `--input-format stream-json needs --output-format stream-json (got "${outputFormat}"): the client reads the events, permission requests among them, to answer them`,
      );
  }
  return {
    print,
    prompt: positionals.length > 0 ? positionals.join(" ") : null,
    model: values.model,
    outputFormat,
    inputFormat,
    permissionMode: mode,
    maxTurns,
    maxTimeMs,
    maxCostUsd,
    toolTimeoutMs,
    cwd: values.cwd,
    addDirs: values["add-dir"] ?? [],
    continue: values.continue === true,
    resume: values.resume,
    forkSession: values["fork-session"] === true,
    profile,
    offline: values.offline === true,
    allowedTools: values["allowed-tools"] ?? [],
    disallowedTools: values["disallowed-tools"] ?? [],
    appendSystemPrompt: values["append-system-prompt"],
    allowHomeWorkspace: values["allow-home-workspace"] === true,
    ...(runtime !== undefined ? { runtime } : {}),
    quiet: values.quiet === true,
    verbose: values.verbose === true,
    help: values.help === true,
    version: values.version === true,
  };
}

/** `-r` (or `--resume`) last, or before another option: no id, so the interactive session offers a picker (""). */
function resumeWithoutId(argv: string[]): string[] {
  return argv.map((arg, i) =>
    (arg === "-r" || arg === "--resume") && (i === argv.length - 1 || argv[i + 1].startsWith("-"))
      ? "--resume="
      : arg,
  );
}

function optional<T>(value: string | undefined, read: (text: string) => T): T | undefined {
  return value === undefined ? undefined : read(value);
}

/** hearth's mode, or Claude Code's name for it (bypassPermissions is auto: destructive commands still ask). */
function permissionMode(value: string | undefined): PermissionMode | undefined {
  if (value === undefined) return undefined;
  if ((PERMISSION_MODES as readonly string[]).includes(value)) return value as PermissionMode;
  if (Object.hasOwn(CLAUDE_PERMISSION_MODES, value)) return CLAUDE_PERMISSION_MODES[value];
  throw new UsageError(
    `--permission-mode must be one of ${PERMISSION_MODES.join(", ")} ` +
      `(or Claude Code's ${Object.keys(CLAUDE_PERMISSION_MODES).join(", ")}) (got "${value}")`,
  );
}

/**
 * Why a run without -p cannot be interactive (stdin or stdout is not a terminal). Words without -p: a lone
 * word is a command hearth does not have, more words a prompt meant for -p.
 */
export function notInteractive(prompt: string | null): string {
  if (prompt !== null && /^[a-z][a-z-]*$/.test(prompt)) return `unknown command "${prompt}"`;
  return 'interactive mode needs a terminal (stdin and stdout); run headless with hearth -p "task"';
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
      "input-format": { type: "string" },
      "permission-mode": { type: "string" },
      "max-turns": { type: "string" },
      "max-time": { type: "string" },
      "max-cost": { type: "string" },
      "tool-timeout": { type: "string" },
      cwd: { type: "string" },
      "add-dir": { type: "string", multiple: true },
      offline: { type: "boolean" },
      quiet: { type: "boolean" },
      verbose: { type: "boolean" },
      continue: { type: "boolean", short: "c" },
      resume: { type: "string", short: "r" },
      "fork-session": { type: "boolean" },
      profile: { type: "string" },
      "allowed-tools": { type: "string", multiple: true },
      "disallowed-tools": { type: "string", multiple: true },
      "append-system-prompt": { type: "string" },
      "allow-home-workspace": { type: "boolean" },
      runtime: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}
