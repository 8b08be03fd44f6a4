/** Settings for a command run in a workspace: user file then project file, diagnostics printed to stderr. */
import { join } from "node:path";
import { hearthPaths, projectSettingsPath } from "../store/paths.ts";
import { formatDiagnostic, loadSettings } from "../store/settings.ts";
import type { Settings } from "../store/settings-schema.ts";

export type WorkspaceSettings = {
  /** User and project files merged (project wins). */
  merged: Settings;
  /** The user's own file: the only source allowed to widen permissions. */
  user: Settings;
  /** The project's file (.hearth/settings.json), untrusted input unless the user trusts the folder. */
  project: Settings;
};

const PROJECT_LABEL = join(".hearth", "settings.json");

/** The settings, or null when a file has an error (already reported on stderr). */
export function loadWorkspaceSettings(cwd: string, env: NodeJS.ProcessEnv): WorkspaceSettings | null {
  const paths = hearthPaths(env);
  const { settings, layers, diagnostics } = loadSettings([
    { path: paths.userSettings, label: paths.userSettings },
    { path: projectSettingsPath(cwd), label: PROJECT_LABEL },
  ]);
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (diagnostics.some((d) => d.severity === "error")) {
    process.stderr.write("hearth: fix the settings file above (or move it aside) and run again\n");
    return null;
  }
  return {
    merged: settings,
    user: layers.get(paths.userSettings) ?? {},
    project: layers.get(PROJECT_LABEL) ?? {},
  };
}
