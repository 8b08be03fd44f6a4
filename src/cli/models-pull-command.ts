/**
 * `hearth models pull <ref>` and `hearth models rm <name>`: download a GGUF into $XDG_DATA_HOME/hearth/models
 * (resumable, verified; see model-pull.ts) and delete one. The download goes through the egress seam: it is in
 * the ledger, and offline mode (--offline or `offline: true`) refuses it unless the host is loopback.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createHttpClient } from "../egress/http-client.ts";
import { createEgressLedger } from "../egress/ledger.ts";
import { isLoopbackHost, offlineGuard } from "../egress/offline.ts";
import { formatBytes } from "../protocol/byte-size.ts";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { modelName, modelsDir, partialPaths, resolveModelFile } from "../providers/model-files.ts";
import { isModelFileName, parseModelRef } from "../providers/model-ref.ts";
import { loadWorkspaceSettings } from "../runtime/load-settings.ts";
import { workspaceRoot } from "../runtime/workspace-root.ts";
import { hearthPaths } from "../store/paths.ts";
import { createDownloadProgress } from "./download-progress.ts";
import { lockHolder, pullModel } from "./model-pull.ts";
import { writeError } from "./redaction.ts";
import { parseSubcommand, subcommandOutput } from "./subcommand.ts";

const PULL_USAGE = `Usage: hearth models pull <ref> [--sha256 HEX] [--name FILE.gguf] [--offline] [--cwd DIR]
  <ref>         hf:owner/repo/file.gguf[@revision] (Hugging Face; HF_ENDPOINT sets another hub,
                HF_TOKEN is sent to it for gated repositories) or an http(s) URL of a .gguf file
  --sha256 HEX  the file's expected sha256 (Hugging Face publishes one; hearth checks it either way)
  --name FILE   save under this file name (it must end in .gguf)
Saves to $XDG_DATA_HOME/hearth/models/. An interrupted download resumes when you run the same command.
`;

const RM_USAGE = `Usage: hearth models rm <name>    delete a downloaded GGUF (the name hearth models shows, local/ optional)
`;

type PullFlags = { sha256?: string; name?: string; offline?: boolean; cwd?: string };

export async function runModelsPull(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const output = subcommandOutput({});
  const parsed = parseSubcommand<PullFlags>(
    args,
    {
      sha256: { type: "string" },
      name: { type: "string" },
      offline: { type: "boolean" },
      cwd: { type: "string" },
    },
    PULL_USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    return output.fail(`give one model reference to download\n${PULL_USAGE}`, EXIT_USAGE);
  const sha256 = values.sha256?.trim().toLowerCase();
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
    return output.fail("--sha256 takes the 64 hex digits of the file's sha256", EXIT_USAGE);
  const ref = parseModelRef(positionals[0], env, values.name);
  if (!ref.ok) return output.fail(ref.message, EXIT_USAGE);

  const settings = loadWorkspaceSettings(workspaceRoot(values.cwd), env, writeError);
  if (!settings) return EXIT_USAGE;
  const paths = hearthPaths(env);
  const ledger = createEgressLedger({
    stateDir: paths.stateDir,
    onProblem: (p) => writeError(`hearth: ${p}\n`),
  });
  const http = createHttpClient({
    onExchange: ledger.record,
    beforeRequest: offlineGuard({
      offline: values.offline === true || settings.merged.offline === true,
      reason: values.offline ? "--offline" : "offline: true in settings",
    }),
  });
  const url = new URL(ref.ref.url);
  if (url.protocol === "http:" && !isLoopbackHost(url.host) && !sha256)
    output.err(
      `hearth: warning: ${url.host} is plain http (not encrypted); pass --sha256 to verify the file\n`,
    );
  const tokenValue = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  const token =
    ref.ref.hubOrigin && tokenValue ? { origin: ref.ref.hubOrigin, value: tokenValue } : undefined;

  const controller = new AbortController();
  const stop = () => {
    // A second Ctrl-C ends the process at once (the partial file is still resumable).
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    controller.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const outcome = await pullModel({
      url: ref.ref.url,
      fileName: ref.ref.fileName,
      dir: modelsDir(paths.dataDir),
      http,
      signal: controller.signal,
      sha256,
      token,
      progress: createDownloadProgress({
        write: output.err,
        tty: process.stderr.isTTY === true,
        label: ref.ref.fileName,
      }),
      notice: (line) => output.err(`hearth: ${line}\n`),
    });
    const local = `local/${modelName(ref.ref.fileName)}`;
    switch (outcome.status) {
      case "done":
        output.say(`saved ${local}: ${outcome.path} (${formatBytes(outcome.size)})`);
        output.say(
          `sha256 ${outcome.sha256} ${outcome.verified ? "(verified)" : "(no published checksum to verify; compare it with the source)"}`,
        );
        return EXIT_OK;
      case "exists":
        output.say(`already downloaded: ${local}: ${outcome.path} (${formatBytes(outcome.size)})`);
        return EXIT_OK;
      case "interrupted":
        return output.fail(outcome.message, EXIT_INTERRUPTED);
      case "failed":
        return output.fail(outcome.message, EXIT_FAILED);
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

export async function runModelsRm(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const output = subcommandOutput({});
  const parsed = parseSubcommand<Record<string, never>>(args, {}, RM_USAGE, output);
  if ("exit" in parsed) return parsed.exit;
  if (parsed.positionals.length !== 1) return output.fail(`give one model name\n${RM_USAGE}`, EXIT_USAGE);
  const name = parsed.positionals[0].replace(/^local\//, "");
  const dir = modelsDir(hearthPaths(env).dataDir);
  if (/[/\\]/.test(name) || name.startsWith("."))
    return output.fail(
      `hearth models rm deletes only files in ${dir}; give a name from hearth models`,
      EXIT_USAGE,
    );
  const fileName = /\.gguf$/i.test(name) ? name : `${name}.gguf`;
  if (!isModelFileName(fileName)) return output.fail(`"${name}" is not a model name`, EXIT_USAGE);
  const leftovers = partialPaths(join(dir, fileName));
  const holder = lockHolder(leftovers.lock);
  if (holder !== undefined)
    return output.fail(`${fileName} is being downloaded right now (pid ${holder}); stop that pull first`);

  const found = resolveModelFile(fileName, hearthPaths(env).dataDir);
  const partial = existsSync(leftovers.partial);
  const removed: string[] = [];
  try {
    if (found.ok) {
      rmSync(found.path);
      removed.push(found.path);
    }
    if (partial) {
      rmSync(leftovers.partial, { force: true });
      rmSync(leftovers.sidecar, { force: true });
      rmSync(leftovers.lock, { force: true });
      removed.push(`${leftovers.partial} (an unfinished download)`);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return output.fail(`cannot delete ${fileName} in ${dir} (${code}); check the directory's permissions`);
  }
  if (removed.length === 0) return output.fail(found.ok ? "nothing to remove" : found.message);
  for (const path of removed) output.say(`removed ${path}`);
  return EXIT_OK;
}
