/**
 * The tool lists MCP servers gave last time, so a session can offer a server's tools without starting it: the
 * server then starts on the first call of one of its tools. One file per server and configuration (a SHA-256 of
 * its name and configuration as written), in hearth's state directory, mode 0600. Changing a server's
 * configuration changes the key, so its next session starts it to list its tools again. A file that cannot be
 * read or parsed is a miss, never an error.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { McpServerEntry } from "./mcp-config.ts";
import type { McpToolInfo } from "./mcp-connection.ts";

export type ToolCache = {
  read(entry: McpServerEntry): McpToolInfo[] | undefined;
  write(entry: McpServerEntry, tools: McpToolInfo[]): void;
};

const VERSION = 1;

export function createToolCache(dir: string): ToolCache {
  const fileOf = (entry: McpServerEntry) => {
    const key = createHash("sha256")
      .update(JSON.stringify([entry.name, entry.config]))
      .digest("hex")
      .slice(0, 32);
    return join(dir, `${key}.json`);
  };
  return {
    read(entry) {
      try {
        const data = JSON.parse(readFileSync(fileOf(entry), "utf8")) as { version?: number; tools?: unknown };
        if (data.version !== VERSION || !Array.isArray(data.tools)) return undefined;
        const tools = data.tools as McpToolInfo[];
        return tools.every((t) => typeof t?.name === "string" && typeof t.inputSchema === "object")
          ? tools
          : undefined;
      } catch {
        return undefined;
      }
    },
    write(entry, tools) {
      const file = fileOf(entry);
      const temp = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(temp, JSON.stringify({ version: VERSION, server: entry.name, tools }), { mode: 0o600 });
        renameSync(temp, file);
      } catch {
        rmSync(temp, { force: true });
      }
    },
  };
}
