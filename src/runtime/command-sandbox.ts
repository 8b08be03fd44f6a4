/**
 * The OS sandbox for the bash tool. Detection runs a trial command (tens of ms), so it starts once the first model
 * request is on its way and the first command waits for it. Where no sandbox can start, hearth says so once.
 * Commands see hearth's own config folder (settings, stored keys) empty, like the secret stores in HOME.
 */
import { realpathSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import type { SandboxStatus } from "../policy/sandbox.ts";
import { hearthPaths } from "../store/paths.ts";
import type { Settings } from "../store/settings-schema.ts";
import type { Invocation } from "../tools/bash.ts";

export type CommandWrap = (command: string) => Promise<Invocation>;

/**
 * `wrap` for the bash tool; `start` begins detection early (call it once the first model request is out);
 * `available` says whether commands really run in an OS sandbox (detection runs on the first call); `close` at the
 * end of the run removes the empty folders that stood in for missing protected paths (policy/sandbox-mounts.ts).
 */
export type CommandSandbox = {
  wrap: CommandWrap;
  start(): void;
  available(): Promise<boolean>;
  close(): void;
};

export function createCommandSandbox(input: {
  /** Settings as they apply (a project file's sandbox keys count only in a trusted folder). */
  settings: Settings;
  env: NodeJS.ProcessEnv;
  workspaceRoot: string;
  extraRoots: string[];
  readOnlyPaths: string[];
  /**
   * Read deny rules: the policy's predicate (absent when no rule names a path) and the deny rules as written.
   * Commands see the files they cover empty (policy/denied-paths.ts finds them).
   */
  readDeny?: { hidden: (realPath: string) => boolean; rules: string[] };
  /** Offline mode: commands get no network even if settings allow it. */
  offline: boolean;
  /** The run's scratch folder (cli/run-scratch.ts): TMPDIR inside the sandbox. */
  scratchDir?: string;
  say: (line: string) => void;
}): CommandSandbox | undefined {
  const { settings, say } = input;
  if (settings.sandbox?.enabled === false) {
    say("commands run without an OS sandbox (sandbox.enabled is false in settings)");
    return undefined;
  }
  const { configDir } = hearthPaths(input.env);
  const placeholders = new Set<string>();
  let release: ((held: Set<string>) => void) | undefined;
  let finder: Promise<() => string[]> | undefined;
  const readDenied = async (): Promise<string[]> => {
    const deny = input.readDeny;
    if (!deny) return [];
    finder ??= import("../policy/denied-paths.ts").then(({ createDeniedPathFinder }) =>
      createDeniedPathFinder({
        ...deny,
        roots: [input.workspaceRoot, ...input.extraRoots],
        home: realHome(input.env),
        say,
      }),
    );
    return (await finder)();
  };
  let status: Promise<SandboxStatus> | undefined;
  const start = () => {
    // The sandbox module loads with the first detection, after the first model request.
    status ??= import("../policy/sandbox.ts").then(async ({ describeSandbox, detectSandbox }) => {
      const found = await detectSandbox(input.env);
      if (!found.available) say(describeSandbox(found));
      return found;
    });
    return status;
  };
  const wrap: CommandWrap = async (command) => {
    const found = await start();
    if (!found.available) return { file: "bash", args: ["-c", command] };
    const { releasePlaceholders, wrapCommand } = await import("../policy/sandbox.ts");
    release = releasePlaceholders;
    return wrapCommand({
      placeholders,
      sandbox: found,
      command,
      workspaceRoot: input.workspaceRoot,
      writableRoots: input.extraRoots,
      readOnlyPaths: input.readOnlyPaths,
      hiddenPaths: [configDir, ...(await readDenied())],
      allowNetwork: settings.sandbox?.network === true && !input.offline,
      tmpDir: input.env.TMPDIR || tmpdir(),
      scratchDir: input.scratchDir,
      hostEnv: input.env,
    });
  };
  return {
    wrap,
    start: () => void start(),
    available: async () => (await start()).available,
    close: () => release?.(placeholders),
  };
}

function realHome(env: NodeJS.ProcessEnv): string {
  const home = env.HOME || homedir();
  try {
    return realpathSync(home);
  } catch {
    return home;
  }
}
