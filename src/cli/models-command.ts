/**
 * `hearth models`: every model this machine can use right now. Cloud providers whose key is set (from the
 * catalog), custom providers from settings, and the models of local servers found on loopback.
 */

import { createHttpClient } from "../egress/http-client.ts";
import { createEgressLedger } from "../egress/ledger.ts";
import { EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { catalogModels } from "../providers/catalog.ts";
import { probeLocalServers } from "../providers/local-servers.ts";
import { BUILTIN_PROVIDERS, resolveModel } from "../providers/model-resolution.ts";
import { storedKey } from "../secrets/key-store.ts";
import { hearthPaths } from "../store/paths.ts";
import { loadWorkspaceSettings } from "./load-settings.ts";
import { localProbeTargets } from "./model-selection.ts";
import { writeError } from "./redaction.ts";
import { parseSubcommand, subcommandOutput } from "./subcommand.ts";
import { workspaceRoot } from "./workspace-root.ts";

type Row = { model: string; context: string; where: string };

const USAGE = `Usage: hearth models [--cwd DIR]         list the models hearth can use now
       hearth models pull <ref>            download a GGUF (hf:owner/repo/file.gguf or a URL)
       hearth models rm <name>             delete a downloaded GGUF
       hearth models bench <model>         measure time to first token and tokens/s
`;

/** Actions of `hearth models` with their own module, loaded when used. */
const ACTIONS: Record<string, () => Promise<(args: string[], env: NodeJS.ProcessEnv) => Promise<number>>> = {
  pull: async () => (await import("./models-pull-command.ts")).runModelsPull,
  rm: async () => (await import("./models-pull-command.ts")).runModelsRm,
  bench: async () => (await import("./models-bench-command.ts")).runModelsBench,
};

export async function runModelsCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const action = Object.hasOwn(ACTIONS, args[0] ?? "") ? ACTIONS[args[0]] : undefined;
  if (action) return (await action())(args.slice(1), env);
  const output = subcommandOutput({});
  const parsed = parseSubcommand<{ cwd?: string }>(args, { cwd: { type: "string" } }, USAGE, output);
  if ("exit" in parsed) return parsed.exit;
  if (parsed.positionals.length > 0)
    return output.fail(`unknown models action "${parsed.positionals[0]}"\n${USAGE}`, EXIT_USAGE);
  return runModels({ env, cwd: parsed.values.cwd });
}

export async function runModels(input: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<number> {
  const { env } = input;
  const layers = loadWorkspaceSettings(workspaceRoot(input.cwd), env);
  if (!layers) return EXIT_USAGE;
  const settings = layers.merged;
  const rows: Row[] = [];
  const notes: string[] = [];

  for (const [name, provider] of Object.entries(BUILTIN_PROVIDERS)) {
    if (provider.keyEnv.length === 0) continue; // local servers are probed below
    const models = catalogModels(name);
    const fromEnv = provider.keyEnv.some((key) => env[key]);
    const stored = fromEnv ? null : await storedKey(name, env).catch(() => null);
    const first = resolveModel(`${name}/${models[0]?.id ?? ""}`, settings, env, stored?.value);
    if (!first.ok) {
      notes.push(first.message);
      continue;
    }
    for (const entry of models) {
      rows.push({
        model: `${name}/${entry.id}`,
        context: tokens(entry.contextWindow),
        where: `cloud (${stored ? `key in the ${stored.where}` : first.model.apiKeyEnv})`,
      });
    }
  }
  for (const [name, provider] of Object.entries(settings.providers ?? {})) {
    if (BUILTIN_PROVIDERS[name]) continue;
    rows.push({
      model: `${name}/<model>`,
      context: tokens(provider.contextWindow),
      where: `${provider.api} at ${provider.baseUrl}`,
    });
  }

  // Probes are outbound requests too: they go in the egress ledger.
  const ledger = createEgressLedger({
    stateDir: hearthPaths(env).stateDir,
    onProblem: (p) => writeError(`hearth: ${p}\n`),
  });
  const servers = await probeLocalServers(
    createHttpClient({ onExchange: ledger.record }),
    localProbeTargets(settings, env),
  );
  for (const server of servers) {
    for (const id of server.models)
      rows.push({ model: `${server.provider}/${id}`, context: "", where: `local (${server.baseUrl})` });
  }
  if (servers.length === 0)
    notes.push("no local server found (Ollama on 11434, LM Studio on 1234, llama.cpp on 8080)");

  if (rows.length > 0) {
    const width = Math.max(5, ...rows.map((r) => r.model.length)) + 2;
    process.stdout.write(`${"MODEL".padEnd(width)}${"CONTEXT".padEnd(9)}WHERE\n`);
    for (const r of rows)
      process.stdout.write(`${r.model.padEnd(width)}${(r.context || "-").padEnd(9)}${r.where}\n`);
  } else {
    process.stdout.write("no models available\n");
  }
  for (const note of notes) writeError(`hearth: ${note}\n`);
  return EXIT_OK;
}

function tokens(n: number | undefined): string {
  if (!n) return "";
  return n >= 1_000_000 ? `${Math.round(n / 100_000) / 10}M` : `${Math.round(n / 1000)}k`;
}
