/**
 * A real terminal for end-to-end tests: the built hearth in a detached tmux session of a fixed size, driven
 * with send-keys and read with capture-pane. Each test gets its own tmux server (-L), so nothing is shared with
 * a user's tmux or with another test. Waits poll the screen up to a deadline; there are no fixed sleeps.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { CLI, type Sandbox } from "./harness.ts";

export function hasTmux(): boolean {
  return spawnSync("tmux", ["-V"]).status === 0;
}

export type Terminal = {
  /** Keys as tmux names them ("Enter", "Escape", "C-c") or literal text (`literal: true`). */
  keys(keys: string[], options?: { literal?: boolean }): void;
  /** Types text literally (no key names). */
  type(text: string): void;
  /** Pastes text as a terminal does (bracketed, when the program asked for it). */
  paste(text: string): void;
  /** Resizes the terminal (the program gets SIGWINCH). */
  resize(width: number, height: number): void;
  /** The screen as text, with the scrollback kept so far. */
  screen(): string;
  /** Waits until the screen matches `pattern` (or `check` on it holds); throws with the screen after `timeoutMs`. */
  waitFor(
    pattern: RegExp | ((screen: string) => boolean),
    timeoutMs?: number,
    pollMs?: number,
  ): Promise<string>;
  /** The process id of the program in the pane (hearth's node process). */
  programPid(): number;
  /** The pane's program has ended (hearth exited). */
  exited(): boolean;
  close(): void;
};

let count = 0;

/** Starts `hearth ...args` in the sandbox's project, in a width x height terminal. */
export function openTerminal(
  sandbox: Sandbox,
  args: string[],
  options: {
    width?: number;
    height?: number;
    env?: Record<string, string>;
    /** A file for hearth's stderr (traces), which would otherwise draw on the screen. */
    stderrTo?: string;
    /** Another program to run instead of hearth (benchmarks compare with it); `args` follow it. */
    program?: string[];
  } = {},
): Terminal {
  const socket = `hearth-test-${process.pid}-${++count}`;
  const tmux = (...argv: string[]) => execFileSync("tmux", ["-L", socket, ...argv], { encoding: "utf8" });
  const env = { ...sandbox.env, TERM: "xterm-256color", ...options.env };
  const exports = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  const program = options.program ?? [process.execPath, CLI];
  const command = `env -i ${exports.join(" ")} ${program.map(shellQuote).join(" ")} ${args.map(shellQuote).join(" ")}${options.stderrTo ? ` 2>${shellQuote(options.stderrTo)}` : ""}; echo "[exited $?]"; sleep 600`;
  execFileSync("tmux", [
    "-L",
    socket,
    "-f",
    "/dev/null",
    "new-session",
    "-d",
    "-x",
    String(options.width ?? 80),
    "-y",
    String(options.height ?? 24),
    "-c",
    sandbox.project,
    command,
  ]);
  tmux("set-option", "-g", "history-limit", "5000");
  const screen = () => tmux("capture-pane", "-p", "-J", "-S", "-5000");
  return {
    keys(keys, { literal = false } = {}) {
      tmux("send-keys", "-t", "0", ...(literal ? ["-l"] : []), ...keys);
    },
    type(text) {
      tmux("send-keys", "-t", "0", "-l", text);
    },
    paste(text) {
      tmux("set-buffer", "-b", "paste", text);
      tmux("paste-buffer", "-p", "-d", "-b", "paste", "-t", "0");
    },
    resize(width, height) {
      tmux("resize-window", "-t", "0", "-x", String(width), "-y", String(height));
    },
    screen,
    async waitFor(pattern, timeoutMs = 15000, pollMs = 50) {
      const deadline = Date.now() + timeoutMs;
      const check = typeof pattern === "function" ? pattern : (s: string) => pattern.test(s);
      let last = "";
      while (Date.now() < deadline) {
        last = screen();
        if (check(last)) return last;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      throw new Error(`the screen did not show ${pattern} within ${timeoutMs} ms; it shows:\n${last}`);
    },
    programPid() {
      // The pane runs sh -c "env -i ... program; echo; sleep": env execs the program, a child of that shell.
      const shell = tmux("display-message", "-p", "-t", "0", "#{pane_pid}").trim();
      const children = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", shell], { encoding: "utf8" });
      const line = children.split("\n").find((l) => l.trim() && !/\bsleep$/.test(l.trim()));
      if (!line) throw new Error("the pane's program is not running");
      return Number(line.trim().split(/\s+/)[0]);
    },
    exited() {
      return /\[exited \d+\]/.test(screen());
    },
    close() {
      spawnSync("tmux", ["-L", socket, "kill-server"]);
    },
  };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
