/**
 * `hearth trust`: manage the folders whose `.hearth/settings.json` may loosen permissions (allow rules,
 * permissionMode). Without trust a project file can only add ask and deny rules, because a cloned
 * repository is untrusted input. Trust records the content of the folder's project settings files: after they
 * change, `hearth trust` again says what changed and trusts them as they are now.
 *
 *   hearth trust [dir]            trust dir (default: the current directory) and everything below it
 *   hearth trust --list           print the trusted folders, one per line
 *   hearth trust --remove [dir]   stop trusting dir (default: the current directory)
 */

import { readFileSync, realpathSync, statSync } from "node:fs";
import { resolve, sep } from "node:path";
import { describeTransport, readMcpFile } from "../mcp/mcp-config.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { projectSettingsPath } from "../store/paths.ts";
import { parseSettingsText } from "../store/settings.ts";
import {
  describeChanges,
  layerChanges,
  layerFingerprints,
  readTrustedFolders,
  trustedFoldersPath,
  trustingFolder,
  writeTrustedFolders,
} from "../store/trusted-folders.ts";
import { parseSubcommand, type SubcommandIo, subcommandOutput } from "./subcommand.ts";

export const TRUST_USAGE = `Usage:
  hearth trust [dir]            trust dir (default: the current directory) and the folders below it
  hearth trust --list           list trusted folders
  hearth trust --remove [dir]   stop trusting dir
`;

export type TrustIo = SubcommandIo & {
  /** Directory a missing [dir] means; default process.cwd(). */
  cwd?: string;
  /** Home directory for the config path when XDG_CONFIG_HOME is unset; default os.homedir(). */
  home?: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
};

/** Run `hearth trust` with the arguments after "trust". Returns the exit code; never throws. */
export function runTrust(args: string[], env: NodeJS.ProcessEnv, io: TrustIo = {}): number {
  const output = subcommandOutput(io);
  const { say, fail } = output;
  const parsed = parseSubcommand<{ list?: boolean; remove?: boolean }>(
    args,
    { list: { type: "boolean" }, remove: { type: "boolean" } },
    TRUST_USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    return fail(`hearth trust takes at most one folder\n${TRUST_USAGE}`, EXIT_USAGE);
  if (values.list && (values.remove || positionals.length > 0)) {
    return fail(`--list takes no folder and no other option\n${TRUST_USAGE}`, EXIT_USAGE);
  }

  const file = trustedFoldersPath(env, io.home);
  const current = readTrustedFolders(file);
  if (current.problem) return fail(current.problem, EXIT_FAILED);
  const given = resolve(io.cwd ?? process.cwd(), positionals[0] ?? ".");

  if (values.list) {
    if (current.folders.length === 0) say("no trusted folders (trust one with `hearth trust [dir]`)");
    for (const folder of current.folders) say(folder);
    return EXIT_OK;
  }

  if (values.remove) {
    const dir = realOrSelf(given);
    if (!current.folders.includes(dir)) {
      const via = trustingFolder(current.folders, dir);
      if (via)
        return fail(`${dir} is trusted through ${via}; run \`hearth trust --remove ${via}\``, EXIT_FAILED);
      say(`${dir} was not trusted`);
      return EXIT_OK;
    }
    const files = Object.fromEntries(
      Object.entries(current.files).filter(([path]) => !path.startsWith(`${dir}${sep}`)),
    );
    const problem = writeTrustedFolders(file, {
      folders: current.folders.filter((f) => f !== dir),
      files,
    });
    if (problem) return fail(problem, EXIT_FAILED);
    say(`no longer trusted: ${dir} (its .hearth/settings.json allow rules no longer apply)`);
    return EXIT_OK;
  }

  let dir: string;
  try {
    if (!statSync(given).isDirectory()) return fail(`${given} is not a directory`, EXIT_USAGE);
    dir = realpathSync(given);
  } catch {
    return fail(`${given} is not a directory`, EXIT_USAGE);
  }
  const via = trustingFolder(current.folders, dir);
  const changes = layerChanges(current.files, dir);
  if (via && changes.length === 0) {
    say(via === dir ? `already trusted: ${dir}` : `already trusted: ${dir} (through ${via})`);
    return EXIT_OK;
  }
  const problem = writeTrustedFolders(file, {
    folders: via ? current.folders : [...current.folders, dir],
    files: { ...current.files, ...layerFingerprints(dir) },
  });
  if (problem) return fail(problem, EXIT_FAILED);
  if (via) say(`trusted again: ${dir} as its project settings are now; ${describeChanges(changes, via)}`);
  else say(`trusted: ${dir} (and the folders below it)`);
  for (const line of describeProjectSettings(dir)) say(line);
  const mcp = readMcpFile(dir);
  const names = Object.keys(mcp.servers);
  if (mcp.problem) say(`its ${mcp.problem}`);
  else if (names.length > 0)
    say(
      `its .mcp.json servers now start in sessions here: ${names.map((n) => `${n} (${describeTransport(mcp.servers[n])})`).join(", ")}`,
    );
  return EXIT_OK;
}

/** What trusting `dir` turns on: its project allow rules and permission mode. */
function describeProjectSettings(dir: string): string[] {
  let text: string;
  try {
    text = readFileSync(projectSettingsPath(dir), "utf8");
  } catch {
    return ["it has no .hearth/settings.json yet; allow rules added there will apply"];
  }
  const { value } = parseSettingsText(text, ".hearth/settings.json");
  if (!value) return ["its .hearth/settings.json has errors; hearth will report them when it starts there"];
  const permissions = value.permissions as { allow?: string[] } | undefined;
  const lines: string[] = [];
  const allow = permissions?.allow ?? [];
  lines.push(
    allow.length === 0
      ? "its .hearth/settings.json has no allow rules"
      : `its .hearth/settings.json allow rules now apply: ${allow.join(", ")}`,
  );
  if (typeof value.permissionMode === "string")
    lines.push(`its permissionMode "${value.permissionMode}" now applies too`);
  return lines;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
