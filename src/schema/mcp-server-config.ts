/**
 * An MCP server as configured: Claude Code's `.mcp.json` format, which is also what `mcpServers` in hearth's
 * settings holds and what an ACP client's list is turned into. A server runs as a local program over stdio
 * (`command`, `args`, `env`, `cwd`), or is reached over HTTP: streamable HTTP (`"type": "http"`) or the older
 * SSE transport (`"type": "sse"`), with `url` and `headers`. Values may name environment variables as `${VAR}`
 * or `${VAR:-default}` (expanded in mcp/mcp-config.ts, never written back).
 */
import * as z from "zod/mini";

const stringMap = z.record(z.string(), z.string());

export const StdioServerSchema = z.strictObject({
  type: z.optional(z.literal("stdio")),
  command: z.string().check(z.minLength(1, "must name the program to run")),
  args: z.optional(z.array(z.string())),
  /** Variables the server gets on top of the scrubbed environment (its keys, say): `{"TOKEN": "${GH_TOKEN}"}`. */
  env: z.optional(stringMap),
  cwd: z.optional(z.string()),
});

export const HttpServerSchema = z.strictObject({
  type: z.enum(["http", "sse"]),
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  headers: z.optional(stringMap),
});

/** One server's configuration. A `url` without `type` is refused with the fix (the transport must be said). */
export const McpServerConfigSchema = z.union([StdioServerSchema, HttpServerSchema]);

export type StdioServerConfig = z.infer<typeof StdioServerSchema>;
export type HttpServerConfig = z.infer<typeof HttpServerSchema>;
export type McpServerConfig = z.infer<typeof McpServerConfigSchema>;

/** Servers by name, as under `mcpServers`. */
export const McpServersSchema = z.record(z.string(), McpServerConfigSchema);

/** The `.mcp.json` file: `{ "mcpServers": { "<name>": { ... } } }`. */
export const McpFileSchema = z.object({ mcpServers: z.optional(McpServersSchema) });

export function isStdioConfig(config: McpServerConfig): config is StdioServerConfig {
  return "command" in config;
}
