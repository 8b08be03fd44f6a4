/**
 * The MCP servers a run in a folder would use, for the subcommands that look at them without a session
 * (`hearth mcp`, `hearth doctor`, `hearth prompt --show`), and starting them as a session would: the scrubbed
 * environment, hearth's HTTP client with the egress ledger and offline mode.
 */
import { join } from "node:path";
import { createHttpClient } from "../egress/http-client.ts";
import { createEgressLedger } from "../egress/ledger.ts";
import { offlineGuard } from "../egress/offline.ts";
import {
  gatherMcpServers,
  type McpServerEntry,
  type McpServerList,
  untrustedNotice,
} from "../mcp/mcp-config.ts";
import type { McpManager } from "../mcp/mcp-manager.ts";
import { PROJECT_LABEL, type WorkspaceSettings } from "../runtime/load-settings.ts";
import { processRedactor } from "../runtime/process-redactor.ts";
import { scrubChildEnv } from "../secrets/child-env.ts";
import { hearthPaths } from "../store/paths.ts";

export function serversHere(cwd: string, env: NodeJS.ProcessEnv, layers: WorkspaceSettings): McpServerList {
  return gatherMcpServers({
    cwd,
    user: layers.user.mcpServers,
    userLabel: hearthPaths(env).userSettings,
    project: layers.project.mcpServers,
    projectLabel: PROJECT_LABEL,
    projectTrusted: layers.projectTrusted,
  });
}

/** A manager for `servers`, started. `log` gets each server's stderr and notes. */
export async function startServers(input: {
  servers: McpServerEntry[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  layers: WorkspaceSettings;
  version: string;
  startTimeoutMs?: number;
  /** Loopback only, whatever the settings say (hearth doctor). */
  loopbackOnly?: string;
  log: (server: string, line: string) => void;
  notice: (text: string) => void;
}): Promise<McpManager> {
  const settings = input.layers.merged;
  const paths = hearthPaths(input.env);
  const ledger = createEgressLedger({ stateDir: paths.stateDir });
  const offline = input.loopbackOnly !== undefined || settings.offline === true;
  const http = createHttpClient({
    onExchange: ledger.record,
    beforeRequest: offlineGuard({ offline, reason: input.loopbackOnly ?? "offline: true in settings" }),
  });
  const keyNames = Object.values(settings.providers ?? {}).flatMap((p) => (p.apiKeyEnv ? [p.apiKeyEnv] : []));
  const [{ createMcpManager }, { createToolCache }] = await Promise.all([
    import("../mcp/mcp-manager.ts"),
    import("../mcp/tool-cache.ts"),
  ]);
  const startTimeout = input.startTimeoutMs ?? (settings.mcp?.startTimeout ?? 30) * 1000;
  const manager = createMcpManager({
    servers: input.servers,
    env: input.env,
    scrubbedEnv: scrubChildEnv(input.env, keyNames, settings.env?.allow ?? []),
    cwd: input.cwd,
    http,
    startTimeoutMs: startTimeout,
    version: input.version,
    log: input.log,
    notice: input.notice,
    learnSecret: (value) => processRedactor().add(value),
    // Started here, the servers' tool lists refresh what sessions offer before their servers start.
    toolCache: createToolCache(join(paths.stateDir, "mcp-tools")),
  });
  await manager.start();
  return manager;
}

/** `hearth doctor`'s line: the servers that start here with their tool counts, and those that do not. */
export async function mcpDoctorResult(
  cwd: string,
  env: NodeJS.ProcessEnv,
  layers: WorkspaceSettings,
  budgetMs: number,
): Promise<{ status: "ok" | "warn"; message: string }> {
  const found = serversHere(cwd, env, layers);
  const waiting = untrustedNotice(found.untrusted);
  if (found.servers.length === 0) {
    if (waiting || found.problems.length > 0)
      return { status: "warn", message: [...found.problems, waiting].filter(Boolean).join("; ") };
    return { status: "ok", message: "none configured (hearth mcp add, or a .mcp.json in the project)" };
  }
  const manager = await startServers({
    servers: found.servers,
    cwd,
    env,
    layers,
    version: "doctor",
    startTimeoutMs: budgetMs,
    loopbackOnly: "hearth doctor reaches loopback only",
    log: () => {},
    notice: () => {},
  });
  try {
    const status = manager.status();
    const ready = status.filter((s) => s.state === "ready");
    const failed = status.filter((s) => s.state !== "ready");
    const parts = [
      ready.length > 0 ? `loaded: ${ready.map((s) => `${s.name} (${s.tools} tools)`).join(", ")}` : "",
      ...failed.map((s) => `${s.name} did not start: ${s.error} (hearth mcp test ${s.name})`),
      ...found.problems,
      waiting ?? "",
    ].filter(Boolean);
    const warn = failed.length > 0 || found.problems.length > 0 || waiting !== null;
    return { status: warn ? "warn" : "ok", message: parts.join("; ") };
  } finally {
    await manager.close();
  }
}
