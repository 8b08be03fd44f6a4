/** Where hearth keeps its files, following the XDG base directory spec. */
import { accessSync, constants, mkdirSync } from "node:fs";
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

const DIRECTORY_ERRORS: Record<string, string> = {
  ENOTDIR: "a part of that path is a file, not a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
  EEXIST: "a file of that name is in the way",
};

/**
 * Creates hearth's data and state directories (or only those in `which`) when missing. Returns null when they
 * can be written, else one line naming the directory, why it cannot be used and the variable that moves it.
 */
export function unusableDirectory(
  paths: HearthPaths,
  env: NodeJS.ProcessEnv,
  which: ReadonlyArray<"data" | "state"> = ["data", "state"],
): string | null {
  const dirs = [
    { dir: paths.dataDir, what: "data", variable: "XDG_DATA_HOME" },
    { dir: paths.stateDir, what: "state", variable: "XDG_STATE_HOME" },
  ] as const;
  for (const { dir, what, variable } of dirs) {
    if (!which.includes(what)) continue;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      const why = Object.hasOwn(DIRECTORY_ERRORS, code)
        ? `${code}: ${DIRECTORY_ERRORS[code]}`
        : (error as Error).message;
      const now = env[variable] ? `${variable} is ${env[variable]}` : `${variable} is not set`;
      return (
        `cannot use hearth's ${what} directory ${dir} (${why}); ` +
        `${now}: set it to a directory you can write, or fix that one`
      );
    }
  }
  return null;
}
