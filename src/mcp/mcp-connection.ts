/**
 * One connection to one MCP server, through the MCP SDK (`@modelcontextprotocol/client`, imported here on first
 * use only: a run with no MCP server never loads it). Starting means: launch the program (stdio) or reach the
 * URL (streamable HTTP, SSE), initialize, and list the tools, all within the start timeout. A stdio server's
 * stderr goes to `log`, line by line, never to the terminal. `onExit` is called once when the server goes away
 * without hearth closing it (it crashed, or its connection dropped).
 */
import type { HttpClient } from "../protocol/http.ts";
import type { McpServerEntry } from "./mcp-config.ts";
import { mcpFetch } from "./mcp-fetch.ts";
import { httpTarget, stdioLaunch } from "./server-launch.ts";

/** A tool as the server lists it. */
export type McpToolInfo = {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; title?: string };
};

/** A tool call's result as the server sends it (MCP CallToolResult). */
export type McpCallResult = {
  content?: Array<Record<string, unknown>>;
  structuredContent?: unknown;
  isError?: boolean;
};

export type McpConnection = {
  tools: McpToolInfo[];
  /** The server's name and version as it says (for `hearth mcp test`). */
  serverInfo?: { name: string; version: string };
  /** `progress` gets the server's progress notifications for this call, as one line each. */
  call(
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    progress?: (text: string) => void,
  ): Promise<McpCallResult>;
  /** Ends the connection (a stdio server's process is stopped). Never throws. */
  close(): Promise<void>;
};

export type ConnectInput = {
  entry: McpServerEntry;
  /** hearth's environment, for `${VAR}` in the configuration. */
  env: NodeJS.ProcessEnv;
  /** The environment commands get (scrubbed); a stdio server gets it plus what its configuration names. */
  scrubbedEnv: Record<string, string>;
  /** The workspace: a stdio server's working folder unless its configuration says otherwise. */
  cwd: string;
  http: HttpClient;
  startTimeoutMs: number;
  /** A line of the server's stderr, or a note about it. */
  log: (line: string) => void;
  /** Values the redactor must learn (keys named in the configuration). */
  learnSecret: (value: string) => void;
  onExit: (why: string) => void;
  version: string;
};

/** Largest time the SDK itself waits for a call: hearth's watchdog (tools/tool-runtime.ts) decides sooner. */
const SDK_CALL_TIMEOUT_MS = 2 ** 31 - 1;

export async function connectMcpServer(input: ConnectInput): Promise<McpConnection> {
  const { entry } = input;
  const [{ Client, StreamableHTTPClientTransport, SSEClientTransport }, stdio] = await Promise.all([
    import("@modelcontextprotocol/client"),
    "command" in entry.config ? import("@modelcontextprotocol/client/stdio") : undefined,
  ]);
  let transport:
    | InstanceType<typeof StreamableHTTPClientTransport>
    | import("@modelcontextprotocol/client/stdio").StdioClientTransport
    | InstanceType<typeof SSEClientTransport>;
  if ("command" in entry.config) {
    const launch = stdioLaunch(entry.config, { ...input, literal: entry.source === "client" });
    if ("problem" in launch) throw new Error(launch.problem);
    for (const secret of launch.secrets) input.learnSecret(secret);
    const child = new stdio!.StdioClientTransport({ ...launch, stderr: "pipe" });
    forwardLines(child.stderr, input.log);
    transport = child;
  } else {
    const target = httpTarget(entry.config, input.env, entry.source === "client");
    if ("problem" in target) throw new Error(target.problem);
    for (const secret of target.secrets) input.learnSecret(secret);
    const options = { fetch: mcpFetch(input.http), requestInit: { headers: target.headers } };
    transport =
      entry.config.type === "sse"
        ? new SSEClientTransport(new URL(target.url), options)
        : new StreamableHTTPClientTransport(new URL(target.url), options);
  }
  const client = new Client({ name: "hearth", version: input.version });
  let closing = false;
  let exited = false;
  client.onclose = () => {
    if (closing || exited) return;
    exited = true;
    input.onExit("its connection closed");
  };
  client.onerror = (error) => input.log(`transport: ${error.message}`);

  const start = new AbortController();
  const timer = setTimeout(() => start.abort(), input.startTimeoutMs);
  const close = async () => {
    closing = true;
    try {
      await client.close();
    } catch {
      // Already gone.
    }
  };
  try {
    const ready = (async () => {
      await client.connect(transport, { signal: start.signal, timeout: input.startTimeoutMs });
      const tools: McpToolInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, {
          signal: start.signal,
          timeout: input.startTimeoutMs,
        });
        tools.push(...(page.tools as McpToolInfo[]));
        cursor = page.nextCursor;
      } while (cursor);
      return tools;
    })();
    const stopped = new Promise<never>((_, reject) =>
      start.signal.addEventListener("abort", () =>
        reject(new Error(`did not start within ${Math.round(input.startTimeoutMs / 1000)} s`)),
      ),
    );
    const tools = await Promise.race([ready, stopped]);
    const info = client.getServerVersion();
    return {
      tools,
      ...(info ? { serverInfo: { name: info.name, version: info.version } } : {}),
      call: async (tool, args, signal, progress) =>
        (await client.callTool(
          { name: tool, arguments: args },
          {
            signal,
            timeout: SDK_CALL_TIMEOUT_MS,
            ...(progress ? { onprogress: (p: ProgressNote) => progress(progressLine(p)) } : {}),
          },
        )) as McpCallResult,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

type ProgressNote = { progress: number; total?: number; message?: string };

/** "3/10 indexing files" */
function progressLine(note: ProgressNote): string {
  const count = note.total ? `${note.progress}/${note.total}` : String(note.progress);
  return note.message ? `${count} ${note.message}` : count;
}

/** Each line of a stream (a server's stderr) to `log`; a partial last line when it ends. */
function forwardLines(
  stream: NodeJS.ReadableStream | import("node:stream").Stream | null,
  log: (line: string) => void,
) {
  if (!stream) return;
  let pending = "";
  stream.on("data", (chunk: Buffer | string) => {
    pending += String(chunk);
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") log(line.trimEnd());
  });
  stream.on("end", () => {
    if (pending.trim() !== "") log(pending.trimEnd());
  });
}
