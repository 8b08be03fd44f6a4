/**
 * `hearth prompt --show`: the fixed part of every request a run in this workspace would send: the system prompt,
 * the tool definitions, the memory files with their sizes, and the totals in bytes and tokens.
 *
 *   hearth prompt --show [--profile lean|default] [--model M] [--permission-mode MODE] [--cwd DIR] [--json]
 *
 * Makes no network request: the profile comes from --profile, settings, or the model's name and settings alone
 * (a loopback base URL means local), never from probing a server.
 */

import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PromptProfile } from "../agent/system-prompt.ts";
import { chooseMode } from "../policy/permission-engine.ts";
import { createWorkspace } from "../policy/workspace.ts";
import { formatCount } from "../protocol/count.ts";
import { EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { PERMISSION_MODES, type PermissionMode } from "../protocol/permissions.ts";
import { loadWorkspaceSettings, type WorkspaceSettings } from "../runtime/load-settings.ts";
import {
  buildRunPrompt,
  type CountTokens,
  chooseProfile,
  countPromptTokens,
  formatTokens,
  isLocalModelSpec,
} from "../runtime/run-prompt.ts";
import { workspaceRoot } from "../runtime/workspace-root.ts";
import type { Settings } from "../store/settings-schema.ts";
import { createBuiltinTools } from "../tools/builtin-tools.ts";
import { createFileState } from "../tools/file-state.ts";
import type { AnyTool } from "../tools/tool.ts";
import { toolSpecs } from "../tools/tool-spec.ts";
import { PROFILES } from "./args.ts";
import { writeError } from "./redaction.ts";
import { parseSubcommand, type SubcommandIo, type SubcommandOutput, subcommandOutput } from "./subcommand.ts";

export const PROMPT_USAGE = `Usage:
  hearth prompt --show [options]   print the system prompt, tool definitions, memory files and their size
Options:
  --profile lean|default           the prompt profile (default: settings, else lean for local models)
  --model PROVIDER/MODEL           the model the profile is chosen for (default: HEARTH_MODEL, settings)
  --permission-mode MODE           ${PERMISSION_MODES.join(", ")} (default: settings, else ask)
  --cwd DIR                        the workspace (default: the current directory)
  --json                           one JSON object instead of text
`;

export type PromptIo = SubcommandIo & {
  /** An exact tokenizer for the model; without one the token count is an estimate, labelled as such. */
  countTokens?: CountTokens;
};

type Flags = {
  show?: boolean;
  json?: boolean;
  profile?: string;
  model?: string;
  "permission-mode"?: string;
  cwd?: string;
};

/** Run `hearth prompt` with the arguments after "prompt". Returns the exit code. */
export async function runPromptCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  io: PromptIo = {},
): Promise<number> {
  const output = subcommandOutput(io);
  const { out, fail } = output;
  const parsed = parseSubcommand<Flags>(
    args,
    {
      show: { type: "boolean" },
      json: { type: "boolean" },
      profile: { type: "string" },
      model: { type: "string" },
      "permission-mode": { type: "string" },
      cwd: { type: "string" },
    },
    PROMPT_USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values, positionals } = parsed;
  if (positionals.length > 0)
    return fail(
      `hearth prompt takes no arguments (got "${positionals.join(" ")}")\n${PROMPT_USAGE}`,
      EXIT_USAGE,
    );
  if (!values.show) return fail(`say what to do: hearth prompt --show\n${PROMPT_USAGE}`, EXIT_USAGE);
  const flagProfile = values.profile as PromptProfile | undefined;
  if (flagProfile !== undefined && !PROFILES.includes(flagProfile))
    return fail(`--profile must be one of ${PROFILES.join(", ")} (got "${flagProfile}")`, EXIT_USAGE);
  const flagMode = values["permission-mode"] as PermissionMode | undefined;
  if (flagMode !== undefined && !PERMISSION_MODES.includes(flagMode))
    return fail(
      `--permission-mode must be one of ${PERMISSION_MODES.join(", ")} (got "${flagMode}")`,
      EXIT_USAGE,
    );

  let cwd: string;
  try {
    cwd = workspaceRoot(values.cwd);
  } catch (error) {
    return fail((error as Error).message, EXIT_USAGE);
  }
  const layers = loadWorkspaceSettings(cwd, env, writeError);
  if (!layers) return EXIT_USAGE;
  const settings = layers.merged;
  const spec = values.model ?? (env.HEARTH_MODEL || undefined) ?? settings.model;
  const choice = chooseProfile(
    flagProfile,
    settings,
    spec === undefined ? undefined : { local: isLocalModelSpec(spec, settings) },
  );
  const { mode } = chooseMode({
    flag: flagMode,
    user: layers.user.permissionMode,
    project: layers.project.permissionMode,
    projectTrusted: layers.projectTrusted,
  });
  // Only the descriptions and schemas are read: nothing runs, so the tools need no real spill dir or PATH.
  const tools = createBuiltinTools({
    workspace: createWorkspace({ root: cwd }),
    fileState: createFileState(),
    env: {},
    spillDir: join(tmpdir(), "hearth-prompt-show"),
    rgPath: null,
  });
  // MCP tools are part of the fixed prompt: the servers start (as a run would) to list them.
  const mcp = await mcpToolsHere(
    cwd,
    env,
    layers,
    spec === undefined ? false : isLocalModelSpec(spec, settings),
    output,
  );
  const prompt = buildRunPrompt({
    cwd,
    env,
    profile: choice.profile,
    permissionMode: mode,
    tools: [...tools, ...mcp.tools],
  });
  for (const problem of prompt.problems) output.err(`hearth: ${problem}\n`);
  const tokens = await countPromptTokens(
    prompt,
    io.countTokens ?? (await localTokenizer(spec, settings, env, (line) => output.err(`hearth: ${line}\n`))),
  );

  if (values.json) {
    const report = {
      profile: prompt.profile,
      profileReason: choice.reason,
      model: spec ?? null,
      permissionMode: mode,
      system: prompt.system,
      tools: prompt.specs,
      memory: prompt.memory,
      mcpServers: mcp.servers,
      bytes: prompt.bytes,
      tokens: { count: tokens.tokens, exact: tokens.exact, method: tokens.exact ? "tokenizer" : "bytes/4" },
    };
    out(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT_OK;
  }

  const bytes = (n: number) => `${formatCount(n)} bytes`;
  const { bytes: size } = prompt;
  out(`profile: ${prompt.profile} (${choice.reason}${spec ? `; model ${spec}` : ""})\n\n`);
  out(`--- system prompt (${bytes(size.prompt + size.memory)}) ---\n${prompt.system}\n\n`);
  out(`--- tool definitions (${prompt.specs.length} tools, ${bytes(size.tools)} of JSON) ---\n`);
  for (const tool of prompt.specs) out(`${JSON.stringify(tool)}\n`);
  if (mcp.servers.length > 0) {
    out("\n--- MCP tools (part of the tool definitions above) ---\n");
    for (const server of mcp.servers) {
      const what =
        server.state === "ready" ? `${server.offered} of ${server.tools} tools offered` : server.state;
      out(`${server.name}: ${what}, ${bytes(server.bytes)}${server.note ? ` (${server.note})` : ""}\n`);
    }
    const shown = prompt.specs.filter((t) => t.name.startsWith("mcp__"));
    const width = Math.max(...shown.map((t) => t.name.length), 0) + 2;
    for (const spec of shown)
      out(`  ${spec.name.padEnd(width)}${bytes(Buffer.byteLength(JSON.stringify(spec))).padStart(14)}\n`);
  }
  out("\n--- memory files ---\n");
  if (prompt.memory.length === 0)
    out("none (AGENTS.md, CLAUDE.md or GEMINI.md in the workspace or above it)\n");
  for (const file of prompt.memory) {
    const cut = file.truncated ? " (truncated in the prompt)" : "";
    out(`${file.scope.padEnd(8)} ${bytes(file.bytes).padStart(14)}  ${file.path}${cut}\n`);
  }
  out("\n--- totals ---\n");
  out(`system prompt  ${bytes(size.prompt + size.memory)} (memory files: ${bytes(size.memory)})\n`);
  out(`tools          ${bytes(size.tools)}\n`);
  out(`total          ${bytes(size.total)}, ${formatTokens(tokens)}\n`);
  return EXIT_OK;
}

type McpShown = {
  tools: AnyTool[];
  servers: Array<{
    name: string;
    state: string;
    tools: number;
    offered: number;
    bytes: number;
    note?: string;
  }>;
};

/** The MCP tools a run here would offer this model (servers started, then stopped), with their sizes. */
async function mcpToolsHere(
  cwd: string,
  env: NodeJS.ProcessEnv,
  layers: WorkspaceSettings,
  local: boolean,
  output: SubcommandOutput,
): Promise<McpShown> {
  const { serversHere, startServers } = await import("./mcp-servers-here.ts");
  const found = serversHere(cwd, env, layers);
  for (const problem of found.problems) output.err(`hearth: ${problem}\n`);
  const { untrustedNotice } = await import("../mcp/mcp-config.ts");
  const waiting = untrustedNotice(found.untrusted);
  if (waiting) output.err(`hearth: ${waiting}\n`);
  if (found.servers.length === 0) return { tools: [], servers: [] };
  const manager = await startServers({
    servers: found.servers,
    cwd,
    env,
    layers,
    version: "prompt",
    log: () => {},
    notice: (text) => output.err(`hearth: ${text}\n`),
  });
  try {
    const allowed = local ? layers.merged.mcp?.localModelServers : undefined;
    const all = manager.tools();
    const tools = all.filter(
      (t) => allowed === undefined || allowed.some((name) => t.name.startsWith(`mcp__${name}__`)),
    );
    const servers = manager.status().map((status) => {
      const mine = tools.filter((t) => t.name.startsWith(`mcp__${status.name}__`));
      const bytes = Buffer.byteLength(JSON.stringify(toolSpecs(mine)));
      const note =
        status.error ??
        (allowed !== undefined && !allowed.includes(status.name)
          ? "not offered to local models: mcp.localModelServers"
          : undefined);
      return {
        name: status.name,
        state: status.state,
        tools: status.tools,
        offered: mine.length,
        bytes,
        ...(note ? { note } : {}),
      };
    });
    return { tools, servers };
  } finally {
    await manager.close();
  }
}

/** For a `local/` model with the engine installed: the model's own tokenizer, for an exact count. */
async function localTokenizer(
  spec: string | undefined,
  settings: Settings,
  env: NodeJS.ProcessEnv,
  say: (line: string) => void,
): Promise<CountTokens | undefined> {
  if (!spec?.startsWith("local/")) return undefined;
  const { resolveLocalModel, embeddedPreflight } = await import("../providers/local-model.ts");
  const resolved = resolveLocalModel(spec.slice("local/".length), settings, env);
  if (!resolved.ok) {
    say(`${resolved.message}; the token count is an estimate`);
    return undefined;
  }
  const problem = await embeddedPreflight(resolved.model);
  if (problem) {
    say(`${problem}; the token count is an estimate`);
    return undefined;
  }
  const { tokenizeEmbedded } = await import("../providers/embedded.ts");
  return async (text) => (await tokenizeEmbedded(resolved.model, text)).length;
}
