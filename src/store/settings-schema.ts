/** The settings file schema (zod/mini), shared by the user file and the project file. */
import * as z from "zod/mini";
import { API_IDS } from "../protocol/model-apis.ts";
import { PERMISSION_MODES } from "../protocol/permissions.ts";

export { PERMISSION_MODES, type PermissionMode } from "../protocol/permissions.ts";

const envVarName = z
  .string()
  .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"));
const positiveInt = z.int().check(z.positive());

export const ProviderSettingsSchema = z.strictObject({
  /** Wire protocol. Required for a custom provider; optional when overriding a built-in one. */
  api: z.optional(z.enum(API_IDS as [string, ...string[]])),
  baseUrl: z.optional(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
  /** Name of the environment variable holding the key (never the key itself). */
  apiKeyEnv: z.optional(envVarName),
  headers: z.optional(z.record(z.string(), z.string())),
  contextWindow: z.optional(positiveInt),
  maxOutputTokens: z.optional(positiveInt),
  stream: z.optional(z.boolean()),
  toolCalls: z.optional(z.enum(["native", "text"])),
  /** The models run on the user's own machine or server: lean prompt and latency lines (see isLocalProvider). */
  local: z.optional(z.boolean()),
  /**
   * Whether its models take images with a prompt: true (all of them), false (none), or the names of the models
   * that do. Unset: the catalog's answer for cloud models, Ollama's own (its "vision" capability), else unknown.
   */
  images: z.optional(z.union([z.boolean(), z.array(z.string().check(z.minLength(1)))])),
});

export const SettingsSchema = z.object({
  /** Default model, "<provider>/<model>". */
  model: z.optional(
    z.string().check(z.regex(/^[A-Za-z0-9_.-]+(\/.+)?$/, 'must look like "<provider>/<model>"')),
  ),
  permissionMode: z.optional(z.enum(PERMISSION_MODES)),
  maxTurns: z.optional(positiveInt),
  /** Wall clock for a whole run (like --max-time): seconds, or a duration such as "90s", "30m", "1h". */
  maxTime: z.optional(
    z.union([
      z.number().check(z.positive()),
      z.string().check(z.regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'must be a duration such as "90s", "30m" or "1h"')),
    ]),
  ),
  /** Cost cap for a run in US dollars (like --max-cost), from the catalog prices; cloud models only. */
  maxCost: z.optional(z.number().check(z.positive())),
  maxOutputTokens: z.optional(positiveInt),
  providers: z.optional(
    z.record(
      z.string().check(z.regex(/^[A-Za-z0-9_.-]+$/, "provider names use letters, digits, . _ -")),
      ProviderSettingsSchema,
    ),
  ),
  ollama: z.optional(
    z.strictObject({
      /** Upper bound for num_ctx sent to Ollama (the model's own context length is used up to this). */
      maxContext: z.optional(z.int().check(z.minimum(512))),
      /** A duration Ollama understands: "30m", "1h", "300s", or "-1" for forever. */
      keepAlive: z.optional(
        z
          .string()
          .check(z.regex(/^-?\d+(\.\d+)?(ms|s|m|h)?$/, 'must be a duration such as "30m", "1h" or "-1"')),
      ),
    }),
  ),
  /** The embedded engine (`--model local/<file>`). */
  local: z.optional(
    z.strictObject({
      /** CPU threads (default: cores - 1, at least 1, at most 4). */
      threads: z.optional(positiveInt),
      /** Upper bound for the context in tokens (default 8192); the model's trained context is used up to it. */
      contextSize: z.optional(z.int().check(z.minimum(512))),
      /** "auto" (default): a GPU build when one is installed; false: CPU only. */
      gpu: z.optional(z.union([z.literal("auto"), z.literal(false)])),
      /** Sampling temperature (default 0: greedy, reproducible). */
      temperature: z.optional(z.number().check(z.minimum(0), z.maximum(2))),
      /** Sampling seed (with temperature > 0) for repeatable runs. */
      seed: z.optional(z.int()),
    }),
  ),
  /** Permission rules; deny beats ask beats allow. Project files can only add ask/deny unless trusted. */
  permissions: z.optional(
    z.strictObject({
      allow: z.optional(z.array(z.string())),
      ask: z.optional(z.array(z.string())),
      deny: z.optional(z.array(z.string())),
      /** More directories the tools may read and write (like --add-dir). */
      additionalDirectories: z.optional(z.array(z.string())),
    }),
  ),
  /** OS sandbox for commands: on by default where one is available. */
  sandbox: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      /** Let sandboxed commands reach the network (off by default). */
      network: z.optional(z.boolean()),
    }),
  ),
  /** Environment variable names that commands may see even though they look like secrets. */
  env: z.optional(z.strictObject({ allow: z.optional(z.array(envVarName)) })),
  /**
   * The `delegate` tool: the model may hand a task to one of these agent CLIs (it asks first, as for a command,
   * unless an allow rule `delegate` or the mode allows it). Only the user's own settings may turn it on.
   */
  delegate: z.optional(
    z.strictObject({ runtimes: z.optional(z.array(z.enum(["claude", "codex", "gemini", "opencode"]))) }),
  ),
  /** Offline mode (like --offline): no connection to anything but loopback; cloud model requests fail at once. */
  offline: z.optional(z.boolean()),
  /** The prompt profile: "lean" (short prompt and tool descriptions, the default for local models) or "default". */
  profile: z.optional(z.enum(["lean", "default"])),
  /** Session files: how long they are kept. */
  sessions: z.optional(
    z.strictObject({
      /** Sessions not touched for this many days are deleted (default 90; 0 keeps them forever). */
      retentionDays: z.optional(z.int().check(z.minimum(0))),
    }),
  ),
  /**
   * Seconds a tool call may run before the watchdog stops it: one number for every kind, or per kind
   * (`{ "read": 60, "edit": 60, "exec": 600, "external": 300 }`, the defaults). `--tool-timeout` overrides it.
   */
  toolTimeout: z.optional(
    z.union([
      z.number().check(z.positive()),
      z.strictObject({
        read: z.optional(z.number().check(z.positive())),
        edit: z.optional(z.number().check(z.positive())),
        exec: z.optional(z.number().check(z.positive())),
        external: z.optional(z.number().check(z.positive())),
      }),
    ]),
  ),
  /** Seconds without any data from the model before a request is retried (default: by provider kind). */
  requestIdleTimeout: z.optional(z.number().check(z.positive())),
  /** Seconds across all attempts of one model request after which no new attempt starts (default: by kind). */
  requestRetryBudget: z.optional(z.number().check(z.positive())),
});

export type Settings = z.infer<typeof SettingsSchema>;
export type ProviderSettings = z.infer<typeof ProviderSettingsSchema>;

export const KNOWN_SETTINGS = new Set(Object.keys(SettingsSchema.shape));
