/**
 * Which MCP servers a session may start, and from where: `mcpServers` in the user's settings, `mcpServers` in a
 * trusted project's `.hearth/settings.json`, the project's `.mcp.json` (Claude Code's file), and the servers a
 * client hands in (an ACP client's list). A later source wins a name: user, then project, then the client.
 *
 * A project's servers are programs a cloned repository asks to run: they start only in a folder the user trusted
 * (`hearth trust`, which binds to the file's content; store/trusted-folders.ts). Until then they are listed as
 * untrusted and never started. A `.mcp.json` that does not parse or validate is reported in one line and starts
 * nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod/mini";
import { describeIssue, issuePath } from "../schema/issues.ts";
import {
  isStdioConfig,
  McpFileSchema,
  type McpServerConfig,
  McpServerConfigSchema,
} from "../schema/mcp-server-config.ts";

export type McpServerSource = "user" | "project" | "client";

export type McpServerEntry = {
  /** The name tools are known by (`mcp__<name>__<tool>`): letters, digits, `_` and `-`. */
  name: string;
  config: McpServerConfig;
  source: McpServerSource;
  /** Where it is written, for messages: "~/.config/hearth/settings.json", ".mcp.json", "the ACP client". */
  origin: string;
};

export type McpServerList = {
  /** The servers that may start. */
  servers: McpServerEntry[];
  /** Project servers that may not start until the folder is trusted. */
  untrusted: McpServerEntry[];
  /** One line each: a broken `.mcp.json`, a server that failed validation. */
  problems: string[];
};

export const MCP_FILE = ".mcp.json";

/** The servers of `.mcp.json` in `cwd` (none when the file is missing), or the one-line problem with it. */
export function readMcpFile(cwd: string): { servers: Record<string, McpServerConfig>; problem?: string } {
  let text: string;
  try {
    text = readFileSync(join(cwd, MCP_FILE), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { servers: {} };
    return { servers: {}, problem: `${MCP_FILE}: cannot read: ${code}; its servers are not started` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return {
      servers: {},
      problem: `${MCP_FILE}: invalid JSON (${(error as Error).message}); fix it or move it aside: its servers are not started`,
    };
  }
  const parsed = z.safeParse(McpFileSchema, json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      servers: {},
      problem: `${MCP_FILE}: ${issuePath(issue) || "the file"}: ${describeServerIssue(issue)}; fix it or move it aside: its servers are not started`,
    };
  }
  return { servers: parsed.data.mcpServers ?? {} };
}

/** Checks one server's configuration (from a client, or `hearth mcp add`): the problem in one line, or null. */
export function checkServerConfig(config: unknown): string | null {
  const parsed = z.safeParse(McpServerConfigSchema, config);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return `${issuePath(issue) || "the server"}: ${describeServerIssue(issue)}`;
}

export function gatherMcpServers(input: {
  cwd: string;
  /** The user's settings' `mcpServers`, and the label of that file. */
  user?: Record<string, McpServerConfig>;
  userLabel: string;
  /** The project settings file's `mcpServers` (as written; used only when trusted). */
  project?: Record<string, McpServerConfig>;
  projectLabel: string;
  projectTrusted: boolean;
  /** Servers a client handed in (an ACP client's `mcpServers`). */
  client?: Array<{ name: string; config: McpServerConfig }>;
}): McpServerList {
  const byName = new Map<string, McpServerEntry>();
  const untrusted: McpServerEntry[] = [];
  const problems: string[] = [];
  const add = (name: string, config: McpServerConfig, source: McpServerSource, origin: string) => {
    const clean = serverName(name);
    if (!clean) {
      problems.push(`${origin}: MCP server "${name}": a name needs a letter or digit; rename it`);
      return;
    }
    byName.set(clean, { name: clean, config, source, origin });
  };
  for (const [name, config] of Object.entries(input.user ?? {})) add(name, config, "user", input.userLabel);
  const file = readMcpFile(input.cwd);
  if (file.problem) problems.push(file.problem);
  const project: Array<[string, McpServerConfig, string]> = [
    ...Object.entries(file.servers).map(([n, c]): [string, McpServerConfig, string] => [n, c, MCP_FILE]),
    ...Object.entries(input.project ?? {}).map(([n, c]): [string, McpServerConfig, string] => [
      n,
      c,
      input.projectLabel,
    ]),
  ];
  for (const [name, config, origin] of project) {
    if (input.projectTrusted) add(name, config, "project", origin);
    else untrusted.push({ name: serverName(name) || name, config, source: "project", origin });
  }
  for (const { name, config } of input.client ?? []) {
    const problem = checkServerConfig(config);
    if (problem) problems.push(`the client's MCP server "${name}": ${problem}`);
    else add(name, config, "client", "the client");
  }
  return { servers: [...byName.values()], untrusted, problems };
}

/** One line for the servers a project asks for that wait for `hearth trust`, or null when there are none. */
export function untrustedNotice(untrusted: McpServerEntry[]): string | null {
  if (untrusted.length === 0) return null;
  const names = untrusted.map((s) => s.name).join(", ");
  const files = [...new Set(untrusted.map((s) => s.origin))].join(" and ");
  const servers = untrusted.length === 1 ? "MCP server" : "MCP servers";
  return `${files} asks for ${servers} ${names}; not started: this folder is not trusted (review ${files}, then run \`hearth trust\`)`;
}

/**
 * The name as tools carry it: characters other than letters, digits, `_` and `-` become `_`, runs of `_` one,
 * and no `_` at either end (so `mcp__<name>__<tool>` splits back into server and tool). "" when nothing is left.
 */
export function serverName(name: string): string {
  return name
    .replace(/[^A-Za-z0-9_-]/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** "stdio: npx -y server", "http: https://host/mcp". */
export function describeTransport(config: McpServerConfig): string {
  if (isStdioConfig(config)) return `stdio: ${[config.command, ...(config.args ?? [])].join(" ")}`;
  return `${config.type}: ${config.url}`;
}

function describeServerIssue(issue: z.core.$ZodIssue): string {
  // A union of stdio and http shapes: say what each needs rather than "invalid value".
  if (issue.code === "invalid_union")
    return 'expected {"command": "...", "args": [...]} or {"type": "http" | "sse", "url": "..."}';
  return describeIssue(issue);
}

/** A server as an ACP client lists it (`session/new`'s `mcpServers`): name/value lists for env and headers. */
export type ListedServer =
  | { name: string; command: string; args: string[]; env: Array<{ name: string; value: string }> }
  | { type: "http" | "sse"; name: string; url: string; headers: Array<{ name: string; value: string }> };

/**
 * A client's list in the shape `gatherMcpServers` takes (SessionOptions.mcpServers). The values are the
 * client's own and are sent as they are (a client's servers get no `${VAR}` expansion: server-launch.ts).
 */
export function clientServers(list: ListedServer[]): Array<{ name: string; config: McpServerConfig }> {
  const pairs = (items: Array<{ name: string; value: string }>) =>
    Object.fromEntries(items.map((item) => [item.name, item.value]));
  return list.map((server) => {
    if ("command" in server) {
      const config: McpServerConfig = { command: server.command, args: server.args };
      if (server.env.length > 0) config.env = pairs(server.env);
      return { name: server.name, config };
    }
    const config: McpServerConfig = { type: server.type, url: server.url };
    if (server.headers.length > 0) config.headers = pairs(server.headers);
    return { name: server.name, config };
  });
}
