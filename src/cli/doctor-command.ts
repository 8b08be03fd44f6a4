/**
 * `hearth doctor`: checks what hearth depends on and explains each finding in one line,
 * `ok|warn|fail  <check>  <what was found, and the fix>`, or all of it as JSON with --json. Exit 0 when nothing
 * failed, 1 otherwise. Checks run in parallel, each within a deadline, and the only requests are probes of
 * model servers on loopback (through the egress client with the offline guard on, and in the egress ledger).
 */
import { existsSync } from "node:fs";
import { createHttpClient } from "../egress/http-client.ts";
import { createEgressLedger } from "../egress/ledger.ts";
import { offlineGuard } from "../egress/offline.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { loadWorkspaceSettings } from "../runtime/load-settings.ts";
import { workspaceRoot } from "../runtime/workspace-root.ts";
import type { KeychainOptions } from "../secrets/keychain-backend.ts";
import { hearthPaths, projectSettingsPath } from "../store/paths.ts";
import { deepMerge, loadSettings } from "../store/settings.ts";
import type { Settings } from "../store/settings-schema.ts";
import { isTrustedFolder, trustedFoldersPath } from "../store/trusted-folders.ts";
import {
  type CheckResult,
  type DoctorCheck,
  type DoctorContext,
  diskSpace,
  keychain,
  localServers,
  ripgrep,
  runtimes,
  sandbox,
  sessionIndex,
  settingsResult,
  stateDirectory,
  writableDirectory,
} from "./doctor-checks.ts";
import { writeOutput } from "./redaction.ts";
import { parseSubcommand, type SubcommandIo, subcommandOutput } from "./subcommand.ts";

export type { CheckResult, DoctorCheck, DoctorContext } from "./doctor-checks.ts";

export type DoctorIo = SubcommandIo & {
  /** More checks, run with the built-in ones and listed after them (e.g. the session index). */
  extraChecks?: DoctorCheck[];
  keychain?: KeychainOptions;
  /** Warn below this much free space on the data directory's file system (default 500 MB). */
  diskWarnBytes?: number;
  /** Deadline per check, ms (default 3000). */
  checkTimeoutMs?: number;
};

export type DoctorReport = { ok: boolean; checks: Array<{ name: string } & CheckResult> };

const USAGE = `Usage: hearth doctor [--json] [--cwd DIR]
  Checks settings, hearth's directories, disk space, the keychain, the sandbox, local model servers,
  ripgrep and the MCP servers (started, on loopback only), and says how to fix what is wrong. Exit status 1 when a check fails.
`;

const PROBE_BUDGET_MS = 800;
const DISK_WARN_BYTES = 500 * 1024 * 1024;

