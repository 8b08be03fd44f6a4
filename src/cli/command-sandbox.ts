/**
 * The OS sandbox for the bash tool. Detection runs a trial command (tens of ms), so it starts once the first model
 * request is on its way and the first command waits for it. Where no sandbox can start, hearth says so once.
 */
import { tmpdir } from "node:os";
import type { SandboxStatus } from "../policy/sandbox.ts";
import type { Settings } from "../store/settings-schema.ts";
import type { Invocation } from "../tools/bash.ts";

export type CommandWrap = (command: string) => Promise<Invocation>;

/**
 * `wrap` for the bash tool; `start` begins detection early (call it once the first model request is out);
 * `available` says whether commands really run in an OS sandbox (detection runs on the first call).
 */
export type CommandSandbox = { wrap: CommandWrap; start(): void; available(): Promise<boolean> };

export function createCommandSandbox(input: {
  /** Settings as they apply (a project file's sandbox keys count only in a trusted folder). */
  settings: Settings;
  env: NodeJS.ProcessEnv;
  workspaceRoot: string;
  extraRoots: string[];
  readOnlyPaths: string[];
  /** Offline mode: commands get no network even if settings allow it. */
  offline: boolean;
  say: (line: string) => void;
}): CommandSandbox | undefined {
  const { settings, say } = input;
  if (settings.sandbox?.enabled === false) {
    say("commands run without an OS sandbox (sandbox.enabled is false in settings)");
    return undefined;
  }
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
    const { sandboxWrapper } = await import("../policy/sandbox.ts");
    const wrap = sandboxWrapper(found, {
      workspaceRoot: input.workspaceRoot,
      writableRoots: input.extraRoots,
      readOnlyPaths: input.readOnlyPaths,
      allowNetwork: settings.sandbox?.network === true && !input.offline,
      tmpDir: input.env.TMPDIR || tmpdir(),
      hostEnv: input.env,
    });
    return wrap(command);
  };
  return { wrap, start: () => void start(), available: async () => (await start()).available };
}
