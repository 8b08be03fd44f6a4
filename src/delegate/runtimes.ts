/**
 * The agent CLIs hearth can hand a prompt to, as data: how each is started headless with JSON output, how our
 * permission mode maps to its own (never a bypass), how it resumes its own session, what it needs from the
 * environment, and where its model is (for offline mode). One parser per CLI reads its output.
 *
 * | hearth mode | claude                        | codex                          | gemini                    | opencode (OPENCODE_PERMISSION)  |
 * |-------------|-------------------------------|--------------------------------|---------------------------|---------------------------------|
 * | ask         | --permission-mode default     | sandbox_mode="read-only"       | --approval-mode default   | edit, bash: ask (refused)       |
 * | plan        | --permission-mode plan        | sandbox_mode="read-only"       | --approval-mode plan      | the same, and --agent plan      |
 * | edits, auto | --permission-mode acceptEdits | sandbox_mode="workspace-write" | --approval-mode auto_edit | edit: allow; bash: ask (refused)|
 */
import type { PermissionMode } from "../protocol/permissions.ts";
import { createClaudeParser } from "./claude-stream.ts";
import { createCodexParser } from "./codex-json.ts";
import { createGeminiParser } from "./gemini-stream.ts";
import { createOpencodeParser } from "./opencode-json.ts";
import type { RuntimeParser } from "./runtime-events.ts";

export const RUNTIME_NAMES = ["claude", "codex", "gemini", "opencode"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export type RuntimeArgs = { prompt: string; mode: PermissionMode; resume?: string };

export type RuntimeSpec = {
  name: RuntimeName;
  /** The program's name on PATH (or in node_modules/.bin). */
  binary: string;
  /** Where to get it: `npm install -g <package>`. */
  npmPackage: string;
  /** The oldest version whose JSON output and flags hearth reads; the one tested is in the README. */
  minVersion: string;
  /** The arguments of one headless prompt, resuming the child's own session when `resume` is its id. */
  args(input: RuntimeArgs): string[];
  /**
   * Variables the runtime needs that hearth's scrub would drop (its own keys and tokens): passed through as they
   * are. Everything else that looks secret stays out of its environment.
   */
  passEnv: string[];
  /** Set for every run: no update checks, no telemetry, no side traffic. */
  quietEnv: Record<string, string>;
  /** Set in offline mode besides: what keeps its own package installs on this machine. */
  offlineEnv?: Record<string, string>;
  /** Variables that carry the permission mode, for a CLI that takes it from its environment. */
  modeEnv?: (mode: PermissionMode) => Record<string, string>;
  /** How to log in, for the "not logged in" line. */
  login: string;
  parser(): RuntimeParser;
};

const CLAUDE_MODE: Record<PermissionMode, string> = {
  ask: "default",
  plan: "plan",
  edits: "acceptEdits",
  auto: "acceptEdits",
};
const CODEX_SANDBOX: Record<PermissionMode, string> = {
  ask: "read-only",
  plan: "read-only",
  edits: "workspace-write",
  auto: "workspace-write",
};
const GEMINI_MODE: Record<PermissionMode, string> = {
  ask: "default",
  plan: "plan",
  edits: "auto_edit",
  auto: "auto_edit",
};

export const RUNTIMES: Record<RuntimeName, RuntimeSpec> = {
  claude: {
    name: "claude",
    binary: "claude",
    npmPackage: "@anthropic-ai/claude-code",
    minVersion: "2.0.0",
    args: ({ prompt, mode, resume }) => [
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      "--permission-mode",
      CLAUDE_MODE[mode],
      ...(resume ? ["--resume", resume] : []),
      "--",
      prompt,
    ],
    passEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"],
    quietEnv: { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", DISABLE_AUTOUPDATER: "1" },
    login: "run `claude` once and log in, or set ANTHROPIC_API_KEY",
    parser: createClaudeParser,
  },
  codex: {
    name: "codex",
    binary: "codex",
    npmPackage: "@openai/codex",
    minVersion: "0.44.0",
    args: ({ prompt, mode, resume }) => [
      "exec",
      ...(resume ? ["resume"] : []),
      "--json",
      "--skip-git-repo-check",
      "-c",
      `sandbox_mode="${CODEX_SANDBOX[mode]}"`,
      "-c",
      "analytics.enabled=false",
      "-c",
      "features.plugins=false",
      ...(resume ? [resume] : []),
      "--",
      prompt,
    ],
    passEnv: ["OPENAI_API_KEY", "CODEX_API_KEY"],
    quietEnv: {},
    login: "run `codex login`, or set OPENAI_API_KEY",
    parser: createCodexParser,
  },
  gemini: {
    name: "gemini",
    binary: "gemini",
    npmPackage: "@google/gemini-cli",
    minVersion: "0.20.0",
    args: ({ prompt, mode, resume }) => [
      "--output-format",
      "stream-json",
      "--approval-mode",
      GEMINI_MODE[mode],
      ...(resume ? ["--resume", resume] : []),
      "-p",
      prompt,
    ],
    passEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    quietEnv: {},
    login: "run `gemini` once and log in, or set GEMINI_API_KEY",
    parser: createGeminiParser,
  },
  opencode: {
    name: "opencode",
    binary: "opencode",
    npmPackage: "opencode-ai",
    minVersion: "1.0.0",
    args: ({ prompt, mode, resume }) => [
      "run",
      "--format",
      "json",
      ...(mode === "plan" ? ["--agent", "plan"] : []),
      ...(resume ? ["--session", resume] : []),
      "--",
      prompt,
    ],
    passEnv: ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENCODE_API_KEY"],
    quietEnv: {
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      OPENCODE_DISABLE_MODELS_FETCH: "1",
      OPENCODE_DISABLE_SHARE: "1",
    },
    // It installs its plugin package from the npm registry when its config folder lacks it: offline, from its cache.
    offlineEnv: { npm_config_offline: "true" },
    // Its `run` refuses every "ask" (nobody to answer): ask and plan refuse edits and commands, edits and auto
    // allow edits in the workspace and still refuse commands.
    modeEnv: (mode) => ({
      OPENCODE_PERMISSION: JSON.stringify({
        edit: mode === "edits" || mode === "auto" ? "allow" : "ask",
        bash: "ask",
        webfetch: "ask",
      }),
    }),
    login: "run `opencode auth login`",
    parser: createOpencodeParser,
  },
};

export function isRuntimeName(name: string): name is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(name);
}
