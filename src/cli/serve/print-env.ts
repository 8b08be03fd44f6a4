/**
 * `hearth serve --print-env claude|codex`: the environment (and, for Codex, the config lines) that point another
 * agent CLI at the gateway. Claude Code speaks Anthropic Messages and takes its base URL and key from the
 * environment; Codex speaks OpenAI Responses and takes a provider from its config.toml, whose key it reads from
 * the environment variable the provider names.
 */

export const PRINT_ENV_TARGETS = ["claude", "codex"] as const;
export type PrintEnvTarget = (typeof PRINT_ENV_TARGETS)[number];

/** A value as a POSIX shell word. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function printEnv(target: PrintEnvTarget, baseUrl: string, key: string): string {
  if (target === "claude")
    return [
      '# Claude Code -> hearth serve (Anthropic Messages): eval "$(hearth serve --print-env claude)"',
      `export ANTHROPIC_BASE_URL=${shellWord(baseUrl)}`,
      `export ANTHROPIC_API_KEY=${shellWord(key)}`,
      "unset ANTHROPIC_AUTH_TOKEN",
      // Claude Code's own side traffic (updates, telemetry, error reports) stays off: only model requests go out.
      "export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
      "",
    ].join("\n");
  return [
    "# Codex -> hearth serve (OpenAI Responses). Put these lines in $CODEX_HOME/config.toml (~/.codex/config.toml),",
    "# without the leading '# ', then run codex with the variable below exported:",
    '#   model_provider = "hearth"',
    "#   [model_providers.hearth]",
    '#   name = "hearth"',
    `#   base_url = "${baseUrl}/v1"`,
    '#   env_key = "HEARTH_SERVE_KEY"',
    '#   wire_api = "responses"',
    `export HEARTH_SERVE_KEY=${shellWord(key)}`,
    "",
  ].join("\n");
}
