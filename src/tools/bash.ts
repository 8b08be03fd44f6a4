/**
 * The `bash` tool: `bash -c command` in the workspace root, as its own process group, with an injected
 * environment made non-interactive (no editor, pager or password prompt can wait for a person; stdin is
 * /dev/null). Timeouts and aborts kill the whole group; what a command leaves running is stopped at the end of the
 * run (process-reaper.ts) or, in the OS sandbox, when the command ends. The model sees the head and tail of the
 * output; when output overflows, it streams to a spill file the model can read, cut to its first and last 8 MB.
 */

import type { Readable } from "node:stream";
import * as z from "zod/mini";
import type { Workspace } from "../policy/workspace.ts";
import { formatBytes } from "../protocol/byte-size.ts";
import { type Collected, type CollectorLimits, createCollector } from "./output-collector.ts";
import type { ProcessReaper } from "./process-reaper.ts";
import { createProgressLines } from "./progress-lines.ts";
import { newSpillPath } from "./spill-file.ts";
import { type AnyTool, defineTool } from "./tool.ts";

/**
 * How to start a command: the program and its arguments (plain `bash -c`, or a sandbox around it), what to tidy
 * once it has ended, and whether everything it starts ends with it (a sandbox's pid namespace), so that there is
 * nothing for the reaper to look for.
 */
export type Invocation = { file: string; args: string[]; cleanup?: () => void; contained?: boolean };

export type BashToolDeps = {
  workspace: Workspace;
  /** The child's whole environment (already scrubbed of secrets). */
  env: Record<string, string>;
  /** Where overflowing output goes; created on demand. */
  spillDir: string;
  /**
   * Turns a shell script into the program to spawn, e.g. to run it in an OS sandbox (policy/sandbox.ts).
   * Default: `bash -c script`. The spawned program leads the process group that timeouts and aborts kill.
   */
  wrap?: (command: string) => Invocation | Promise<Invocation>;
  /** Applied, line by line, to what is written to the spill file. */
  redact?: (text: string) => string;
  /** Registers each command's process group and tags its environment, so the run can stop what it leaves. */
  reaper?: ProcessReaper;
};

/**
 * Set for every command, over the injected environment: a program that would wait for a person fails at once
 * instead of hanging until the timeout. `false` as the editor makes `git commit` without `-m` say "Please supply
 * the message using either -m or -F option"; `true` would let `git commit --amend` go through unseen.
 */
export const NON_INTERACTIVE_ENV: Readonly<Record<string, string>> = {
  GIT_EDITOR: "false",
  EDITOR: "false",
  VISUAL: "false",
  GIT_SEQUENCE_EDITOR: "false",
  GIT_TERMINAL_PROMPT: "0",
  GIT_ASKPASS: "",
  SSH_ASKPASS: "",
  SSH_ASKPASS_REQUIRE: "never",
  PAGER: "cat",
  GIT_PAGER: "cat",
  MANPAGER: "cat",
};

export type BashDetails = {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  totalBytes: number;
  spillPath?: string;
  durationMs: number;
};

const DEFAULT_TIMEOUT_SECONDS = 120;
const MAX_TIMEOUT_SECONDS = 600;
const HEAD_BYTES = 10 * 1024;
const TAIL_BYTES = 20 * 1024;
/** A spill file keeps this much of the start and of the end of the output (10 s of `yes` is 2 GB). */
const SPILL_HEAD_BYTES = 8 * 1024 * 1024;
const SPILL_TAIL_BYTES = 8 * 1024 * 1024;
const LIMITS: CollectorLimits = {
  headBytes: HEAD_BYTES,
  tailBytes: TAIL_BYTES,
  spillHeadBytes: SPILL_HEAD_BYTES,
  spillTailBytes: SPILL_TAIL_BYTES,
};
const KILL_GRACE_MS = 1000;
/** After the shell exits, how long to wait for quiet pipes (a backgrounded child may hold them open). */
const PIPE_QUIET_MS = 150;
const PIPE_MAX_WAIT_MS = 2000;

