/**
 * Whether a runtime can log in, checked before it starts where a CLI would otherwise retry a cloud host for
 * minutes (codex without a key or a login). Claude and gemini say "not logged in" themselves at once; their
 * failure line is read afterwards (run-runtime.ts).
 */
import { execFile } from "node:child_process";
import { modelEndpoint } from "./runtime-endpoint.ts";
import type { RuntimeSpec } from "./runtimes.ts";

/** A problem line when the runtime is surely not logged in; null when it is or may be. */
export async function loginProblem(
  spec: RuntimeSpec,
  path: string,
  env: Record<string, string>,
): Promise<string | null> {
  if (spec.name !== "codex") return null;
  // A provider of its own config (a local server, a gateway) brings its own key variable.
  if (modelEndpoint("codex", env).from !== "its default") return null;
  if (env.OPENAI_API_KEY || env.CODEX_API_KEY) return null;
  const loggedIn = await new Promise<boolean>((resolve) => {
    execFile(path, ["login", "status"], { env, timeout: 15_000 }, (error) => resolve(!error));
  });
  return loggedIn ? null : `codex is not logged in: ${spec.login}`;
}
