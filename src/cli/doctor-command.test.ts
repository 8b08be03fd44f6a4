import assert from "node:assert/strict";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startFakeServer } from "../../test/fake-server/server.ts";
import { EXIT_FAILED, EXIT_OK } from "../protocol/errors.ts";
import { type DoctorIo, type DoctorReport, runDoctor } from "./doctor-command.ts";

const base = mkdtempSync(join(tmpdir(), "hearth-doctor-"));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

type Case = { env: NodeJS.ProcessEnv; home: string; project: string };

/** A temp HOME, XDG dirs and project; the keychain off (never the user's real one); probes on closed ports. */
function fresh(): Case {
  const root = join(base, `case-${++n}`);
  const home = join(root, "home");
  const project = join(root, "project");
  mkdirSync(home, { recursive: true });
  mkdirSync(project, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_STATE_HOME: join(home, ".local/state"),
    HEARTH_KEYCHAIN: "off",
    OLLAMA_HOST: "127.0.0.1:9",
  };
  return { env, home, project: realpathSync(project) };
}

function userSettings(c: Case, text: string): string {
  const path = join(c.env.XDG_CONFIG_HOME as string, "hearth", "settings.json");
  mkdirSync(join(c.env.XDG_CONFIG_HOME as string, "hearth"), { recursive: true });
  writeFileSync(path, text);
  return path;
}

async function doctor(c: Case, args: string[] = [], io: DoctorIo = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runDoctor(["--cwd", c.project, ...args], c.env, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    ...io,
  });
  const lines = stdout.trimEnd().split("\n");
  const line = (check: string) => lines.find((l) => l.slice(6).startsWith(`${check}  `)) ?? "";
  return { code, stdout, stderr, lines, line };
}

