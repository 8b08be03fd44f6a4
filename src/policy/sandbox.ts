/**
 * The OS sandbox every `bash` command runs in when one is available: bubblewrap on Linux, Seatbelt
 * (`sandbox-exec`) on macOS. Writes reach only the workspace, the extra roots and the temp dir; the protected
 * names (`.git/hooks`, `.hearth`, `.mcp.json`, ...: protected-paths.ts) stay read-only inside them whether or not
 * they exist; secret stores and read-denied files look empty; the network is off unless allowed. What goes
 * where is planned in sandbox-mounts.ts; this file detects the sandbox and builds its command line.
 *
 * Why our own bwrap argument builder and not `@anthropic-ai/sandbox-runtime` (DESIGN prefers a maintained
 * library if it fits; measured here with 0.0.78 on Node 20, bwrap 0.8.0, median of 20 runs of `true`):
 * - Cost per command: the library's `wrapWithSandbox` alone takes ~50 ms (350 ms the first time), and the
 *   command then starts ~80 ms slower than plain bash (socat bridges and a seccomp helper start inside the
 *   sandbox). Plain bwrap with this profile adds ~9-12 ms (bash -c true: ~13 ms, in
 *   bwrap: ~23 ms) plus ~1 ms to build the arguments; sandbox.test.ts measures it again on every run.
 * - Footprint: the library needs socat and ripgrep besides bwrap, 17 MB of node_modules, a process-wide
 *   singleton, HTTP and SOCKS proxies on the host, and ~30 proxy variables in the child's environment.
 *   Its current line requires Node >= 22.12 (we support 20).
 * - What we give up: per-domain network allow-lists (we have all or nothing), a seccomp filter that blocks
 *   every Unix socket (we hide the well-known ones), and a maintained, tested macOS profile. The Seatbelt
 *   profile below is untested (no mac here): it is built the same way but has never run.
 *
 * Process control: no `--new-session`. With it the command gets its own process group, so the bash tool's
 * group kill reaches only bwrap and a backgrounded grandchild survives (checked). It is not needed: the bash
 * tool spawns detached, so bwrap already leads a new session without a controlling terminal.
 * One pid namespace per command (`--unshare-pid`, with a fresh /proc): the command cannot see hearth or any
 * other process, and when it ends the kernel kills everything left in the namespace, daemons that called setsid
 * included. The command's shell is the namespace's pid 1 (`--as-pid-1`: bwrap's own init process cost ~2 ms a
 * command): it ignores signals it has no handler for from inside, but the bash tool's SIGTERM reaches bwrap
 * outside, whose death kills it (`--die-with-parent`), and SIGKILL always reaches it.
 * So nothing a command starts outlives it. One namespace for the whole run was the alternative (a server started
 * by one command, used by the next); it was not taken because each command already has its own network
 * namespace (loopback included) when the network is off, so such a server was unreachable anyway, and joining
 * namespaces would need a long-lived helper per run. The model is told to start a server and its client in one
 * command (bash.ts).
 * `--cap-drop ALL` matters when hearth runs as root: without it the command keeps CAP_SYS_ADMIN and can
 * simply remount `/` read-write (checked).
 */

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findExecutable } from "./find-executable.ts";
import { type MountPlan, planMounts, removePlaceholders, type SandboxSpec } from "./sandbox-mounts.ts";

export { releasePlaceholders, type SandboxSpec } from "./sandbox-mounts.ts";

export type SandboxKind = "bwrap" | "seatbelt";

export type AvailableSandbox = {
  available: true;
  kind: SandboxKind;
  /** The sandbox program (bwrap or sandbox-exec). */
  path: string;
  /** bwrap only: whether a fresh /proc can be mounted (some kernels refuse without a pid namespace). */
  mountProc: boolean;
  /** True for Seatbelt, whose profile has never been run by our tests. */
  experimental: boolean;
};
export type UnavailableSandbox = { available: false; reason: string };
export type SandboxStatus = AvailableSandbox | UnavailableSandbox;

/**
 * The program to spawn; `cleanup` runs once the command and everything it started are gone; `contained`: nothing
 * the command starts outlives it (bwrap's pid namespace).
 */
export type Invocation = { file: string; args: string[]; cleanup?: () => void; contained?: boolean };

const TRIAL_TIMEOUT_MS = 5000;

const detected = new Map<string, Promise<SandboxStatus>>();

/**
 * Which sandbox commands can run in, found once per process (per PATH). It runs the real profile once on
 * `true`, so "available" means a sandbox actually started here.
 */
