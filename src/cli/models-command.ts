/**
 * `hearth models`: every model this machine can use right now. Cloud providers whose key is set (from the
 * catalog), custom providers from settings, the models of local servers found on loopback, and the GGUF files in
 * $XDG_DATA_HOME/hearth/models (as `local/<name>`, with size, trained context and quantization from the file).
 */

import { createHttpClient } from "../egress/http-client.ts";
import { createEgressLedger } from "../egress/ledger.ts";
import { formatBytes } from "../protocol/byte-size.ts";
import { EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { catalogModels } from "../providers/catalog.ts";
import { readGgufMetadata } from "../providers/gguf-metadata.ts";
import { localModelDetails, probeLocalServers } from "../providers/local-servers.ts";
import { listModelFiles, listPartialDownloads } from "../providers/model-files.ts";
import { BUILTIN_PROVIDERS, resolveModel } from "../providers/model-resolution.ts";
import { loadWorkspaceSettings } from "../runtime/load-settings.ts";
import { localProbeTargets } from "../runtime/model-selection.ts";
import { workspaceRoot } from "../runtime/workspace-root.ts";
import { storedKey } from "../secrets/key-store.ts";
import { hearthPaths } from "../store/paths.ts";
import { writeError } from "./redaction.ts";
import { parseSubcommand, subcommandOutput } from "./subcommand.ts";

export type ModelRow = { model: string; context: string; size?: string; quant?: string; where: string };
type Row = ModelRow;

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
  const found = await availableModels(input);
  if (!found) return EXIT_USAGE;
  const { rows, notes } = found;
  if (rows.length > 0) {
    const columns: Array<[string, (r: Row) => string]> = [
      ["MODEL", (r) => r.model],
      ["CONTEXT", (r) => r.context || "-"],
      ["SIZE", (r) => r.size || "-"],
      ["QUANT", (r) => r.quant || "-"],
    ];
    const widths = columns.map(
      ([title, cell]) => Math.max(title.length, ...rows.map((r) => cell(r).length)) + 2,
    );
    const line = (cells: string[], where: string) =>
      `${cells.map((cell, i) => cell.padEnd(widths[i])).join("")}${where}\n`;
    const titles = columns.map(([title]) => title);
    process.stdout.write(line(titles, "WHERE"));
    for (const r of rows) {
      const cells = columns.map(([, cell]) => cell(r));
      process.stdout.write(line(cells, r.where));
    }
  } else {
    process.stdout.write("no models available\n");
  }
  for (const note of notes) writeError(`hearth: ${note}\n`);
  return EXIT_OK;
}

/**
 * Every model this machine can use now, as `hearth models` lists it (also the interactive /model's completion):
 * null when the settings cannot be read (their problems went to stderr).
 */
export async function availableModels(input: {
  env: NodeJS.ProcessEnv;
  cwd?: string;
}): Promise<{ rows: ModelRow[]; notes: string[] } | null> {
  const { env } = input;
  const layers = loadWorkspaceSettings(workspaceRoot(input.cwd), env, writeError);
  if (!layers) return null;
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
  const http = createHttpClient({ onExchange: ledger.record });
  const servers = await probeLocalServers(http, localProbeTargets(settings, env));
  // What each server says about its models (size, quantization, the context it runs with), with a time limit.
  const signal = AbortSignal.timeout(2000);
  const details = await Promise.all(servers.map((server) => localModelDetails(http, server, signal)));
  servers.forEach((server, i) => {
    for (const id of server.models) {
      const info = details[i].get(id) ?? {};
      rows.push({
        model: `${server.provider}/${id}`,
        context: tokens(info.contextLength),
        size: info.sizeBytes ? formatBytes(info.sizeBytes) : "",
        quant: info.quantization ?? "",
        where: `local (${server.baseUrl})`,
      });
    }
  });
  if (servers.length === 0)
    notes.push("no local server found (Ollama on 11434, LM Studio on 1234, llama.cpp on 8080)");
  rows.push(...(await modelFileRows(hearthPaths(env).dataDir, notes)));
  return { rows, notes };
}

function tokens(n: number | undefined): string {
  if (!n) return "";
  return n >= 1_000_000 ? `${Math.round(n / 100_000) / 10}M` : `${Math.round(n / 1000)}k`;
}

/** Rows for the GGUF files in the models directory; a file whose header cannot be read is listed with a note. */
async function modelFileRows(dataDir: string, notes: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const file of listModelFiles(dataDir)) {
    const row: Row = {
      model: `local/${file.name}`,
      context: "",
      size: formatBytes(file.size),
      where: file.path,
    };
    try {
      const meta = await readGgufMetadata(file.path);
      row.context = tokens(meta.contextLength);
      row.quant = meta.quantization;
    } catch (error) {
      notes.push(`cannot read the GGUF header of ${file.path}: ${(error as Error).message}`);
    }
    rows.push(row);
  }
  for (const partial of listPartialDownloads(dataDir)) {
    const of = partial.sidecar?.size ? ` of ${formatBytes(partial.sidecar.size)}` : "";
    const from = partial.sidecar ? ` (from ${partial.sidecar.url})` : "";
    notes.push(
      `unfinished download ${partial.fileName}: ${formatBytes(partial.bytes)}${of}${from}; ` +
        "run the same hearth models pull command to resume it, or hearth models rm to delete it",
    );
  }
  return rows;
}
