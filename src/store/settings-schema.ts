/** The settings file schema (zod), shared by the user file and the project file. */
import { z } from "zod";
import { API_IDS } from "../providers/provider.ts";

export const PERMISSION_MODES = ["ask", "auto", "plan"] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

export const ProviderSettingsSchema = z
  .object({
    /** Wire protocol. Required for a custom provider; optional when overriding a built-in one. */
    api: z.enum(API_IDS as [string, ...string[]]).optional(),
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Name of the environment variable holding the key (never the key itself). */
    apiKeyEnv: envVarName.optional(),
    headers: z.record(z.string(), z.string()).optional(),
    contextWindow: z.number().int().positive().optional(),
    maxOutputTokens: z.number().int().positive().optional(),
    stream: z.boolean().optional(),
  })
  .strict();

export const SettingsSchema = z.object({
  /** Default model, "<provider>/<model>". */
  model: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(\/.+)?$/, 'must look like "<provider>/<model>"')
    .optional(),
  permissionMode: z.enum(PERMISSION_MODES).optional(),
  maxTurns: z.number().int().positive().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "provider names use letters, digits, . _ -"), ProviderSettingsSchema).optional(),
  ollama: z
    .object({
      /** Upper bound for num_ctx sent to Ollama (the model's own context length is used up to this). */
      maxContext: z.number().int().min(512).optional(),
      keepAlive: z.string().optional(),
    })
    .strict()
    .optional(),
  /** Seconds without any data from the model before a request is retried. */
  requestIdleTimeout: z.number().positive().optional(),
});

export type Settings = z.infer<typeof SettingsSchema>;
export type ProviderSettings = z.infer<typeof ProviderSettingsSchema>;

export const KNOWN_SETTINGS = new Set(Object.keys(SettingsSchema.shape));
