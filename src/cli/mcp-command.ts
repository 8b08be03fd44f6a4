/**
 * `hearth mcp`: the MCP servers a run in this folder uses.
 *
 *   hearth mcp list [--json]                       each server, where it is configured, whether it may start
 *   hearth mcp add <name> [-e NAME=VALUE]... [--scope user|project] -- <command> [args...]
 *   hearth mcp add <name> --transport http|sse <url> [-H "Name: value"]... [--scope user|project]
 *   hearth mcp remove <name> [--scope user|project]
 *   hearth mcp test <name> [--json]                start it and list its tools with their schemas
 *
 * `add` writes Claude Code's format: to `mcpServers` in the user's settings (the default), or to the project's
 * `.mcp.json` with `--scope project` (whose servers start only once the folder is trusted: `hearth trust`).
 */
import { join } from "node:path";
import { checkServerConfig, describeTransport, MCP_FILE, untrustedNotice } from "../mcp/mcp-config.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { loadWorkspaceSettings } from "../runtime/load-settings.ts";
import { workspaceRoot } from "../runtime/workspace-root.ts";
import type { McpServerConfig } from "../schema/mcp-server-config.ts";
import { editJsonFile } from "../store/json-file-edit.ts";
import { hearthPaths } from "../store/paths.ts";
import { serversHere, startServers } from "./mcp-servers-here.ts";
import { writeError } from "./redaction.ts";
import { parseSubcommand, type SubcommandIo, subcommandOutput } from "./subcommand.ts";

declare const __HEARTH_VERSION__: string;
const VERSION = typeof __HEARTH_VERSION__ === "string" ? __HEARTH_VERSION__ : "0.0.0-dev";

export const MCP_USAGE = `Usage:
  hearth mcp list [--json]                    the MCP servers of this folder: where each is set, whether it starts
  hearth mcp add <name> [options] -- <command> [args...]        add a server run over stdio
  hearth mcp add <name> --transport http|sse <url> [options]    add a server reached over HTTP
  hearth mcp remove <name> [--scope user|project]               remove a server
  hearth mcp test <name> [--json]             start a server and list its tools with their schemas
Options:
  --scope user|project      user: your settings (default); project: .mcp.json here (starts once trusted)
  -e, --env NAME=VALUE      a variable the server gets (stdio; repeatable); VALUE may be \${VAR} or \${VAR:-default}
  -H, --header "Name: v"    an HTTP header (repeatable); the value may be \${VAR}
  --transport stdio|http|sse
  --cwd DIR                 the folder (default: the current directory)
`;

type Flags = {
  json?: boolean;
  scope?: string;
  env?: string[];
  header?: string[];
  transport?: string;
  cwd?: string;
};

