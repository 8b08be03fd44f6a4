/**
 * The `bash` tool: `bash -c command` in the workspace root, as its own process group, with an injected
 * environment. Timeouts and aborts kill the whole group. The model sees the head and tail of the output;
 * when output overflows, all of it streams to a spill file the model can read.
 */

import { createWriteStream, type WriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import * as z from "zod/mini";
import type { Workspace } from "../policy/workspace.ts";
import { formatBytes } from "../protocol/byte-size.ts";
import { newSpillPath } from "./spill-file.ts";
import { type AnyTool, defineTool } from "./tool.ts";

/** How to start a command: the program and its arguments (plain `bash -c`, or a sandbox around it). */
export type Invocation = { file: string; args: string[] };

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
      "stderr and the exit code. Long output is cut to its head and tail; the full text is saved to a file.",
    lean: {
      description: "Run a shell command in the workspace root; returns its output and exit code.",
      parameters: { timeout: "seconds", description: "a few words for the user" },
    },
    schema,
    kind: "exec",
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
        notes.push(
          `(output was ${formatBytes(outcome.totalBytes)}, so only the first ${formatBytes(HEAD_BYTES)} and the last ` +
            `${formatBytes(TAIL_BYTES)} are shown; the full output is in ${outcome.spillPath}: read it with ` +
            `read and offset/limit, or grep it)`,
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
};

type RunOutcome = {
  text: string;
  totalBytes: number;
  spillPath?: string;
  spillError?: string;
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
    const child = spawn(invocation.file, invocation.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collector = createCollector(options.spillPath, options.redact);
    const streams = [child.stdout, child.stderr].filter((s): s is Readable => s !== null);
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
      options.signal.removeEventListener("abort", onAbort);
      for (const stream of streams) {
        stream.off("data", onData);
        stream.destroy();
      }
      const collected = await collector.finish();
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

type Collector = {
  /** Returns false when the caller should pause until `onDrain`. */
  push(chunk: Buffer): boolean;
  onDrain(callback: () => void): void;
  finish(): Promise<{ text: string; totalBytes: number; spillPath?: string; spillError?: string }>;
};

/**
 * Keeps all output while it is small. Past HEAD+TAIL bytes it keeps only the head and a rolling tail in
 * memory and streams everything to a spill file.
 */
function createCollector(spillPath: () => string, redact?: (text: string) => string): Collector {
  const filter = redact ? lineRedactor(redact) : null;
  const cap = HEAD_BYTES + TAIL_BYTES;
  let total = 0;
  let early: Buffer[] = [];
  let head = Buffer.alloc(0);
  const tail: Buffer[] = [];
  let tailBytes = 0;
  let spill: WriteStream | null = null;
  let path: string | undefined;
  let spillError: string | undefined;
  let pendingDrain: (() => void) | null = null;

  const keepTail = (chunk: Buffer) => {
    tail.push(chunk);
    tailBytes += chunk.length;
    while (tail.length > 1 && tailBytes - tail[0].length >= TAIL_BYTES) tailBytes -= tail.shift()!.length;
  };

  return {
    push(chunk) {
      total += chunk.length;
      if (spill === null && spillError === undefined) {
        early.push(chunk);
        if (total <= cap) return true;
        const all = Buffer.concat(early);
        early = [];
        head = Buffer.from(all.subarray(0, HEAD_BYTES));
        keepTail(Buffer.from(all.subarray(HEAD_BYTES)));
        try {
          path = spillPath();
          spill = createWriteStream(path, { highWaterMark: 1024 * 1024 });
          spill.on("error", (error) => {
            spillError = error.message;
            pendingDrain?.();
            pendingDrain = null;
          });
          return spill.write(filter ? filter.push(all) : all);
        } catch (error) {
          spillError = (error as Error).message;
          return true;
        }
      }
      keepTail(chunk);
      if (spill === null || spillError !== undefined) return true;
      return spill.write(filter ? filter.push(chunk) : chunk);
    },
    onDrain(callback) {
      if (!spill || spillError !== undefined) return callback();
      pendingDrain = callback;
      spill.once("drain", () => {
        pendingDrain = null;
        callback();
      });
    },
    async finish() {
      if (spill === null && spillError === undefined) {
        return { text: Buffer.concat(early).toString("utf8"), totalBytes: total };
      }
      if (spill) {
        const stream = spill;
        await new Promise<void>((done) => {
          if (spillError !== undefined) return done();
          stream.once("error", () => done());
          if (filter) stream.write(filter.end());
          stream.end(() => done());
        });
      }
      const kept = Buffer.concat(tail);
      const tailText = kept.subarray(Math.max(0, kept.length - TAIL_BYTES));
      const omitted = total - head.length - tailText.length;
      const text =
        head.toString("utf8") +
        `\n\n... [${formatBytes(omitted)} omitted] ...\n\n` +
        tailText.toString("utf8");
      return spillError !== undefined
        ? { text, totalBytes: total, spillError }
        : { text, totalBytes: total, spillPath: path };
    },
  };
}

/**
 * Redacts a byte stream on its way to disk, a line at a time (secret shapes never span lines). A line longer than
 * 64 KB is redacted in pieces.
 */
function lineRedactor(redact: (text: string) => string): { push(chunk: Buffer): Buffer; end(): Buffer } {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  return {
    push(chunk) {
      const text = carry + decoder.write(chunk);
      const cut = text.lastIndexOf("\n");
      if (cut === -1 && text.length < 65_536) {
        carry = text;
        return Buffer.alloc(0);
      }
      const ready = cut === -1 ? text : text.slice(0, cut + 1);
      carry = cut === -1 ? "" : text.slice(cut + 1);
      return Buffer.from(redact(ready));
    },
    end() {
      const rest = carry + decoder.end();
      carry = "";
      return Buffer.from(redact(rest));
    },
  };
}

/** Colour and cursor escape sequences mean nothing to the model. */
function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "");
}