export async function runDoctor(args: string[], env: NodeJS.ProcessEnv, io: DoctorIo = {}): Promise<number> {
  const output = subcommandOutput({ stdout: io.stdout ?? writeOutput, stderr: io.stderr });
  const parsed = parseSubcommand<{ json?: boolean; cwd?: string }>(
    args,
    { json: { type: "boolean" }, cwd: { type: "string" } },
    USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  if (parsed.positionals.length > 0)
    return output.fail(`doctor takes no arguments ("${parsed.positionals[0]}")\n${USAGE}`, EXIT_USAGE);

  const report = await diagnoseSetup(workspaceRoot(parsed.values.cwd), env, io);
  if (parsed.values.json) output.say(JSON.stringify(report));
  else {
    const width = Math.max(...report.checks.map((c) => c.name.length)) + 2;
    for (const check of report.checks)
      output.say(`${check.status.padEnd(6)}${check.name.padEnd(width)}${check.message}`);
  }
  return report.ok ? EXIT_OK : EXIT_FAILED;
}

/** Run every check (in parallel, each within the deadline) and collect the results in a fixed order. */
export async function diagnoseSetup(
  cwd: string,
  env: NodeJS.ProcessEnv,
  io: DoctorIo = {},
): Promise<DoctorReport> {
  const paths = hearthPaths(env);
  const projectPath = projectSettingsPath(cwd);
  const loaded = loadSettings([
    { path: paths.userSettings, label: paths.userSettings },
    { path: projectPath, label: projectPath },
  ]);
  const user = loaded.layers.get(paths.userSettings) ?? {};
  const project = loaded.layers.get(projectPath);
  // As in load-settings.ts: a project file counts for the sandbox and providers only in a trusted folder.
  const trusted = project ? isTrustedFolder(trustedFoldersPath(env), cwd).trusted : false;
  const settings = (
    trusted ? deepMerge(user as Record<string, unknown>, project as Record<string, unknown>) : user
  ) as Settings;

  const ledger = createEgressLedger({ stateDir: paths.stateDir });
  const http = createHttpClient({
    onExchange: ledger.record,
    beforeRequest: offlineGuard({ offline: true, reason: "hearth doctor probes loopback only" }),
  });
  const context: DoctorContext = { env, paths, cwd, settings, http };
  const fileChecks = (path: string): DoctorCheck => ({
    name: path === paths.userSettings ? "user settings" : "project settings",
    run: () =>
      settingsResult(
        path,
        existsSync(path),
        loaded.diagnostics.filter((d) => d.file === path),
      ),
  });
  const checks: DoctorCheck[] = [
    fileChecks(paths.userSettings),
    fileChecks(projectPath),
    { name: "config dir", run: () => writableDirectory(paths.configDir, "XDG_CONFIG_HOME") },
    { name: "data dir", run: () => writableDirectory(paths.dataDir, "XDG_DATA_HOME") },
    { name: "state dir", run: () => stateDirectory(paths) },
    { name: "disk space", run: () => diskSpace(paths.dataDir, io.diskWarnBytes ?? DISK_WARN_BYTES) },
    { name: "keychain", run: () => keychain(env, io.keychain ?? { probeTimeoutMs: 1500 }) },
    { name: "sandbox", run: (c) => sandbox(c.settings, c.env) },
    { name: "local servers", run: (c) => localServers(c, PROBE_BUDGET_MS) },
    { name: "ripgrep", run: (c) => ripgrep(c.env) },
    { name: "runtimes", run: (c) => runtimes(c.env) },
    { name: "session index", run: () => sessionIndex(paths.dataDir) },
    { name: "mcp servers", run: () => mcpServers(cwd, env, (io.checkTimeoutMs ?? 3000) - 300) },
    ...(io.extraChecks ?? []),
  ];
  const timeoutMs = io.checkTimeoutMs ?? 3000;
  const results = await Promise.all(checks.map((check) => runCheck(check, context, timeoutMs)));
  const rows = checks.map((check, i) => ({ name: check.name, ...results[i] }));
  return { ok: rows.every((r) => r.status !== "fail"), checks: rows };
}

/** The MCP servers a run here would start, started within the check's deadline; settings problems are above. */
async function mcpServers(cwd: string, env: NodeJS.ProcessEnv, budgetMs: number): Promise<CheckResult> {
  const layers = loadWorkspaceSettings(cwd, env, () => {});
  if (!layers) return { status: "warn", message: "not checked: fix the settings files first" };
  const { mcpDoctorResult } = await import("./mcp-servers-here.ts");
  return mcpDoctorResult(cwd, env, layers, Math.max(budgetMs, 500));
}

async function runCheck(check: DoctorCheck, context: DoctorContext, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          status: "warn",
          message: `did not finish within ${timeoutMs / 1000} s; run hearth doctor again`,
        }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(() => check.run(context)), deadline]);
  } catch (error) {
    return {
      status: "warn",
      message: `the check itself failed: ${String((error as Error)?.message ?? error).split("\n")[0]}`,
    };
  } finally {
    clearTimeout(timer);
  }
}
