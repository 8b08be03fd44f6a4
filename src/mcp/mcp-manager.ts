/**
 * The MCP servers of one session. Built from a list of servers (mcp-config.ts gathers it from settings and
 * `.mcp.json`; a front such as ACP may hand in its client's servers), it starts nothing until `start()`, which
 * starts every server at once and waits for each until it is ready or has failed (its start timeout). A server
 * that fails to start is reported in one line and the session goes on without its tools. With a tool cache
 * (tool-cache.ts) and `lazy`, a server whose tools are known from its last start is not started then: its tools
 * are offered as they were, and it starts on the first call of one of them.
 *
 * The tools offered to the model are fixed once started (the prompt stays byte-identical between turns). A
 * server that exits while the session runs is reported and restarted once; if it exits again it stays down and
 * its tools answer with an error that says so. Every call runs under the tool runtime's watchdog; the call's
 * signal cancels it at the server. `close()` stops every server.
 */
import type { HttpClient } from "../protocol/http.ts";
import type { AnyTool } from "../tools/tool.ts";
import type { McpServerEntry } from "./mcp-config.ts";
import {
  connectMcpServer,
  type McpCallResult,
  type McpConnection,
  type McpToolInfo,
} from "./mcp-connection.ts";
import { createMcpTool } from "./mcp-tools.ts";
import type { ToolCache } from "./tool-cache.ts";

/** "idle": not started (with tools from the cache, it starts on first use). */
export type McpServerState = "idle" | "starting" | "ready" | "failed";

export type McpServerStatus = {
  name: string;
  source: McpServerEntry["source"];
  origin: string;
  transport: "stdio" | "http" | "sse";
  state: McpServerState;
  /** Tools offered to the model (0 until ready). */
  tools: number;
  /** Why it failed, in one line. */
  error?: string;
  restarts: number;
  /** How long its (last) start took, in ms. */
  startMs?: number;
};

export type McpManagerOptions = {
  servers: McpServerEntry[];
  env: NodeJS.ProcessEnv;
  /** The environment commands get; a stdio server gets it plus the variables its configuration names. */
  scrubbedEnv: Record<string, string>;
  /** The workspace (a stdio server's working folder). */
  cwd: string;
  http: HttpClient;
  /** Default 30 s. */
  startTimeoutMs?: number;
  version: string;
  /** A server's stderr line or a note about it, for the log (never the terminal). */
  log: (server: string, line: string) => void;
  /** A line for the person: a server failed, exited, was restarted. */
  notice: (text: string) => void;
  learnSecret?: (value: string) => void;
  /** Where tool lists are kept between runs: written after every start. */
  toolCache?: ToolCache;
  /** Offer a server's cached tools without starting it; it starts on first use (needs `toolCache`). */
  lazy?: boolean;
};

export type McpManager = {
  /** Starts every server not yet started, in parallel; resolves when each is ready or failed. Never throws. */
  start(): Promise<void>;
  /** The tools of the servers that are ready, as hearth tools (same objects on every call). */
  tools(): AnyTool[];
  status(): McpServerStatus[];
  /** Stops every server. Never throws. */
  close(): Promise<void>;
};

export const DEFAULT_START_TIMEOUT_MS = 30_000;

type Server = {
  entry: McpServerEntry;
  status: McpServerStatus;
  connection?: McpConnection;
  /** The start (or restart) under way. */
  starting?: Promise<void>;
  tools: AnyTool[];
};

