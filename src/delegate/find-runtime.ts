/**
 * Finding an agent CLI and its version: on PATH first, then in hearth's own node_modules/.bin (where an install of
 * hearth with its development dependencies has them). Never in the workspace's node_modules: a cloned repository
 * is untrusted and could put a program named `claude` there. Each problem is one line that says what to do.
 */
import { execFile } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { findExecutable } from "../policy/find-executable.ts";
import type { RuntimeSpec } from "./runtimes.ts";

export type RuntimeCheck =
  | { ok: true; path: string; version: string | null }
  | { ok: false; problem: string; path?: string; version?: string | null };

/** hearth's own node_modules/.bin, from the entry script (dist/cli.cjs) or the source file in tests. */
export function ownBinDirs(entry: string | undefined = process.argv[1]): string[] {
  if (!entry) return [];
  let real: string;
  try {
    real = realpathSync(entry);
  } catch {
    return [];
  }
  // dist/cli.cjs -> <package>/node_modules/.bin; src/delegate/x.ts -> the same, two levels up.
  return [
    join(dirname(real), "..", "node_modules", ".bin"),
    join(dirname(real), "..", "..", "node_modules", ".bin"),
  ];
}

export function locateRuntime(
  spec: RuntimeSpec,
  env: NodeJS.ProcessEnv,
  binDirs = ownBinDirs(),
): string | null {
  return findExecutable(spec.binary, env.PATH) ?? findExecutable(spec.binary, binDirs.join(":"));
}

/**
 * The version: from the npm package the program belongs to (its package.json, found from the program's real
 * path: no process to start; gemini takes seconds to answer --version), else `<binary> --version` read as x.y.z;
 * null when neither says.
 */
export function runtimeVersion(
  path: string,
  env: Record<string, string>,
  npmPackage?: string,
): Promise<string | null> {
  const packaged = npmPackage ? packageVersion(path, npmPackage) : null;
  if (packaged) return Promise.resolve(packaged);
  return new Promise((resolve) => {
    execFile(path, ["--version"], { env, timeout: 15_000, maxBuffer: 64 * 1024 }, (error, stdout) => {
      if (error && !stdout) return resolve(null);
      resolve(/(\d+\.\d+\.\d+)/.exec(String(stdout))?.[1] ?? null);
    });
  });
}

function packageVersion(path: string, npmPackage: string): string | null {
  let dir: string;
  try {
    dir = dirname(realpathSync(path));
  } catch {
    return null;
  }
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (json.name === npmPackage && typeof json.version === "string") return json.version;
    } catch {
      // not here
    }
  }
  return null;
}

/** -1, 0 or 1 as a is older than, the same as or newer than b (x.y.z, numerically). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Whether the runtime can run here: installed, and new enough. */
export async function checkRuntime(
  spec: RuntimeSpec,
  env: Record<string, string>,
  binDirs = ownBinDirs(),
): Promise<RuntimeCheck> {
  const path = locateRuntime(spec, env, binDirs);
  if (!path)
    return {
      ok: false,
      problem: `${spec.name} is not installed (no ${spec.binary} on PATH): npm install -g ${spec.npmPackage}`,
    };
  const version = await runtimeVersion(path, env, spec.npmPackage);
  if (version && compareVersions(version, spec.minVersion) < 0)
    return {
      ok: false,
      path,
      version,
      problem: `${spec.name} ${version} is too old: hearth needs ${spec.minVersion} or newer (npm install -g ${spec.npmPackage}@latest)`,
    };
  return { ok: true, path, version };
}