describe("hearth doctor", () => {
  it("prints one line per check in a fixed order and exits 0 when nothing fails", async () => {
    const c = fresh();
    userSettings(c, JSON.stringify({ model: "ollama/qwen" }));
    const r = await doctor(c);
    assert.equal(r.code, EXIT_OK, r.stdout);
    assert.deepEqual(
      r.lines.map((l) => l.slice(6).split("  ")[0]),
      [
        "user settings",
        "project settings",
        "config dir",
        "data dir",
        "state dir",
        "disk space",
        "keychain",
        "sandbox",
        "local servers",
        "ripgrep",
        "runtimes",
        "session index",
        "mcp servers",
      ],
    );
    for (const l of r.lines) assert.match(l, /^(ok {4}|warn {2}|fail {2})\S/);
    assert.match(r.line("user settings"), /^ok {4}.*settings\.json is valid$/);
    assert.match(
      r.line("project settings"),
      /^ok .*\.hearth\/settings\.json does not exist \(defaults apply\)$/,
    );
    assert.match(
      r.line("data dir"),
      /^ok .*share\/hearth does not exist yet; hearth creates it \(.* is writable\)$/,
    );
    assert.match(r.line("keychain"), /^ok .*turned off \(HEARTH_KEYCHAIN=off\); .*keys\.json \(mode 0600\)$/);
    assert.match(
      r.line("local servers"),
      /^ok .*no local model server answered.*; settings choose ollama\/qwen$/,
    );
    assert.match(r.line("disk space"), /^ok .* (GB|MB) free at /);
    assert.equal(r.stderr, "");
  });

  it("fails on a broken settings file, pointing at file:line", async () => {
    const c = fresh();
    const path = userSettings(c, '{\n  "model": "ollama/qwen",\n  "maxTurns": "lots"\n}\n');
    mkdirSync(join(c.project, ".hearth"));
    writeFileSync(join(c.project, ".hearth", "settings.json"), '{\n  "modle": "x"\n}\n');
    const r = await doctor(c);
    assert.equal(r.code, EXIT_FAILED);
    assert.ok(
      r.line("user settings").startsWith(`fail  user settings     ${path}:3: "maxTurns": `),
      r.stdout,
    );
    assert.match(r.line("user settings"), /fix it \(or move the file aside\)/);
    assert.match(
      r.line("project settings"),
      /^warn .*\.hearth\/settings\.json:2: warning: unknown setting "modle" \(ignored\)$/,
    );
  });

  it("fails when the data directory is not a directory hearth can write in", async () => {
    const c = fresh();
    // A file where hearth's data directory should be: fails for root as well.
    mkdirSync(c.env.XDG_DATA_HOME as string, { recursive: true });
    writeFileSync(join(c.env.XDG_DATA_HOME as string, "hearth"), "");
    const r = await doctor(c);
    assert.equal(r.code, EXIT_FAILED);
    assert.match(
      r.line("data dir"),
      /^fail {2}data dir {2,}.*share\/hearth is not a directory; move it aside$/,
    );
  });

  it("fails when the data directory is read-only (skipped as root)", {
    skip: process.getuid?.() === 0,
  }, async () => {
    const c = fresh();
    const dataDir = join(c.env.XDG_DATA_HOME as string, "hearth");
    mkdirSync(dataDir, { recursive: true });
    chmodSync(dataDir, 0o500);
    try {
      const r = await doctor(c);
      assert.equal(r.code, EXIT_FAILED);
      assert.match(
        r.line("data dir"),
        /^fail .*cannot write in .*share\/hearth \(EACCES\); fix its permissions, or set XDG_DATA_HOME/,
      );
    } finally {
      chmodSync(dataDir, 0o700);
    }
  });

  it("finds a model server on loopback and records the probe in the egress ledger", async () => {
    const server = await startFakeServer({ models: ["qwen-fake:7b", "llama-fake"] });
    try {
      const c = fresh();
      c.env.OLLAMA_HOST = `127.0.0.1:${server.port}`;
      const r = await doctor(c);
      assert.match(
        r.line("local servers"),
        new RegExp(
          `^ok {4}local servers {2,}ollama at http://127\\.0\\.0\\.1:${server.port} \\(2 models: qwen-fake:7b, llama-fake\\)`,
        ),
      );
      assert.ok(server.requests.some((q) => q.path === "/api/tags"));
      const ledger = readFileSync(join(c.env.XDG_STATE_HOME as string, "hearth", "egress.jsonl"), "utf8");
      assert.match(ledger, new RegExp(`"host":"127\\.0\\.0\\.1:${server.port}","purpose":"probe"`));
    } finally {
      await server.close();
    }
  });

  it("makes no request off loopback: a server that settings put elsewhere is named, not probed", async () => {
    const c = fresh();
    userSettings(c, JSON.stringify({ providers: { lmstudio: { baseUrl: "http://192.0.2.7:1234/v1" } } }));
    const started = Date.now();
    const r = await doctor(c);
    assert.match(
      r.line("local servers"),
      /not probed \(not on loopback\): lmstudio at http:\/\/192\.0\.2\.7:1234\/v1$/,
    );
    assert.match(r.line("local servers"), /^warn .*and no model is set: start one/);
    let ledger = "";
    try {
      ledger = readFileSync(join(c.env.XDG_STATE_HOME as string, "hearth", "egress.jsonl"), "utf8");
    } catch {
      // no request completed at all
    }
    assert.doesNotMatch(ledger, /192\.0\.2\.7/);
    assert.ok(Date.now() - started < 3000, "a refused probe does not wait for a connect timeout");
  });

  it("checks the session index: a corrupt database is rebuilt, an unreadable session file is a warning", async () => {
    const c = fresh();
    const data = join(c.env.XDG_DATA_HOME as string, "hearth");
    mkdirSync(join(data, "sessions"), { recursive: true });
    writeFileSync(join(data, "index.db"), "garbage, not a database ".repeat(50));
    const healed = await doctor(c);
    assert.match(healed.line("session index"), /^ok .*0 sessions indexed \(SQLite FTS5\)$/);
    writeFileSync(join(data, "sessions", "0000bad0-0000-7000-8000-000000000000.jsonl"), "not json\n");
    const warned = await doctor(c);
    assert.match(
      warned.line("session index"),
      /^warn .*1 session file\(s\) could not be read .*hearth sessions reindex$/,
    );
  });

  it("starts the MCP servers and shows which loaded with their tool counts, and which did not and why", async () => {
    const c = fresh();
    const stub = join(import.meta.dirname, "../../test/fixtures/mcp-stub-server.mjs");
    userSettings(
      c,
      JSON.stringify({
        mcpServers: {
          stub: { command: process.execPath, args: [stub, "ok"] },
          gone: { command: process.execPath, args: [stub, "exit-start"] },
          far: { type: "http", url: "https://mcp.example.com/mcp" },
        },
      }),
    );
    writeFileSync(join(c.project, ".mcp.json"), JSON.stringify({ mcpServers: { repo: { command: "x" } } }));
    const r = await doctor(c);
    const line = r.line("mcp servers");
    assert.match(line, /^warn .*loaded: stub \(3 tools\)/);
    assert.match(line, /gone did not start: .*\(hearth mcp test gone\)/);
    assert.match(
      line,
      /far did not start: offline mode \(hearth doctor reaches loopback only\) blocks the request to mcp\.example\.com/,
    );
    assert.match(line, /\.mcp\.json asks for MCP server repo; not started: this folder is not trusted/);
    const none = await doctor(fresh());
    assert.match(none.line("mcp servers"), /^ok .*none configured/);
  });

  it("runs extra checks and bounds each by the deadline", async () => {
    const c = fresh();
    const r = await doctor(c, [], {
      checkTimeoutMs: 200,
      extraChecks: [
        {
          name: "extra",
          run: (ctx) => ({ status: "fail", message: `${ctx.paths.dataDir}/index.db is corrupt` }),
        },
        { name: "slow", run: () => new Promise(() => {}) },
        {
          name: "thrower",
          run: () => {
            throw new Error("boom\nstack");
          },
        },
      ],
    });
    assert.equal(r.code, EXIT_FAILED);
    assert.match(r.line("extra"), /^fail .*share\/hearth\/index\.db is corrupt$/);
    assert.match(r.line("slow"), /^warn .*did not finish within 0\.2 s; run hearth doctor again$/);
    assert.match(r.line("thrower"), /^warn .*the check itself failed: boom$/);
  });

  it("--json gives the same checks as one object; low disk space is a warning", async () => {
    const c = fresh();
    const r = await doctor(c, ["--json"], { diskWarnBytes: Number.MAX_SAFE_INTEGER });
    const report = JSON.parse(r.stdout) as DoctorReport;
    assert.equal(report.ok, r.code === EXIT_OK);
    assert.equal(report.checks.length, 13);
    const disk = report.checks.find((x) => x.name === "disk space");
    assert.equal(disk?.status, "warn");
    assert.match(
      disk?.message ?? "",
      /^only .* free at .*; sessions stop being saved when the disk fills up/,
    );
    for (const check of report.checks) assert.ok(["ok", "warn", "fail"].includes(check.status));
  });

  it("rejects stray arguments with usage", async () => {
    const c = fresh();
    const r = await doctor(c, ["now"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^hearth: doctor takes no arguments \("now"\)\nUsage: hearth doctor/);
  });
});
