/**
 * What starting a server takes, from its configuration: for stdio the program, its arguments, working folder and
 * environment; for HTTP the URL and headers. `${VAR}` and `${VAR:-default}` in those values are expanded from
 * hearth's environment here (a variable that is not set and has no default is a problem, not an empty string);
 * a client's servers (`literal`) are taken as the client sent them.
 *
 * A stdio server gets the scrubbed environment commands get (no provider keys, no `*_TOKEN`, `*_SECRET`, ...:
 * secrets/child-env.ts) plus exactly the variables its configuration names. The values that look like secrets
 * (by name or shape, and credential headers) are returned so the redactor learns them.
 */
import { isAbsolute, resolve } from "node:path";
import type { HttpServerConfig, StdioServerConfig } from "../schema/mcp-server-config.ts";
import { isSecretVariable } from "../secrets/child-env.ts";

export type StdioLaunch = {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  secrets: string[];
};
export type HttpTarget = { url: string; headers: Record<string, string>; secrets: string[] };

const CREDENTIAL_HEADER = /authorization|cookie|key|token|secret/i;

export function stdioLaunch(
  config: StdioServerConfig,
  input: { env: NodeJS.ProcessEnv; scrubbedEnv: Record<string, string>; cwd: string; literal?: boolean },
): StdioLaunch | { problem: string } {
  const secrets: string[] = [];
  const expand = (text: string, where: string) =>
    input.literal ? { value: text } : expandVariables(text, input.env, where);
  const command = expand(config.command, "command");
  if ("problem" in command) return command;
  const args: string[] = [];
  for (const [index, arg] of (config.args ?? []).entries()) {
    const value = expand(arg, `args[${index}]`);
    if ("problem" in value) return value;
    args.push(value.value);
  }
  const named: Record<string, string> = {};
  for (const [name, text] of Object.entries(config.env ?? {})) {
    const value = expand(text, `env.${name}`);
    if ("problem" in value) return value;
    named[name] = value.value;
    if (isSecretVariable(name, value.value)) secrets.push(value.value);
  }
  let cwd = input.cwd;
  if (config.cwd !== undefined) {
    const value = expand(config.cwd, "cwd");
    if ("problem" in value) return value;
    cwd = isAbsolute(value.value) ? value.value : resolve(input.cwd, value.value);
  }
  return { command: command.value, args, env: { ...input.scrubbedEnv, ...named }, cwd, secrets };
}

export function httpTarget(
  config: HttpServerConfig,
  env: NodeJS.ProcessEnv,
  literal = false,
): HttpTarget | { problem: string } {
  const expand = (text: string, where: string) =>
    literal ? { value: text } : expandVariables(text, env, where);
  const url = expand(config.url, "url");
  if ("problem" in url) return url;
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, text] of Object.entries(config.headers ?? {})) {
    const value = expand(text, `headers.${name}`);
    if ("problem" in value) return value;
    headers[name] = value.value;
    if (CREDENTIAL_HEADER.test(name) || isSecretVariable(name, value.value)) secrets.push(value.value);
  }
  return { url: url.value, headers, secrets };
}

/** `${VAR}` and `${VAR:-default}` replaced from `env`; `$` anywhere else stays as it is. */
export function expandVariables(
  text: string,
  env: NodeJS.ProcessEnv,
  where: string,
): { value: string } | { problem: string } {
  let missing: string | undefined;
  const value = text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (_all, name: string, fallback) => {
      const found = env[name];
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      missing ??= name;
      return "";
    },
  );
  if (missing !== undefined)
    return {
      problem: `${where} uses \${${missing}}, which is not set: set it, or write \${${missing}:-default}`,
    };
  return { value };
}
