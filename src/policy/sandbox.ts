/**
 * The OS sandbox every `bash` command runs in when one is available: bubblewrap on Linux, Seatbelt
 * (`sandbox-exec`) on macOS. Writes reach only the workspace, the extra roots and the temp dir; `.git/hooks`,
 * `.git/config` and `.hearth` stay read-only inside them; the network is off unless allowed.
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
 * tool spawns detached, so bwrap already leads a new session without a controlling terminal. No pid
 * namespace either: a command's background processes keep living after it, as without the sandbox.
 * `--cap-drop ALL` matters when hearth runs as root: without it the command keeps CAP_SYS_ADMIN and can
 * simply remount `/` read-write (checked).
 */

import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { findExecutable } from "./find-executable.ts";
import { isInside } from "./workspace.ts";

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

export type SandboxSpec = {
  workspaceRoot: string;
  /** Extra directories that may be written (`--add-dir`), besides the workspace and the temp dir. */
  writableRoots: string[];
  /** Paths that stay read-only even inside a writable root (only those that exist are bound). */
  readOnlyPaths?: string[];
  allowNetwork: boolean;
  /** The writable temp dir (the user's TMPDIR or /tmp); TMPDIR points at it inside. */
  tmpDir: string;
  /** The host environment, for HOME, XDG_RUNTIME_DIR and SSH_AUTH_SOCK. Defaults to process.env. */
  hostEnv?: NodeJS.ProcessEnv;
};

export type Invocation = { file: string; args: string[] };

/** Relative to each writable root: kept read-only inside it. */
const PROTECTED = [".git/hooks", ".git/config", ".hearth"];
/** Unix sockets that lead out of any sandbox (container engines, init, the system bus). */
const HOST_SOCKETS = [
  "/run/docker.sock",
  "/var/run/docker.sock",
  "/run/podman/podman.sock",
  "/run/containerd/containerd.sock",
  "/run/dbus/system_bus_socket",
  "/run/systemd/private",
];
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

/** Null when `true` runs in the sandbox, else what went wrong. */
async function trial(
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
 * have run `git init` since the last one), which costs a few stat calls.
 */
export function wrapCommand(spec: SandboxSpec & { sandbox: AvailableSandbox; command: string }): Invocation {
  const plan = planMounts(spec);
  return spec.sandbox.kind === "bwrap"
    ? bwrapInvocation(spec.sandbox, plan, spec.allowNetwork, spec.command)
    : seatbeltInvocation(spec.sandbox, plan, spec.allowNetwork, spec.command);
}

type MountPlan = {
  workspace: string;
  tmp: string | null;
  /** HOME, when it lies inside the temp dir (it must stay read-only there). */
  home: string | null;
  /** Writable roots, parents before children. */
  writable: string[];
  /** Existing `.git` directories inside writable roots: bound onto themselves so they cannot be renamed. */
  gitDirs: string[];
  /** Existing paths to keep read-only. */
  readOnly: string[];
  /** `.git/hooks` directories that do not exist yet but whose `.git` does. */
  missingHooks: string[];
  /** Directories full of sockets to cover with an empty tmpfs. */
  hiddenDirs: string[];
  /** Socket files to cover with /dev/null. */
  hiddenFiles: string[];
};

