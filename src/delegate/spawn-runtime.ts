/**
 * Runs an agent CLI as a child: in its own process group (an interrupt kills it and everything it started), with
 * the environment it is given and nothing else, stdin closed, stdout read line by line and the tail of stderr
 * kept for the error line. The caller's abort signal stops the group: TERM, then KILL after a grace period.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

export type RuntimeProcess = {
  /** The child's stdin: open only for a child that is spoken to (an ACP agent), else null. */
  stdin: Writable | null;
  /** The child's stdout, for a caller that reads it itself (an ACP connection) instead of `lines`. */
  stdout: Readable;
  /** Ends the child's process group (TERM). */
  stop(): void;
  /** stdout, one line at a time, until the child closes it. */
  lines: AsyncIterable<string>;
  /** Resolves when the child has exited: its code or signal, and the last lines of its stderr. */
  exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderrTail: string[];
    spawnError?: string;
  }>;
};

const STDERR_LINES = 20;
const KILL_GRACE_MS = 2000;

export function spawnRuntime(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; signal: AbortSignal; stdin?: "pipe" },
): RuntimeProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
    detached: true,
  }) as import("node:child_process").ChildProcessByStdio<Writable | null, Readable, Readable>;
  const stderrTail: string[] = [];
  let spawnError: string | undefined;
  let partial = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const part of parts) if (part.trim()) stderrTail.push(part);
    stderrTail.splice(0, Math.max(0, stderrTail.length - STDERR_LINES));
  });
  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onAbort = () => {
    killGroup("SIGTERM");
    killTimer = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
    killTimer.unref();
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener("abort", onAbort, { once: true });
  // A hearth that exits (a second Ctrl-C) takes the child's group with it.
  const atExit = () => killGroup("SIGKILL");
  process.on("exit", atExit);

  const exited = new Promise<Awaited<RuntimeProcess["exited"]>>((resolve) => {
    child.on("error", (error) => {
      spawnError = error.message;
    });
    child.on("close", (code, signal) => {
      options.signal.removeEventListener("abort", onAbort);
      process.off("exit", atExit);
      if (killTimer) clearTimeout(killTimer);
      // The group may still hold processes the child started: they go with it.
      if (child.pid !== undefined)
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      if (partial.trim()) stderrTail.push(partial);
      resolve({ code, signal, stderrTail, ...(spawnError ? { spawnError } : {}) });
    });
  });
  const lines: AsyncIterable<string> = {
    async *[Symbol.asyncIterator]() {
      if (!child.stdout) return;
      const reader = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of reader) yield line;
    },
  };
  /** Stops the child's group now (an ACP agent stays up after its prompt: it is stopped when done). */
  return { lines, exited, stdin: child.stdin, stdout: child.stdout, stop: () => killGroup("SIGTERM") };
}
