/** Settings for a command run in a workspace: user file then project file, diagnostics printed to stderr. */
import { join } from "node:path";
import { hearthPaths, projectSettingsPath } from "../store/paths.ts";
import { formatDiagnostic, loadSettings } from "../store/settings.ts";
import type { Settings } from "../store/settings-schema.ts";

/** The merged settings, or null when a file has an error (already reported on stderr). */
export function loadWorkspaceSettings(cwd: string, env: NodeJS.ProcessEnv): Settings | null {
  const paths = hearthPaths(env);
  const { settings, diagnostics } = loadSettings([
    { path: paths.userSettings, label: paths.userSettings },
    { path: projectSettingsPath(cwd), label: join(".hearth", "settings.json") },
  ]);
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (diagnostics.some((d) => d.severity === "error")) {
    process.stderr.write("hearth: fix the settings file above (or move it aside) and run again\n");
    return null;
  }
  return settings;
}