export function detectSandbox(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Promise<SandboxStatus> {
  const key = `${platform}\0${env.PATH ?? ""}`;
  let status = detected.get(key);
  if (!status) {
    status = detect(env, platform);
    detected.set(key, status);
  }
  return status;
}

async function detect(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<SandboxStatus> {
  const tmp = env.TMPDIR || tmpdir();
  const trialSpec: SandboxSpec = {
    workspaceRoot: tmp,
    writableRoots: [],
    allowNetwork: false,
    tmpDir: tmp,
    hostEnv: env,
  };
  if (platform === "linux") {
    const path = findExecutable("bwrap", env.PATH);
    if (!path) {
      return {
        available: false,
        reason: "bubblewrap (bwrap) is not on PATH; install it (e.g. `apt-get install bubblewrap`)",
      };
    }
    let firstError = "";
    for (const mountProc of [true, false]) {
      const sandbox: AvailableSandbox = {
        available: true,
        kind: "bwrap",
        path,
        mountProc,
        experimental: false,
      };
      const error = await trial(sandbox, trialSpec, env);
      if (error === null) return sandbox;
      firstError ||= error;
    }
    return {
      available: false,
      reason:
        `bwrap could not start a sandbox (${firstError}); user namespaces may be disabled ` +
        "(kernel.unprivileged_userns_clone, or AppArmor's apparmor_restrict_unprivileged_userns)",
    };
  }
  if (platform === "darwin") {
    const path = "/usr/bin/sandbox-exec";
    if (!existsSync(path)) return { available: false, reason: `${path} not found` };
    const sandbox: AvailableSandbox = {
      available: true,
      kind: "seatbelt",
      path,
      mountProc: false,
      experimental: true,
    };
    const error = await trial(sandbox, trialSpec, env);
    return error === null
      ? sandbox
      : { available: false, reason: `sandbox-exec could not start a sandbox (${error})` };
  }
  return { available: false, reason: `no OS sandbox is supported on ${platform}` };
}

/**
 * Null when `true` runs in the sandbox, else what went wrong. The trial's workspace is a fresh folder of its own,
 * so that the stand-ins for missing protected paths land there and not in the temp dir another hearth shares.
 */
async function trial(
  sandbox: AvailableSandbox,
  spec: SandboxSpec,
  env: NodeJS.ProcessEnv,
): Promise<string | null> {
  let own: string | undefined;
  try {
    own = mkdtempSync(join(spec.tmpDir, "hearth-sandbox-trial-"));
  } catch {
    // an unwritable temp dir: try in it anyway, and take the stand-ins away after
  }
  try {
    return await trialIn(sandbox, { ...spec, workspaceRoot: own ?? spec.workspaceRoot }, env);
  } finally {
    if (own) rmSync(own, { recursive: true, force: true });
  }
}

async function trialIn(
  sandbox: AvailableSandbox,
  spec: SandboxSpec,
  env: NodeJS.ProcessEnv,
): Promise<string | null> {
  let invocation: Invocation;
  try {
    invocation = wrapCommand({ ...spec, sandbox, command: "true" });
  } catch (error) {
    return (error as Error).message;
  }
  // node:child_process loads here, not at start-up.
  const { execFile } = await import("node:child_process");
  return new Promise((done) => {
    execFile(
      invocation.file,
      invocation.args,
      { env, timeout: TRIAL_TIMEOUT_MS, cwd: "/" },
      (error, _stdout, stderr) => {
        invocation.cleanup?.();
        if (!error) return done(null);
        const said = stderr.trim().split("\n")[0];
        done(said || error.message);
      },
    );
  });
}

/** One line for start-up and `hearth doctor`. */
export function describeSandbox(status: SandboxStatus): string {
  if (!status.available) {
    return `no OS sandbox: ${status.reason}. Commands run unsandboxed, guarded only by permission rules.`;
  }
  return status.kind === "bwrap"
    ? `commands run in a bubblewrap sandbox (${status.path})`
    : `commands run in a Seatbelt sandbox (${status.path}; experimental, untested)`;
}

/** The bash tool's `wrap` dep: every command in `sandbox` with the same spec. */
export function sandboxWrapper(
  sandbox: AvailableSandbox,
  spec: SandboxSpec,
): (command: string) => Invocation {
  return (command) => wrapCommand({ ...spec, sandbox, command });
}

/**
 * Turns `bash -c command` into the sandboxed invocation. Paths are looked up on every call (a command may
 * have run `git init` since the last one), which costs a few dozen stat calls.
 */
export function wrapCommand(spec: SandboxSpec & { sandbox: AvailableSandbox; command: string }): Invocation {
  const plan = planMounts(spec);
  if (spec.sandbox.kind === "seatbelt")
    return seatbeltInvocation(spec.sandbox, plan, spec.allowNetwork, spec.command);
  const invocation = bwrapInvocation(spec.sandbox, plan, spec.allowNetwork, spec.command);
  if (spec.placeholders) {
    for (const path of plan.placeholders) spec.placeholders.add(path);
    return invocation;
  }
  return plan.placeholders.length > 0
    ? { ...invocation, cleanup: () => removePlaceholders(plan) }
    : invocation;
}

function bwrapInvocation(
  sandbox: AvailableSandbox,
  plan: MountPlan,
  allowNetwork: boolean,
  command: string,
): Invocation {
  // The command itself is pid 1 of its namespace (`--as-pid-1`): bwrap's own init costs ~2 ms a command.
  const args = ["--die-with-parent", "--cap-drop", "ALL", "--unshare-pid", "--as-pid-1"];
  if (!allowNetwork) args.push("--unshare-net");
  args.push("--ro-bind", "/", "/", "--dev", "/dev");
  if (sandbox.mountProc) args.push("--proc", "/proc");
  // Order matters: each mount covers what an earlier one put at or below the same path.
  if (plan.tmp) args.push("--bind", plan.tmp, plan.tmp);
  if (plan.home) args.push("--ro-bind", plan.home, plan.home);
  for (const root of plan.writable) args.push("--bind", root, root);
  // A mount point cannot be renamed, so `mv .git x` cannot carry the protected paths away from `.git`.
  for (const dir of plan.pinned) args.push("--bind", dir, dir);
  for (const dir of plan.socketDirs) args.push("--tmpfs", dir);
  for (const path of plan.readOnly) args.push("--ro-bind", path, path);
  // bwrap creates each missing mount point (an empty folder) on the host; removePlaceholders or
  // releasePlaceholders takes it away.
  for (const dir of plan.placeholders) args.push("--tmpfs", dir, "--remount-ro", dir);
  // Hidden folders are empty and writable, and what is written there is gone with the command: making each
  // read-only costs bwrap another pass over the mount table (~0.2 ms), for nothing a later run could see.
  for (const dir of plan.hiddenDirs) args.push("--tmpfs", dir);
  for (const file of [...plan.socketFiles, ...plan.hiddenFiles]) args.push("--ro-bind", "/dev/null", file);
  args.push("--chdir", plan.workspace);
  if (plan.tmp) args.push("--setenv", "TMPDIR", plan.tmp);
  args.push("--", "bash", "-c", command);
  return { file: sandbox.path, args, contained: true };
}

/**
 * macOS: a Seatbelt profile with the paths passed as parameters (no quoting of user paths into the
 * profile). Seatbelt takes the last matching rule, so each rule refines the ones above it. UNTESTED.
 */
function seatbeltInvocation(
  sandbox: AvailableSandbox,
  plan: MountPlan,
  allowNetwork: boolean,
  command: string,
): Invocation {
  const params: string[] = [];
  const param = (value: string): string => {
    const name = `P${params.length / 2}`;
    params.push("-D", `${name}=${value}`);
    return `(param "${name}")`;
  };
  const subpaths = (paths: string[]) => paths.map((path) => `(subpath ${param(path)})`).join(" ");
  const profile = [
    "(version 1)",
    "(allow default)",
    "(deny file-write*)",
    '(allow file-write* (literal "/dev/null") (literal "/dev/zero") (literal "/dev/tty")' +
      ' (literal "/dev/dtracehelper") (regex #"^/dev/fd/") (regex #"^/dev/ttys[0-9]+$"))',
  ];
  if (plan.tmp) profile.push(`(allow file-write* ${subpaths([plan.tmp])})`);
  if (plan.home) profile.push(`(deny file-write* ${subpaths([plan.home])})`);
  profile.push(`(allow file-write* ${subpaths(plan.writable)})`);
  // Seatbelt matches paths, so a missing protected path can be denied before it exists (nothing is created).
  const protectedPaths = [...plan.readOnly, ...plan.placeholders];
  if (protectedPaths.length > 0) profile.push(`(deny file-write* ${subpaths(protectedPaths)})`);
  const hidden = [...plan.hiddenDirs, ...plan.hiddenFiles];
  if (hidden.length > 0) profile.push(`(deny file-read* file-write* ${subpaths(hidden)})`);
  // Path rules know nothing of mounts: also forbid renaming or deleting the folders above them.
  if (plan.pinned.length > 0) {
    profile.push(`(deny file-write-unlink ${plan.pinned.map((dir) => `(literal ${param(dir)})`).join(" ")})`);
  }
  if (!allowNetwork) profile.push("(deny network*)");
  const file = sandbox.path;
  return { file, args: ["-p", profile.join("\n"), ...params, "bash", "-c", command] };
}