const schema = z.object({
  command: z.string().check(z.minLength(1), z.describe("The shell command to run.")),
  timeout: z
    .optional(z.number().check(z.positive(), z.maximum(MAX_TIMEOUT_SECONDS)))
    .check(
      z.describe(
        `Seconds before the command is killed (default ${DEFAULT_TIMEOUT_SECONDS}, max ${MAX_TIMEOUT_SECONDS}).`,
      ),
    ),
  description: z
    .optional(z.string())
    .check(z.describe("A few words on what the command does, shown to the user.")),
});

export function createBashTool(deps: BashToolDeps): AnyTool {
  return defineTool({
    name: "bash",
    description:
      "Run a command with bash in the workspace root (a fresh shell each call); returns combined stdout and " +
      "stderr and the exit code. Long output is cut to its head and tail; the text is saved to a file. " +
      "Nothing can wait for input: stdin is empty and no editor or pager opens (use `git commit -m`). " +
      "Background processes (`&`, nohup, daemons) are stopped when the command ends (in the OS sandbox), " +
      "or at the end of the run: start a server and what uses it in the same command. Put temp files under " +
      "$TMPDIR (this run's own folder); the rest of /tmp is off limits.",
    lean: {
      description:
        "Run a shell command in the workspace root; returns its output and exit code. No stdin, no editor. " +
        "Background processes are stopped when the command ends, or at the end of the run.",
      parameters: { timeout: "seconds", description: "a few words for the user" },
    },
    schema,
    kind: "exec",
    // The model's own timeout: the runtime's watchdog never ends the command sooner.
    ownTimeoutMs: (args) => (args.timeout === undefined ? undefined : args.timeout * 1000),
    async execute(args, context) {
      const timeoutSeconds = args.timeout ?? DEFAULT_TIMEOUT_SECONDS;
      const outcome = await runCommand({
        command: args.command,
        cwd: deps.workspace.root,
        env: deps.env,
        timeoutMs: timeoutSeconds * 1000,
        signal: context.signal,
        spillPath: () => newSpillPath(deps.spillDir, "bash", context.callId, "log"),
        wrap: deps.wrap,
        redact: deps.redact,
        reaper: deps.reaper,
        progress: context.progress,
      });
      const notes: string[] = [];
      if (outcome.spawnError) notes.push(`(could not start bash: ${outcome.spawnError})`);
      else if (outcome.timedOut) {
        notes.push(`(timed out after ${timeoutSeconds}s; the command and its child processes were killed)`);
      } else if (outcome.interrupted)
        notes.push("(interrupted; the command and its child processes were killed)");
      else if (outcome.exitCode !== null) notes.push(`(exit code ${outcome.exitCode})`);
      else notes.push(`(killed by signal ${outcome.signal})`);
      if (outcome.spillPath) {
        const saved = outcome.spillCut
          ? `the output is in ${outcome.spillPath}, cut to its first ${formatBytes(SPILL_HEAD_BYTES)} and ` +
            `last ${formatBytes(SPILL_TAIL_BYTES)}`
          : `the full output is in ${outcome.spillPath}`;
        notes.push(
          `(output was ${formatBytes(outcome.totalBytes)}, so only the first ${formatBytes(HEAD_BYTES)} and the last ` +
            `${formatBytes(TAIL_BYTES)} are shown; ${saved}: read it with read and offset/limit, or grep it)`,
        );
      } else if (outcome.spillError) {
        notes.push(
          `(output was ${formatBytes(outcome.totalBytes)} and cut; saving it failed: ${outcome.spillError})`,
        );
      }
      const output = stripAnsi(outcome.text).replace(/\n+$/, "");
      const content = `${output === "" ? "(no output)" : output}\n\n${notes.join("\n")}`;
      const details: BashDetails = {
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        timedOut: outcome.timedOut,
        interrupted: outcome.interrupted,
        totalBytes: outcome.totalBytes,
        spillPath: outcome.spillPath,
        durationMs: outcome.durationMs,
      };
      const failed = outcome.exitCode !== 0 || outcome.timedOut || outcome.interrupted;
      return { content, isError: failed, details };
    },
  });
}

