import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Exchange } from "../egress/http-client.ts";
import { createEgressLedger } from "../egress/ledger.ts";
import { EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { runEgress } from "./egress-command.ts";

const base = mkdtempSync(join(tmpdir(), "hearth-egress-cmd-"));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

function fresh(): { env: NodeJS.ProcessEnv; stateDir: string } {
  const state = join(base, `case-${++n}`, "state");
  return { env: { XDG_STATE_HOME: state }, stateDir: join(state, "hearth") };
}

function run(args: string[], env: NodeJS.ProcessEnv) {
  let stdout = "";
  let stderr = "";
  const code = runEgress(args, env, {
    home: base,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

const at = (second: number) => Date.UTC(2025, 5, 1, 10, 0, second, 250);
const exchanges: Exchange[] = [
  {
    method: "GET",
    host: "127.0.0.1:11434",
    purpose: "probe",
    status: null,
    bytesSent: 60,
    bytesReceived: 0,
    startedAt: at(1),
    durationMs: 3,
  },
  {
    method: "POST",
    host: "api.anthropic.com",
    purpose: "model",
    status: 200,
    bytesSent: 2048,
    bytesReceived: 3 * 1024 * 1024,
    startedAt: at(2),
    durationMs: 900,
  },
  {
    method: "POST",
    host: "127.0.0.1:11434",
    purpose: "model",
    status: 429,
    bytesSent: 900,
    bytesReceived: 120,
    startedAt: at(3),
    durationMs: 20,
  },
];

describe("hearth egress", () => {
  it("says so when nothing was recorded, and where the ledger is", () => {
    const { env, stateDir } = fresh();
    assert.deepEqual(run([], env), {
      code: EXIT_OK,
      stdout: `no outbound requests recorded (ledger: ${join(stateDir, "egress.jsonl")})\n`,
      stderr: "",
    });
    assert.deepEqual(run(["--json"], env), { code: EXIT_OK, stdout: "", stderr: "" });
  });

  it("prints a table, newest last, with where the ledger is and a summary", () => {
    const { env, stateDir } = fresh();
    const ledger = createEgressLedger({ stateDir });
    for (const e of exchanges) ledger.record(e);
    const result = run([], env);
    assert.equal(result.code, EXIT_OK);
    assert.equal(result.stderr, "");
    assert.equal(
      result.stdout,
      [
        `egress ledger: ${ledger.path}`,
        "time                  purpose  method  host               status    sent  received",
        "2025-06-01 10:00:01Z  probe    GET     127.0.0.1:11434    failed    60 B       0 B",
        "2025-06-01 10:00:02Z  model    POST    api.anthropic.com  200     2.0 kB    3.1 MB",
        "2025-06-01 10:00:03Z  model    POST    127.0.0.1:11434    429      900 B     120 B",
        "3 requests: 2 to loopback, 1 to api.anthropic.com",
        "",
      ].join("\n"),
    );
  });

  it("--limit shows the newest N; --json prints the stored lines", () => {
    const { env, stateDir } = fresh();
    const ledger = createEgressLedger({ stateDir });
    for (const e of exchanges) ledger.record(e);
    const limited = run(["--limit", "1"], env);
    assert.equal(limited.code, EXIT_OK);
    assert.match(limited.stdout, /10:00:03Z/);
    assert.doesNotMatch(limited.stdout, /10:00:0[12]Z/);
    assert.match(limited.stdout, /the last 1 of 3 requests: all to loopback \(--limit N shows more\)\n$/);

    const json = run(["--json"], env);
    assert.equal(json.code, EXIT_OK);
    const lines = json.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.deepEqual(JSON.parse(lines[1]), {
      time: "2025-06-01T10:00:02.250Z",
      method: "POST",
      host: "api.anthropic.com",
      purpose: "model",
      status: 200,
      bytesSent: 2048,
      bytesReceived: 3 * 1024 * 1024,
      durationMs: 900,
      loopback: false,
    });
    const last2 = run(["--json", "--limit", "2"], env);
    assert.deepEqual(last2.stdout.trimEnd().split("\n"), lines.slice(1));
  });

  it("notes unreadable lines instead of failing", () => {
    const { env, stateDir } = fresh();
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, "egress.jsonl"), "garbage\n");
    createEgressLedger({ stateDir }).record(exchanges[1]);
    const result = run([], env);
    assert.equal(result.code, EXIT_OK);
    assert.match(
      result.stdout,
      /1 request: 0 to loopback, 1 to api\.anthropic\.com\n1 line in the ledger could not/,
    );
  });

  it("reports usage errors with exit 2", () => {
    const { env } = fresh();
    for (const args of [["--bogus"], ["--limit", "0"], ["--limit", "x"], ["--limit", "1.5"], ["extra"]]) {
      const result = run(args, env);
      assert.equal(result.code, EXIT_USAGE, args.join(" "));
      assert.match(result.stderr, /^hearth: /);
    }
    assert.match(run(["--help"], env).stdout, /^Usage:\n {2}hearth egress/);
  });
});
