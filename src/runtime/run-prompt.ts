/**
 * The fixed part of every model request in a session: the system prompt (profile, environment, memory files)
 * and the tool definitions. Built once per session and sent byte-identical on every turn, so a prompt cache
 * keeps matching. Used by `hearth -p`, `hearth prompt --show` and the benchmark, so all three see the same bytes.
 */
import { buildSystemPrompt, type PromptProfile } from "../agent/system-prompt.ts";
import { formatCount } from "../protocol/count.ts";
import type { ToolSpec } from "../protocol/messages.ts";
import { isLocalProvider, providerOf } from "../providers/model-resolution.ts";
import { hearthPaths } from "../store/paths.ts";
import { loadProjectMemory } from "../store/project-memory.ts";
import type { Settings } from "../store/settings-schema.ts";
import type { AnyTool } from "../tools/tool.ts";
import { toolSpecs } from "../tools/tool-spec.ts";

export type RunPromptInput = {
  /** The workspace root (a real path). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  profile: PromptProfile;
  permissionMode: string;
  tools: readonly AnyTool[];
  /** Defaults: `${process.platform} ${process.arch}` and today's UTC date (YYYY-MM-DD). */
  platform?: string;
  date?: string;
  /** Home directory for the config path when XDG_CONFIG_HOME is unset (tests). */
  home?: string;
  /** Cap per memory file, in bytes (default 32 KiB). */
  memoryMaxBytes?: number;
};

/** A memory file as reported to the user: where it is, its size on disk, whether it was cut. */
export type MemoryInfo = { path: string; scope: "user" | "project"; bytes: number; truncated: boolean };

export type PromptBytes = {
  /** The system prompt without the memory files. */
  prompt: number;
  /** What the memory files add to the system prompt. */
  memory: number;
  /** JSON of the tool definitions. */
  tools: number;
  /** System prompt (with memory) plus tool definitions. */
  total: number;
};

export type RunPrompt = {
  profile: PromptProfile;
  system: string;
  specs: ToolSpec[];
  memory: MemoryInfo[];
  bytes: PromptBytes;
  /** One line each (an unreadable memory file, a link out of the repository), for stderr. */
  problems: string[];
};

export function buildRunPrompt(input: RunPromptInput): RunPrompt {
  const memory = loadProjectMemory({
    workspaceRoot: input.cwd,
    configDir: hearthPaths(input.env, input.home).configDir,
    maxBytes: input.memoryMaxBytes,
  });
  const env = {
    cwd: input.cwd,
    platform: input.platform ?? `${process.platform} ${process.arch}`,
    date: input.date ?? new Date().toISOString().slice(0, 10),
    isGitRepo: memory.repoRoot !== undefined,
    permissionMode: input.permissionMode,
  };
  const bare = buildSystemPrompt(env, { profile: input.profile });
  const system = buildSystemPrompt(env, { profile: input.profile, memory: memory.files });
  const specs = toolSpecs(input.tools, input.profile);
  const systemBytes = Buffer.byteLength(system);
  const toolBytes = Buffer.byteLength(JSON.stringify(specs));
  return {
    profile: input.profile,
    system,
    specs,
    memory: memory.files.map(({ path, scope, bytes, truncated }) => ({ path, scope, bytes, truncated })),
    bytes: {
      prompt: Buffer.byteLength(bare),
      memory: systemBytes - Buffer.byteLength(bare),
      tools: toolBytes,
      total: systemBytes + toolBytes,
    },
    problems: memory.problems,
  };
}

export type ProfileChoice = { profile: PromptProfile; reason: string };

/**
 * --profile, else settings' "profile", else lean for a model on this machine and default for a cloud one.
 * `model` is undefined when none is configured: hearth then uses a local server it finds, so lean.
 */
export function chooseProfile(
  flag: PromptProfile | undefined,
  settings: Settings,
  model: { local: boolean } | undefined,
): ProfileChoice {
  if (flag) return { profile: flag, reason: "--profile" };
  if (settings.profile) return { profile: settings.profile, reason: '"profile" in settings' };
  if (!model) return { profile: "lean", reason: "no model configured: a local server would be used" };
  return model.local
    ? { profile: "lean", reason: "the model runs on this machine" }
    : { profile: "default", reason: "a cloud model" };
}

/** Whether "<provider>/<model>" counts as local, from its text and settings alone (see isLocalProvider). */
export function isLocalModelSpec(spec: string, settings: Settings): boolean {
  return isLocalProvider(providerOf(spec), settings);
}

/** An exact tokenizer for the chosen model, when one is loaded (the embedded engine will provide it). */
export type CountTokens = (text: string) => Promise<number>;

export type TokenCount = { tokens: number; exact: boolean };

/** Tokens of the system prompt plus tool definitions: exact with a tokenizer, else bytes/4 (an estimate). */
export async function countPromptTokens(prompt: RunPrompt, countTokens?: CountTokens): Promise<TokenCount> {
  if (!countTokens) return { tokens: estimateTokens(prompt.bytes.total), exact: false };
  const [system, tools] = await Promise.all([
    countTokens(prompt.system),
    countTokens(JSON.stringify(prompt.specs)),
  ]);
  return { tokens: system + tools, exact: true };
}

export function estimateTokens(bytes: number): number {
  return Math.ceil(bytes / 4);
}

/** "≈ 812 tokens (estimate: bytes/4)" or "812 tokens". */
export function formatTokens(count: TokenCount): string {
  const n = formatCount(count.tokens);
  return count.exact ? `${n} tokens` : `≈ ${n} tokens (estimate: bytes/4)`;
}
