/**
 * What a front passes to open a runtime session: the workspace, which session (new, continue, resume), the
 * model and mode, the limits and the rules given for this run. Every field is optional; unset means the
 * settings' value or the default. The CLI's parsed flags (cli/args.ts) fit this type as they are.
 */
import type { PromptProfile } from "../agent/system-prompt.ts";
import type { PermissionMode } from "../protocol/permissions.ts";
import type { McpServerConfig } from "../schema/mcp-server-config.ts";

export type SessionOptions = {
  cwd?: string;
  /** Allow `/` or the home directory as the workspace (refused otherwise). */
  allowHomeWorkspace?: boolean;
  /** The latest session started in this workspace (-c). */
  continue?: boolean;
  /** A session by id or a unique part of it (-r). */
  resume?: string;
  /** With continue or resume: a copy of that session (a new id) is opened; the original is left as it was. */
  forkSession?: boolean;
  model?: string;
  permissionMode?: PermissionMode;
  /** Model responses per prompt. */
  maxTurns?: number;
  /** Wall clock per prompt, ms. */
  maxTimeMs?: number;
  /** Cost per prompt, USD (priced cloud models). */
  maxCostUsd?: number;
  /** The tool watchdog for every kind, ms. */
  toolTimeoutMs?: number;
  /** More directories the tools may read and write. */
  addDirs?: string[];
  /** Rules for this run only, counted as the user's (hearth's or Claude Code's names). */
  allowedTools?: string[];
  disallowedTools?: string[];
  appendSystemPrompt?: string;
  profile?: PromptProfile;
  offline?: boolean;
  /**
   * MCP servers a front hands in for this session (an ACP client's `mcpServers`), on top of the user's and a
   * trusted project's; a name here wins.
   */
  mcpServers?: Array<{ name: string; config: McpServerConfig }>;
  /** `--model auto`: ask (a permission request) before the first cloud use of a session that started local. */
  confirmCloud?: boolean;
  /**
   * An agent CLI that runs the prompts instead of hearth's own loop: claude, codex, gemini or opencode
   * (delegate/runtimes.ts). Unset: a continued session keeps the runtime of its last turn unless `model` is given.
   */
  runtime?: string;
};

export type RuntimeDeps = {
  version: string;
  env: NodeJS.ProcessEnv;
  /** Aborts opening (a local server probe while the model is chosen): the open fails as interrupted. */
  signal?: AbortSignal;
  /** Problems with the settings files, found before the session exists (a front writes them to stderr). */
  diagnostics: (text: string) => void;
  /** Called before an embedded (GGUF) model starts loading: a front may show the load's progress. */
  beforeEmbeddedLoad?: () => Promise<void>;
};
