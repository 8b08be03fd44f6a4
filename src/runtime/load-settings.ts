/**
 * Settings for a command run in a workspace: the user's file, then the project's. A project file comes with the
 * repository, so it is untrusted input: until the user runs `hearth trust`, the keys that could widen what hearth
 * may do or where keys are sent (providers, sandbox, env, permissions, permissionMode) are taken from the user's
 * file only. Diagnostics and that notice are printed to stderr.
 */

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { invalidRules } from "../policy/permission-rules.ts";
import { hearthPaths, projectSettingsPath } from "../store/paths.ts";
import { type Diagnostic, deepMerge, formatDiagnostic, loadSettings } from "../store/settings.ts";
import type { Settings } from "../store/settings-schema.ts";
import { isTrustedFolder, trustedFoldersPath } from "../store/trusted-folders.ts";
import { claudeProjectSettings } from "./claude-settings.ts";

export type WorkspaceSettings = {
  /** What applies: the user's file with the project's file over it (only its safe keys, unless trusted). */
  merged: Settings;
  /** The user's own file. */
  user: Settings;
  /** The project's file (.hearth/settings.json), as written. */
  project: Settings;
  projectTrusted: boolean;
};

export const PROJECT_LABEL = join(".hearth", "settings.json");

/** Keys a project file may set only in a trusted folder. The permission engine reads the rule lists itself. */
const TRUST_ONLY_KEYS = [
  "providers",
  "sandbox",
  "env",
  "permissions",
  "permissionMode",
  "mcpServers",
  "delegate",
] as const;

/** The settings, or null when a file has an error (already reported through `write`). */
export function loadWorkspaceSettings(
  cwd: string,
  env: NodeJS.ProcessEnv,
  /** Where the diagnostics go (stderr, through the redactor). */
  write: (text: string) => void,
): WorkspaceSettings | null {
  const paths = hearthPaths(env);
  const { layers, diagnostics } = loadSettings([
    { path: paths.userSettings, label: paths.userSettings },
    { path: projectSettingsPath(cwd), label: PROJECT_LABEL },
  ]);
  const user = layers.get(paths.userSettings) ?? {};
  let project = layers.get(PROJECT_LABEL) ?? {};
  // A rule that does not parse is an error, not a warning: a dropped deny rule would let the call through.
  diagnostics.push(
    ...ruleDiagnostics(user, paths.userSettings, paths.userSettings),
    ...ruleDiagnostics(project, projectSettingsPath(cwd), PROJECT_LABEL),
  );
  for (const d of diagnostics) write(`${formatDiagnostic(d)}\n`);
  if (diagnostics.some((d) => d.severity === "error")) {
    write("hearth: fix the settings file above (or move it aside) and run again\n");
    return null;
  }
  // Claude Code's project permissions stand in for a missing .hearth/settings.json (cli/claude-settings.ts).
  const claude = layers.has(PROJECT_LABEL) ? null : claudeProjectSettings(cwd);
  if (claude && "problem" in claude) {
    write(`hearth: ${claude.problem}\n`);
    return null;
  }
  if (claude) project = claude.settings;
  // A project's .mcp.json starts programs: it counts as a project file for trust (mcp/mcp-config.ts reads it).
  const trust =
    layers.has(PROJECT_LABEL) || claude || existsSync(join(cwd, ".mcp.json"))
      ? isTrustedFolder(trustedFoldersPath(env), cwd)
      : { trusted: false };
  if (trust.problem) write(`hearth: ${trust.problem}\n`);
  // A trusted folder whose project files changed since: untrusted, in one line that says what changed.
  if ("notice" in trust && trust.notice) write(`hearth: ${trust.notice}\n`);
  const safeProject: Record<string, unknown> = { ...project };
  if (!trust.trusted) {
    const ignored = TRUST_ONLY_KEYS.filter(
      (key) => key in safeProject && key !== "permissions" && key !== "permissionMode",
    );
    for (const key of TRUST_ONLY_KEYS) delete safeProject[key];
    if (ignored.length > 0) {
      write(
        `hearth: ${PROJECT_LABEL} sets ${ignored.join(", ")}; ignored until you trust this folder (hearth trust)\n`,
      );
    }
  }
  const merged = deepMerge(user as Record<string, unknown>, safeProject) as Settings;
  return { merged, user, project, projectTrusted: trust.trusted };
}

/** One error per invalid permission rule of a file, at the rule's line (the file is read again, only then). */
function ruleDiagnostics(settings: Settings, path: string, label: string): Diagnostic[] {
  const invalid = invalidRules(settings.permissions ?? {});
  if (invalid.length === 0) return [];
  let lineOf = (_list: string, _index: number) => 1;
  try {
    const text = readFileSync(path, "utf8");
    const { findNodeAtLocation, parseTree } = createRequire(import.meta.url)(
      "jsonc-parser",
    ) as typeof import("jsonc-parser");
    const tree = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
    lineOf = (list, index) => {
      const node = tree && findNodeAtLocation(tree, ["permissions", list, index]);
      return node ? text.slice(0, node.offset).split("\n").length : 1;
    };
  } catch {
    // The file was read a moment ago; if it is gone now, line 1 still names the file.
  }
  return invalid.map((rule) => ({
    file: label,
    line: lineOf(rule.list, rule.index),
    severity: "error",
    message: rule.message,
  }));
}
