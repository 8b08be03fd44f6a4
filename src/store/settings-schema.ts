/** The settings file schema (zod/mini), shared by the user file and the project file. */
import * as z from "zod/mini";
import { API_IDS } from "../protocol/model-apis.ts";
import { PERMISSION_MODES } from "../protocol/permissions.ts";
import { McpServersSchema } from "../schema/mcp-server-config.ts";

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

const modelSpec = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.-]+(\/.+)?$/, 'must look like "<provider>/<model>"'));

/** `hearth serve`, the local model gateway (read from the user's file only: a project file cannot set it). */
export const ServeSettingsSchema = z.strictObject({
  /** The key every request must carry (x-api-key or a bearer token); HEARTH_SERVE_KEY wins. */
  key: z.optional(z.string().check(z.minLength(16, "must be at least 16 characters"))),
  /** Port on 127.0.0.1 (default 4517; --port wins). */
  port: z.optional(z.int().check(z.minimum(1), z.maximum(65535))),
  /** The model for requests whose model name matches nothing in `models` (--model wins). */
  model: z.optional(modelSpec),
  /** Request model names (exact, or with `*` wildcards: "claude-*") to hearth models ("ollama/qwen2.5-coder:7b"). */
  models: z.optional(z.record(z.string().check(z.minLength(1)), modelSpec)),
  /** Requests the embedded engine holds waiting while it answers one (default 8); more get 429. */
  queue: z.optional(z.int().check(z.minimum(0))),
});

/** A model the router switches to: always "provider/model", so a switch is known to have happened. */
const routedModel = z.string().check(z.regex(/^[A-Za-z0-9_.-]+\/\S.*$/, 'must be "<provider>/<model>"'));
const routeTarget = z.union([z.literal("local"), z.literal("cloud"), routedModel]);

export const SettingsSchema = z.object({
  /** Default model, "<provider>/<model>". */
  model: z.optional(modelSpec),
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
  /**
   * MCP servers (Claude Code's format, as in `.mcp.json`): `{ "<name>": { "command": ..., "args": [...] } }` or
   * `{ "<name>": { "type": "http", "url": ... } }`. A project file's servers start only in a trusted folder.
   */
  mcpServers: z.optional(McpServersSchema),
  /** How MCP servers are run. */
  mcp: z.optional(
    z.strictObject({
      /** Seconds a server has to start and list its tools (default 30). */
      startTimeout: z.optional(z.number().check(z.positive())),
      /** The servers whose tools a local model is offered (default: every server); `[]` offers none. */
      localModelServers: z.optional(z.array(z.string())),
    }),
  ),
  /**
   * `"model": "auto"` (or `--model auto`): each prompt's model is chosen by these rules. Only the user's settings
   * may route to a cloud model; a project's file can only mark its workspace private.
   */
  router: z.optional(
    z.strictObject({
      /** What "local" names in a rule (e.g. "ollama/qwen2.5-coder:7b"); also the model when nothing matches. */
      local: z.optional(routedModel),
      /** What "cloud" names in a rule (e.g. "anthropic/claude-sonnet-4-5"). */
      cloud: z.optional(routedModel),
      /** When no rule matches: "local" (the default), "cloud" or a model. */
      default: z.optional(routeTarget),
      /** The workspace is private: nothing of it goes to a cloud model. */
      private: z.optional(z.boolean()),
      /** A session that has touched a file matching one of these globs stays local (default: secrets). */
      localOnly: z.optional(z.array(z.string().check(z.minLength(1)))),
      /** US dollars a session may spend on cloud models; then local. */
      maxCost: z.optional(z.number().check(z.positive())),
      /** Tried in order; the first that matches decides. */
      rules: z.optional(
        z.array(
          z.strictObject({
            name: z.optional(z.string()),
            when: z.strictObject({
              /** The prompt is at least / at most this many characters (attachments included). */
              minChars: z.optional(z.int().check(z.minimum(0))),
              maxChars: z.optional(z.int().check(z.minimum(0))),
              /** The task: question, edit, review or plan (plan: the permission mode is plan). */
              kind: z.optional(z.array(z.enum(["question", "edit", "review", "plan"]))),
              /** The session has touched (read, written or attached) a file matching one of these globs. */
              paths: z.optional(z.array(z.string().check(z.minLength(1)))),
            }),
            /** "local", "cloud" or a model ("provider/model"). */
            use: routeTarget,
          }),
        ),
      ),
    }),
  ),
  /** Seconds without any data from the model before a request is retried (default: by provider kind). */
  requestIdleTimeout: z.optional(z.number().check(z.positive())),
  /** Seconds across all attempts of one model request after which no new attempt starts (default: by kind). */
  requestRetryBudget: z.optional(z.number().check(z.positive())),
  serve: z.optional(ServeSettingsSchema),
});

export type Settings = z.infer<typeof SettingsSchema>;
export type RouterSettings = NonNullable<Settings["router"]>;
export type ProviderSettings = z.infer<typeof ProviderSettingsSchema>;
export type ServeSettings = z.infer<typeof ServeSettingsSchema>;

export const KNOWN_SETTINGS = new Set(Object.keys(SettingsSchema.shape));
