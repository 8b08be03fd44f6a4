/** Where hearth keeps its files, following the XDG base directory spec. */
import { homedir } from "node:os";
import { join } from "node:path";

export type HearthPaths = {
  configDir: string;
  dataDir: string;
  stateDir: string;
  userSettings: string;
};

export function hearthPaths(env: NodeJS.ProcessEnv, home: string = homedir()): HearthPaths {
  const base = (name: string, fallback: string) => {
    const value = env[name];
    // The spec says relative values are invalid and must be ignored.
    return value?.startsWith("/") ? value : join(home, fallback);
  };
  const configDir = join(base("XDG_CONFIG_HOME", ".config"), "hearth");
  return {
    configDir,
    dataDir: join(base("XDG_DATA_HOME", ".local/share"), "hearth"),
    stateDir: join(base("XDG_STATE_HOME", ".local/state"), "hearth"),
    userSettings: join(configDir, "settings.json"),
  };
}

export function projectSettingsPath(workspaceRoot: string): string {
  return join(workspaceRoot, ".hearth", "settings.json");
}