/** Run `hearth mcp` with the arguments after "mcp". Returns the exit code. */
export async function runMcpCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  io: SubcommandIo = {},
): Promise<number> {
  const output = subcommandOutput(io);
  const { fail } = output;
  const parsed = parseSubcommand<Flags>(
    args,
    {
      json: { type: "boolean" },
      scope: { type: "string" },
      env: { type: "string", short: "e", multiple: true },
      header: { type: "string", short: "H", multiple: true },
      transport: { type: "string" },
      cwd: { type: "string" },
    },
    MCP_USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  let cwd: string;
  try {
    cwd = workspaceRoot(values.cwd);
  } catch (error) {
    return fail((error as Error).message, EXIT_USAGE);
  }
  if (values.scope !== undefined && values.scope !== "user" && values.scope !== "project")
    return fail(`--scope must be user or project (got "${values.scope}")`, EXIT_USAGE);
  const scope = values.scope === "project" ? "project" : "user";
  const file = scope === "project" ? join(cwd, MCP_FILE) : hearthPaths(env).userSettings;
  switch (action) {
    case "list":
      return list(cwd, env, values, output);
    case "test":
      if (rest.length !== 1)
        return fail(`say which server: hearth mcp test <name>\n${MCP_USAGE}`, EXIT_USAGE);
      return test(rest[0], cwd, env, values, output);
    case "add": {
      const [name, ...command] = rest;
      if (!name || command.length === 0)
        return fail(
          `say the name and the command or URL: hearth mcp add <name> -- <command>\n${MCP_USAGE}`,
          EXIT_USAGE,
        );
      const config = configFrom(command, values);
      if ("problem" in config) return fail(config.problem, EXIT_USAGE);
      let taken = false;
      const edit = editJsonFile(
        file,
        (value) => {
          taken = Object.hasOwn((value.mcpServers ?? {}) as object, name);
          return taken ? null : { path: ["mcpServers", name], value: config.config };
        },
        `add the server under mcpServers.${name}`,
        // .mcp.json is meant to be committed and shared; settings stay private.
        scope === "project" ? 0o644 : 0o600,
      );
      if (!edit.ok) return fail(edit.problem);
      if (taken)
        return fail(
          `${file} already has an MCP server "${name}": remove it first (hearth mcp remove ${name})`,
        );
      output.say(`added MCP server "${name}" (${describeTransport(config.config)}) to ${file}`);
      if (scope === "project") output.say("it starts once you trust this folder as it is now: hearth trust");
      return EXIT_OK;
    }
    case "remove": {
      if (rest.length !== 1)
        return fail(`say which server: hearth mcp remove <name>\n${MCP_USAGE}`, EXIT_USAGE);
      const name = rest[0];
      const edit = editJsonFile(
        file,
        (value) => {
          const servers = value.mcpServers as Record<string, unknown> | undefined;
          return servers && Object.hasOwn(servers, name)
            ? { path: ["mcpServers", name], value: undefined }
            : null;
        },
        `remove mcpServers.${name}`,
      );
      if (!edit.ok) return fail(edit.problem);
      if (!edit.changed) {
        const other = scope === "user" ? "--scope project" : "--scope user";
        return fail(`no MCP server "${name}" in ${file} (see hearth mcp list; or try ${other})`);
      }
      output.say(`removed MCP server "${name}" from ${file}`);
      return EXIT_OK;
    }
    default:
      return fail(
        action ? `unknown mcp command "${action}"\n${MCP_USAGE}` : `say what to do\n${MCP_USAGE}`,
        EXIT_USAGE,
      );
  }
}

/** The server configuration from the command line: a command and its arguments, or a URL. */
function configFrom(words: string[], values: Flags): { config: McpServerConfig } | { problem: string } {
  const transport = values.transport ?? (/^https?:\/\//.test(words[0]) ? "http" : "stdio");
  let config: McpServerConfig;
  if (transport === "stdio") {
    if (values.header?.length) return { problem: "--header is for HTTP servers (--transport http|sse)" };
    const env: Record<string, string> = {};
    for (const pair of values.env ?? []) {
      const at = pair.indexOf("=");
      if (at < 1) return { problem: `--env takes NAME=VALUE (got "${pair}")` };
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
    config = {
      command: words[0],
      ...(words.length > 1 ? { args: words.slice(1) } : {}),
      ...(values.env?.length ? { env } : {}),
    };
  } else if (transport === "http" || transport === "sse") {
    if (words.length !== 1)
      return { problem: `an ${transport} server takes one URL (got "${words.join(" ")}")` };
    if (values.env?.length) return { problem: "--env is for stdio servers; an HTTP server takes --header" };
    const headers: Record<string, string> = {};
    for (const line of values.header ?? []) {
      const at = line.indexOf(":");
      if (at < 1) return { problem: `--header takes "Name: value" (got "${line}")` };
      headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    config = { type: transport, url: words[0], ...(values.header?.length ? { headers } : {}) };
  } else return { problem: `--transport must be stdio, http or sse (got "${transport}")` };
  const problem = checkServerConfig(config);
  return problem ? { problem: `not a valid server: ${problem}` } : { config };
}

function list(
  cwd: string,
  env: NodeJS.ProcessEnv,
  values: Flags,
  output: ReturnType<typeof subcommandOutput>,
): number {
  const layers = loadWorkspaceSettings(cwd, env, writeError);
  if (!layers) return EXIT_USAGE;
  const found = serversHere(cwd, env, layers);
  for (const problem of found.problems) output.err(`hearth: ${problem}\n`);
  const rows = [
    ...found.servers.map((s) => ({ ...s, starts: true })),
    ...found.untrusted.map((s) => ({ ...s, starts: false })),
  ];
  if (values.json) {
    const report = rows.map((r) => ({
      name: r.name,
      source: r.source,
      origin: r.origin,
      transport: "command" in r.config ? "stdio" : r.config.type,
      starts: r.starts,
      config: r.config,
    }));
    output.say(JSON.stringify({ servers: report, problems: found.problems }));
    return EXIT_OK;
  }
  if (rows.length === 0) {
    output.say("no MCP servers (add one with hearth mcp add, or a .mcp.json in the project)");
    return EXIT_OK;
  }
  const width = Math.max(...rows.map((r) => r.name.length)) + 2;
  for (const row of rows) {
    const state = row.starts ? "" : "  [not started: folder not trusted]";
    output.say(`${row.name.padEnd(width)}${describeTransport(row.config)}  (${row.origin})${state}`);
  }
  const waiting = untrustedNotice(found.untrusted);
  if (waiting) output.err(`hearth: ${waiting}\n`);
  return EXIT_OK;
}

async function test(
  name: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  values: Flags,
  output: ReturnType<typeof subcommandOutput>,
): Promise<number> {
  const layers = loadWorkspaceSettings(cwd, env, writeError);
  if (!layers) return EXIT_USAGE;
  const found = serversHere(cwd, env, layers);
  const server = found.servers.find((s) => s.name === name);
  if (!server) {
    const waiting = found.untrusted.find((s) => s.name === name);
    if (waiting)
      return output.fail(
        `"${name}" comes from ${waiting.origin} and this folder is not trusted, so it is not started: review ${waiting.origin}, then run hearth trust`,
      );
    for (const problem of found.problems) output.err(`hearth: ${problem}\n`);
    const names = found.servers.map((s) => s.name).join(", ") || "none";
    return output.fail(`no MCP server "${name}" (servers here: ${names}; see hearth mcp list)`, EXIT_USAGE);
  }
  const lines: string[] = [];
  const manager = await startServers({
    servers: [server],
    cwd,
    env,
    layers,
    version: VERSION,
    log: (_server, line) => lines.push(line),
    notice: () => {},
  });
  try {
    const [status] = manager.status();
    if (status.state !== "ready") {
      const stderr = lines.filter((l) => !l.startsWith("failed to start:")).slice(-10);
      for (const line of stderr) output.err(`  ${name}: ${line}\n`);
      return output.fail(`MCP server "${name}" did not start: ${status.error}`, EXIT_FAILED);
    }
    const tools = manager.tools().map((tool) => ({
      name: tool.name,
      effect: tool.effect ?? "unknown",
      description: tool.description,
      inputSchema: tool.jsonSchema ?? {},
      bytes: Buffer.byteLength(
        JSON.stringify({ name: tool.name, description: tool.description, parameters: tool.jsonSchema }),
      ),
    }));
    if (values.json) {
      output.say(JSON.stringify({ name, state: status.state, startMs: status.startMs, tools }));
      return EXIT_OK;
    }
    const total = tools.reduce((sum, t) => sum + t.bytes, 0);
    output.say(
      `${name}: started in ${status.startMs} ms (${describeTransport(server.config)}; ${server.origin})`,
    );
    output.say(`${tools.length} tools, ${total} bytes of tool definitions in every request:\n`);
    for (const tool of tools) {
      output.say(`${tool.name}  [${tool.effect}]  ${tool.bytes} bytes`);
      output.say(`  ${tool.description.split("\n")[0]}`);
      output.say(`  ${JSON.stringify(tool.inputSchema)}`);
    }
    return EXIT_OK;
  } finally {
    await manager.close();
  }
}