function planMounts(spec: SandboxSpec): MountPlan {
  const hostEnv = spec.hostEnv ?? process.env;
  const workspace = realpathSync(spec.workspaceRoot);
  const tmp = real(spec.tmpDir) || null;
  const homeReal = real(hostEnv.HOME);
  const home = homeReal && tmp && homeReal !== tmp && isInside(homeReal, tmp) ? homeReal : null;
  const roots = unique([workspace, ...spec.writableRoots.map(real)]).sort((a, b) => a.length - b.length);

  const gitDirs: string[] = [];
  const readOnly: string[] = [];
  const missingHooks: string[] = [];
  for (const root of roots) {
    const git = join(root, ".git");
    if (isDirectory(git)) {
      gitDirs.push(git);
      if (!existsSync(join(git, "hooks"))) missingHooks.push(join(git, "hooks"));
    } else if (isFile(git)) {
      // A worktree or submodule: `.git` names the real git dir, whose hooks and config matter.
      const gitDir = linkedGitDir(root, git);
      if (gitDir) readOnly.push(join(gitDir, "hooks"), join(gitDir, "config"));
    }
    for (const relative of PROTECTED) readOnly.push(join(root, relative));
  }
  readOnly.push(...(spec.readOnlyPaths ?? []));

  const writableAll = tmp ? [tmp, ...roots] : roots;
  const runtimeDir = hostEnv.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? ""}`;
  const hiddenDirs = unique([runtimeDir, "/tmp/.X11-unix"].map(real)).filter(
    (dir) => isDirectory(dir) && !writableAll.some((root) => isInside(root, dir)),
  );
  const hiddenFiles = unique([...HOST_SOCKETS, hostEnv.SSH_AUTH_SOCK ?? ""].map(real)).filter(
    (file) => !hiddenDirs.some((dir) => isInside(file, dir)),
  );

  return {
    workspace,
    tmp,
    home,
    writable: roots,
    gitDirs: unique(gitDirs.map(real)),
    readOnly: unique(readOnly.map(real)),
    missingHooks,
    hiddenDirs,
    hiddenFiles,
  };
}

function bwrapInvocation(
  sandbox: AvailableSandbox,
  plan: MountPlan,
  allowNetwork: boolean,
  command: string,
): Invocation {
  const args = ["--die-with-parent", "--cap-drop", "ALL"];
  if (!allowNetwork) args.push("--unshare-net");
  args.push("--ro-bind", "/", "/", "--dev", "/dev");
  if (sandbox.mountProc) args.push("--proc", "/proc");
  // Order matters: each mount covers what an earlier one put at or below the same path.
  if (plan.tmp) args.push("--bind", plan.tmp, plan.tmp);
  if (plan.home) args.push("--ro-bind", plan.home, plan.home);
  for (const root of plan.writable) args.push("--bind", root, root);
  // A mount point cannot be renamed, so `mv .git x` cannot carry the protected paths away from `.git`.
  for (const git of plan.gitDirs) args.push("--bind", git, git);
  for (const dir of plan.hiddenDirs) args.push("--tmpfs", dir);
  for (const file of plan.hiddenFiles) args.push("--ro-bind", "/dev/null", file);
  for (const path of plan.readOnly) args.push("--ro-bind", path, path);
  // An empty read-only hooks directory, so a command cannot create the first hook (bwrap creates the
  // mount point, an empty `.git/hooks`, on the host: git would have made the same directory).
  for (const hooks of plan.missingHooks) args.push("--tmpfs", hooks, "--remount-ro", hooks);
  args.push("--chdir", plan.workspace);
  if (plan.tmp) args.push("--setenv", "TMPDIR", plan.tmp);
  args.push("--", "bash", "-c", command);
  return { file: sandbox.path, args };
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
  // Seatbelt matches paths, so a missing hooks directory can be denied before it exists.
  const protectedPaths = [...plan.readOnly, ...plan.missingHooks];
  if (protectedPaths.length > 0) profile.push(`(deny file-write* ${subpaths(protectedPaths)})`);
  // Path rules know nothing of mounts: also forbid renaming or deleting `.git` itself.
  if (plan.gitDirs.length > 0) {
    profile.push(
      `(deny file-write-unlink ${plan.gitDirs.map((git) => `(literal ${param(git)})`).join(" ")})`,
    );
  }
  if (!allowNetwork) profile.push("(deny network*)");
  const file = sandbox.path;
  return { file, args: ["-p", profile.join("\n"), ...params, "bash", "-c", command] };
}

function linkedGitDir(root: string, dotGit: string): string | null {
  try {
    const match = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"));
    return match ? resolve(root, match[1]) : null;
  } catch {
    return null;
  }
}

/** The real path, or "" when there is none (`unique` drops empty strings). */
function real(path: string | undefined): string {
  if (!path) return "";
  try {
    return realpathSync(path);
  } catch {
    return "";
  }
}

function unique(paths: string[]): string[] {
  return [...new Set(paths.filter((path) => path !== ""))];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