type RunOptions = {
  command: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  spillPath: () => string;
  wrap?: (command: string) => Invocation | Promise<Invocation>;
  redact?: (text: string) => string;
  reaper?: ProcessReaper;
  /** The last line of output now and then, while the command runs. */
  progress?: (text: string) => void;
};

type RunOutcome = Collected & {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  spawnError?: string;
  durationMs: number;
};

async function runCommand(options: RunOptions): Promise<RunOutcome> {
  // node:child_process loads on first use: start-up does not pay for it.
  const { spawn } = await import("node:child_process");
  const started = Date.now();
  const outcome = { exitCode: null as number | null, signal: null as string | null, timedOut: false };
  const empty = { text: "", totalBytes: 0, ...outcome, interrupted: true, durationMs: 0 };
  if (options.signal.aborted) return empty;
  // `exec 2>&1` merges stderr into stdout inside the shell, so both arrive in order on one pipe.
  const script = `exec 2>&1; ${options.command}`;
  let invocation: Invocation;
  try {
    invocation = options.wrap ? await options.wrap(script) : { file: "bash", args: ["-c", script] };
  } catch (error) {
    return { ...empty, interrupted: false, spawnError: (error as Error).message };
  }

  return new Promise((resolve) => {
    // stdin "ignore" is /dev/null: a command that reads it gets end-of-file, never a wait.
    const child = spawn(invocation.file, invocation.args, {
      cwd: options.cwd,
      env: { ...options.env, ...NON_INTERACTIVE_ENV, ...options.reaper?.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid !== undefined && !invocation.contained) options.reaper?.track(child.pid);
    const collector = createCollector({
      limits: LIMITS,
      spillPath: options.spillPath,
      redact: options.redact,
    });
    const streams = [child.stdout, child.stderr].filter((s): s is Readable => s !== null);
    const progress = options.progress && createProgressLines(options.progress, { redact: options.redact });
    let interrupted = false;
    let spawnError: string | undefined;
    let settled = false;
    let paused = false;
    let lastData = Date.now();
    let exitedAt = 0;
    let poll: NodeJS.Timeout | undefined;

    const killGroup = () => {
      if (child.pid === undefined) return;
      const pid = child.pid;
      signalGroup(pid, "SIGTERM");
      setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => {
      outcome.timedOut = true;
      killGroup();
    }, options.timeoutMs);
    // An interrupt (Ctrl-C) must end at once: no grace period, hearth may be about to exit.
    const onAbort = () => {
      interrupted = true;
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
    };
    options.signal.addEventListener("abort", onAbort, { once: true });

    const onData = (chunk: Buffer) => {
      lastData = Date.now();
      progress?.push(chunk);
      if (!collector.push(chunk) && !paused) {
        paused = true;
        for (const stream of streams) stream.pause();
        collector.onDrain(() => {
          paused = false;
          for (const stream of streams) stream.resume();
        });
      }
    };
    for (const stream of streams) stream.on("data", onData);

    const finish = async () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(poll);
      progress?.close();
      options.signal.removeEventListener("abort", onAbort);
      for (const stream of streams) {
        stream.off("data", onData);
        stream.destroy();
      }
      const collected = await collector.finish();
      invocation.cleanup?.();
      resolve({ ...collected, ...outcome, interrupted, spawnError, durationMs: Date.now() - started });
    };

    child.on("error", (error) => {
      spawnError = error.message;
      void finish();
    });
    child.on("exit", (code, signal) => {
      outcome.exitCode = code;
      outcome.signal = signal;
      exitedAt = Date.now();
      clearTimeout(timer);
      // Usually `close` follows at once. If a background process keeps the pipes open, stop waiting
      // once they go quiet (or after a hard limit) instead of hanging until it exits.
      poll = setInterval(() => {
        const now = Date.now();
        const quiet = now - Math.max(lastData, exitedAt) >= PIPE_QUIET_MS;
        if ((quiet && !paused) || now - exitedAt >= PIPE_MAX_WAIT_MS) void finish();
      }, 50);
    });
    child.on("close", () => void finish());
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Colour and cursor escape sequences mean nothing to the model. */
function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "");
}
