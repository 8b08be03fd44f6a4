/**
 * What `hearth runtimes` and `hearth doctor` show: each agent CLI hearth can run, whether it is installed (and
 * where, in which version), and where its model is (loopback or a cloud), all checked at once.
 */
import { checkRuntime, ownBinDirs } from "./find-runtime.ts";
import { isLoopbackUrl, modelEndpoint } from "./runtime-endpoint.ts";
import { RUNTIME_NAMES, RUNTIMES, type RuntimeName } from "./runtimes.ts";

export type RuntimeRow = {
  name: RuntimeName;
  status: "installed" | "missing" | "too old";
  version: string | null;
  path: string | null;
  /** The model's base URL as the runtime's own settings say, and whether it is on this machine. */
  model: string;
  local: boolean;
  /** For missing and too old: what to do, in one line. */
  problem?: string;
};

export async function listRuntimes(env: NodeJS.ProcessEnv, binDirs = ownBinDirs()): Promise<RuntimeRow[]> {
  const plain = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return Promise.all(
    RUNTIME_NAMES.map(async (name): Promise<RuntimeRow> => {
      const check = await checkRuntime(RUNTIMES[name], plain, binDirs);
      const endpoint = modelEndpoint(name, env);
      const base = { name, model: endpoint.url, local: isLoopbackUrl(endpoint.url) };
      if (check.ok) return { ...base, status: "installed", version: check.version, path: check.path };
      return {
        ...base,
        status: check.path ? "too old" : "missing",
        version: check.version ?? null,
        path: check.path ?? null,
        problem: check.problem,
      };
    }),
  );
}
