/**
 * The MCP servers of a session: gathered from the user's settings, a trusted project's `.hearth/settings.json`
 * and `.mcp.json`, and the servers a front hands in (an ACP client's). A server whose tools are known from its
 * last start (mcp/tool-cache.ts) starts on the first call of one of them; the others start all at once when the
 * session opens, while the model is chosen, to list their tools. With no server configured nothing of MCP
 * loads: the manager and the SDK are imported only when there is a server.
 *
 * A project's servers wait for `hearth trust` (one notice says so); a local model is offered only the tools of
 * the servers `mcp.localModelServers` names (all when unset), so a small model's prompt stays small.
 */
import { join } from "node:path";
import {
  describeTransport,
  gatherMcpServers,
  type McpServerEntry,
  untrustedNotice,
} from "../mcp/mcp-config.ts";
import type { McpManager, McpServerStatus } from "../mcp/mcp-manager.ts";
import type { HttpClient } from "../protocol/http.ts";
import type { McpServerConfig } from "../schema/mcp-server-config.ts";
import type { AnyTool } from "../tools/tool.ts";
import type { WorkspaceSettings } from "./load-settings.ts";
import { PROJECT_LABEL } from "./load-settings.ts";

export type SessionMcp = {
  /** Every tool of every server that started. */
  tools: AnyTool[];
  /** The tools a model is offered: for a local model, those of `mcp.localModelServers` only. */
  offered(local: boolean): AnyTool[];
  status(): McpServerStatus[];
  close(): Promise<void>;
};

export type SessionMcpInput = {
  layers: WorkspaceSettings;
  userSettingsLabel: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  scrubbedEnv: Record<string, string>;
  http: HttpClient;
  version: string;
  /** Servers a front hands in (an ACP client's `mcpServers`). */
  clientServers?: Array<{ name: string; config: McpServerConfig }>;
  notice: (text: string) => void;
  /** A line for the daily log. */
  log: (line: string) => void;
  learnSecret: (value: string) => void;
  /** hearth's state directory: the tool cache lives in its `mcp-tools/`. */
  stateDir: string;
};

const NONE: SessionMcp = {
  tools: [],
  offered: () => [],
  status: () => [],
  close: async () => {},
};

/** A session's MCP servers while they start (beside the model's setup). */
export type StartingMcp = {
  /** The servers once started, or undefined as soon as the signal fires (they go on starting). */
  opened(signal: AbortSignal): Promise<SessionMcp | undefined>;
  /** Nobody will use them: they are stopped once started. */
  abandon(): void;
  /** Where the log lines go from now on (those kept so far first): the run's journal. */
  logTo(write: (line: string) => void): void;
};

/** Starts `openSessionMcp`, keeping its log lines until there is a log to write them to. */
export function beginSessionMcp(input: Omit<SessionMcpInput, "log">): StartingMcp {
  const kept: string[] = [];
  let write = (line: string) => {
    if (kept.length < 10_000) kept.push(line);
  };
  const starting = openSessionMcp({ ...input, log: (line) => write(line) });
  return {
    opened: (signal) =>
      new Promise((resolve) => {
        if (signal.aborted) return resolve(undefined);
        const onAbort = () => resolve(undefined);
        signal.addEventListener("abort", onAbort, { once: true });
        void starting.then((mcp) => {
          signal.removeEventListener("abort", onAbort);
          resolve(mcp);
        });
      }),
    abandon: () => void starting.then((mcp) => mcp.close()),
    logTo(next) {
      write = next;
      for (const line of kept.splice(0)) next(line);
    },
  };
}

/** Gathers the servers and starts them; resolves once each is ready or has failed. Never throws. */
export async function openSessionMcp(input: SessionMcpInput): Promise<SessionMcp> {
  const settings = input.layers.merged;
  const list = gatherMcpServers({
    cwd: input.cwd,
    user: input.layers.user.mcpServers,
    userLabel: input.userSettingsLabel,
    project: input.layers.project.mcpServers,
    projectLabel: PROJECT_LABEL,
    projectTrusted: input.layers.projectTrusted,
    client: input.clientServers,
  });
  for (const problem of list.problems) input.notice(problem);
  const waiting = untrustedNotice(list.untrusted);
  if (waiting) input.notice(waiting);
  if (list.servers.length === 0) return NONE;
  const manager = await startManager(list.servers, input);
  const tools = manager.tools();
  const allowed = settings.mcp?.localModelServers;
  const local = allowed === undefined ? tools : tools.filter((tool) => allowed.includes(serverOf(tool.name)));
  return {
    tools,
    offered: (isLocal) => (isLocal ? local : tools),
    status: () => manager.status(),
    close: () => manager.close(),
  };
}

async function startManager(servers: McpServerEntry[], input: SessionMcpInput): Promise<McpManager> {
  const [{ createMcpManager }, { createToolCache }] = await Promise.all([
    import("../mcp/mcp-manager.ts"),
    import("../mcp/tool-cache.ts"),
  ]);
  const startTimeout = input.layers.merged.mcp?.startTimeout;
  const manager = createMcpManager({
    servers,
    env: input.env,
    scrubbedEnv: input.scrubbedEnv,
    cwd: input.cwd,
    http: input.http,
    ...(startTimeout ? { startTimeoutMs: startTimeout * 1000 } : {}),
    version: input.version,
    log: (server, line) => input.log(`mcp ${server}: ${line}`),
    notice: input.notice,
    learnSecret: input.learnSecret,
    toolCache: createToolCache(join(input.stateDir, "mcp-tools")),
    lazy: true,
  });
  for (const server of servers) input.log(`mcp ${server.name}: ${describeTransport(server.config)}`);
  await manager.start();
  return manager;
}

/** The server of a tool named `mcp__<server>__<tool>`. */
function serverOf(toolName: string): string {
  const rest = toolName.slice("mcp__".length);
  return rest.slice(0, rest.indexOf("__"));
}