export function createMcpManager(options: McpManagerOptions): McpManager {
  const servers = new Map<string, Server>();
  let closed = false;
  let started: Promise<void> | undefined;
  for (const entry of options.servers) {
    const transport = "command" in entry.config ? "stdio" : entry.config.type;
    servers.set(entry.name, {
      entry,
      tools: [],
      status: {
        name: entry.name,
        source: entry.source,
        origin: entry.origin,
        transport,
        state: "idle",
        tools: 0,
        restarts: 0,
      },
    });
  }

  function connect(server: Server): Promise<void> {
    const { name } = server.entry;
    const began = Date.now();
    server.status.state = "starting";
    server.starting = (async () => {
      let connection: McpConnection | undefined;
      try {
        connection = await connectMcpServer({
          entry: server.entry,
          env: options.env,
          scrubbedEnv: options.scrubbedEnv,
          cwd: options.cwd,
          http: options.http,
          startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
          version: options.version,
          log: (line) => options.log(name, line),
          learnSecret: options.learnSecret ?? (() => {}),
          onExit: (why) => exited(server, connection, why),
        });
        const ready = connection;
        if (closed) {
          await ready.close();
          return;
        }
        server.connection = ready;
        // The tools offered stay as they were first offered (the prompt is the same on every turn).
        if (server.tools.length === 0 && server.status.restarts === 0)
          server.tools = toolsOf(server, ready.tools);
        else if (!sameNames(server.tools, toolsOf(server, ready.tools)))
          options.log(
            name,
            "its tools changed since they were listed; the new list is offered from the next session",
          );
        options.toolCache?.write(server.entry, ready.tools);
        Object.assign(server.status, {
          state: "ready",
          tools: server.tools.length,
          startMs: Date.now() - began,
        });
        delete server.status.error;
        options.log(name, `started in ${Date.now() - began} ms with ${ready.tools.length} tools`);
      } catch (error) {
        const why = startProblem(server.entry, error);
        Object.assign(server.status, { state: "failed", error: why, startMs: Date.now() - began });
        options.log(name, `failed to start: ${why}`);
        options.notice(`MCP server "${name}" did not start: ${why}`);
      } finally {
        server.starting = undefined;
      }
    })();
    return server.starting;
  }

  /** The connection went away without hearth closing it: report, and restart once. */
  function exited(server: Server, connection: McpConnection | undefined, why: string) {
    // An exit during the start fails the start instead; an old connection's exit is old news.
    if (closed || !connection || server.connection !== connection) return;
    const { name } = server.entry;
    server.connection = undefined;
    if (server.status.restarts >= 1) {
      const error = `it exited again (${why}) and is not restarted`;
      Object.assign(server.status, { state: "failed", error });
      options.log(name, error);
      options.notice(
        `MCP server "${name}" exited again (${why}); not restarted: its tools fail for the rest of the session`,
      );
      return;
    }
    server.status.restarts += 1;
    options.log(name, `exited (${why}); restarting it once`);
    options.notice(`MCP server "${name}" exited (${why}); restarting it once`);
    void connect(server);
  }

  function toolsOf(server: Server, infos: McpToolInfo[]): AnyTool[] {
    const seen = new Set<string>();
    const out: AnyTool[] = [];
    for (const info of infos) {
      const tool = createMcpTool(server.entry.name, info, call);
      if (seen.has(tool.name)) {
        options.log(server.entry.name, `tool "${info.name}" left out: its name is taken (${tool.name})`);
        continue;
      }
      seen.add(tool.name);
      out.push(tool);
    }
    return out;
  }

  async function call(
    name: string,
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    progress?: (text: string) => void,
  ): Promise<McpCallResult> {
    const server = servers.get(name);
    if (!server) throw new Error(`no MCP server "${name}"`);
    // Offered from the cache, started on first use.
    if (server.status.state === "idle") await connect(server);
    if (server.starting) await server.starting;
    const connection = server.connection;
    if (!connection) {
      const why = server.status.error ?? "it is not running";
      throw new Error(`the MCP server "${name}" is not available (${why}); do without its tools`);
    }
    try {
      return await connection.call(tool, args, signal, progress);
    } catch (error) {
      if (signal.aborted) throw error;
      if (server.connection !== connection || !server.connection) {
        const next =
          server.status.state === "failed" ? "it is not restarted" : "it is being restarted: try again";
        throw new Error(`the MCP server "${name}" exited while running ${tool}; ${next}`);
      }
      throw new Error(`${tool} failed at the MCP server "${name}": ${messageOf(error)}`);
    }
  }

  return {
    start() {
      started ??= Promise.all(
        [...servers.values()].map((server) => {
          const cached = options.lazy ? options.toolCache?.read(server.entry) : undefined;
          if (!cached) return connect(server);
          server.tools = toolsOf(server, cached);
          server.status.tools = server.tools.length;
          options.log(
            server.entry.name,
            `${cached.length} tools from its last start; it starts on first use`,
          );
          return undefined;
        }),
      ).then(() => {});
      return started;
    },
    tools: () => [...servers.values()].flatMap((server) => server.tools),
    status: () => [...servers.values()].map((server) => ({ ...server.status })),
    async close() {
      closed = true;
      await Promise.all(
        [...servers.values()].map(async (server) => {
          await server.starting?.catch(() => {});
          const connection = server.connection;
          server.connection = undefined;
          await connection?.close();
        }),
      );
    },
  };
}

function sameNames(a: AnyTool[], b: AnyTool[]): boolean {
  return a.length === b.length && a.every((tool, i) => tool.name === b[i].name);
}

/** Why a server did not start, in one line that says what to do. */
function startProblem(entry: McpServerEntry, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if ("command" in entry.config && code === "ENOENT")
    return `cannot run "${entry.config.command}": not found (install it, or fix "command" in ${entry.origin})`;
  if ("command" in entry.config && code === "EACCES")
    return `cannot run "${entry.config.command}": permission denied (fix "command" in ${entry.origin})`;
  const message = messageOf(error).split("\n")[0];
  return `${message} (${entry.origin})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
