/**
 * `hearth serve`: the local model gateway. Listens on 127.0.0.1 (another address only when --host names one,
 * with a warning) and answers Anthropic Messages, OpenAI Chat Completions and OpenAI Responses with any model
 * hearth can use (gateway/). Settings come from the user's file only: a repository's file cannot set the key or
 * the models. Every upstream request goes through the one HTTP client (egress ledger, offline guard).
 *
 *   hearth serve [--port N] [--model M] [--host H] [--offline] [--quiet]
 *   hearth serve --print-env claude|codex [--port N]
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpClient } from "../../egress/http-client.ts";
import { createEgressLedger } from "../../egress/ledger.ts";
import { isLoopbackHost, offlineGuard } from "../../egress/offline.ts";
import { createGatewayHandler } from "../../gateway/gateway-server.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../../protocol/errors.ts";
import { processRedactor } from "../../runtime/process-redactor.ts";
import { hearthPaths } from "../../store/paths.ts";
import { formatDiagnostic, loadSettings } from "../../store/settings.ts";
import { parseSubcommand, type SubcommandIo, subcommandOutput } from "../subcommand.ts";
import { PRINT_ENV_TARGETS, type PrintEnvTarget, printEnv } from "./print-env.ts";
import { createServeBackends } from "./serve-backends.ts";

export const SERVE_USAGE = `Usage:
  hearth serve [--port N] [--model M]     a model gateway on 127.0.0.1 for other agents and tools:
                                          Anthropic /v1/messages, OpenAI /v1/chat/completions and
                                          /v1/responses, /v1/models
  hearth serve --print-env claude|codex   the environment that points Claude Code or Codex at it

Options:
  --port <n>       port on 127.0.0.1 (default: serve.port in settings, else ${4517}; 0 picks a free one)
  --model <p/m>    the model for request model names serve.models does not map (default: serve.model,
                   then HEARTH_MODEL, "model" in settings, a local server found on this machine)
  --host <addr>    listen on another address than 127.0.0.1 (other machines can then reach it: warned)
  --offline        serve only local models; connect to nothing but loopback
  --quiet          no line per request on stderr

Every request needs the key: HEARTH_SERVE_KEY, or serve.key in your settings, else a random one printed at
start; sent as x-api-key or Authorization: Bearer. Map request model names in settings, e.g.
  "serve": { "models": { "claude-*": "ollama/qwen2.5-coder:7b", "gpt-*": "local/qwen.gguf" } }
`;

export const DEFAULT_SERVE_PORT = 4517;

type Flags = {
  port?: string;
  model?: string;
  host?: string;
  offline?: boolean;
  quiet?: boolean;
  "print-env"?: string;
};

export type ServeIo = SubcommandIo & {
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  stopped?: Promise<void>;
  /** Told the address once listening (tests). */
  listening?: (url: string) => void;
};

export async function runServe(args: string[], env: NodeJS.ProcessEnv, io: ServeIo = {}): Promise<number> {
  const output = subcommandOutput(io);
  const parsed = parseSubcommand<Flags>(
    args,
    {
      port: { type: "string" },
      model: { type: "string", short: "m" },
      host: { type: "string" },
      offline: { type: "boolean" },
      quiet: { type: "boolean" },
      "print-env": { type: "string" },
    },
    SERVE_USAGE,
    output,
  );
  if ("exit" in parsed) return parsed.exit;
  const { values, positionals } = parsed;
  if (positionals.length > 0)
    return output.fail(`hearth serve takes no arguments (got "${positionals.join(" ")}")`, EXIT_USAGE);
  const target = values["print-env"];
  if (target !== undefined && !(PRINT_ENV_TARGETS as readonly string[]).includes(target))
    return output.fail(`--print-env takes ${PRINT_ENV_TARGETS.join(" or ")} (got "${target}")`, EXIT_USAGE);

  const paths = hearthPaths(env);
  const loaded = loadSettings([{ path: paths.userSettings, label: paths.userSettings }]);
  for (const d of loaded.diagnostics) output.err(`${formatDiagnostic(d)}\n`);
  if (loaded.diagnostics.some((d) => d.severity === "error")) return EXIT_USAGE;
  const settings = loaded.settings;

  const port = values.port === undefined ? (settings.serve?.port ?? DEFAULT_SERVE_PORT) : Number(values.port);
  if (values.port !== undefined && (!/^\d+$/.test(values.port) || port > 65535))
    return output.fail(`--port must be a whole number from 0 to 65535 (got "${values.port}")`, EXIT_USAGE);
  const host = values.host ?? "127.0.0.1";
  const fixedKey = env.HEARTH_SERVE_KEY || settings.serve?.key;
  if (fixedKey !== undefined && fixedKey.length < 16)
    return output.fail("HEARTH_SERVE_KEY must be at least 16 characters", EXIT_USAGE);

  if (target !== undefined) {
    if (!fixedKey)
      return output.fail(
        "no fixed key to print: set HEARTH_SERVE_KEY or serve.key in your settings (hearth serve otherwise makes a new key each start)",
        EXIT_USAGE,
      );
    output.out(printEnv(target as PrintEnvTarget, `http://${urlHost(host)}:${port}`, fixedKey));
    return EXIT_OK;
  }

  const key = fixedKey || randomBytes(24).toString("base64url");
  const offline = values.offline === true || settings.offline === true;
  const ledger = createEgressLedger({
    stateDir: paths.stateDir,
    onProblem: (line) => output.err(`hearth: ${line}\n`),
  });
  const http = createHttpClient({
    onExchange: ledger.record,
    beforeRequest: offlineGuard({
      offline,
      reason: values.offline ? "--offline" : "offline: true in settings",
    }),
    maxSockets: 256,
  });
  const backends = createServeBackends({ settings, env, http, model: values.model, offline });
  const handler = createGatewayHandler({
    key,
    http,
    backendFor: backends.backendFor,
    modelNames: backends.modelNames,
    ipHosts: !isLoopbackHost(host),
    // Through the process redactor: no key (the gateway's or a provider's) reaches the terminal.
    log: values.quiet ? undefined : (line) => output.err(processRedactor().redact(`hearth serve: ${line}\n`)),
  });
  const server = createServer(handler);
  server.keepAliveTimeout = 75_000;
  const listened = await new Promise<{ ok: true } | { ok: false; message: string }>((resolve) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      resolve({
        ok: false,
        message:
          error.code === "EADDRINUSE"
            ? `port ${port} on ${host} is in use; pick another with --port`
            : `cannot listen on ${host}:${port}: ${error.message}`,
      }),
    );
    server.listen(port, host, () => resolve({ ok: true }));
  });
  if (!listened.ok) return output.fail(listened.message, EXIT_FAILED);
  const url = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`;
  if (!isLoopbackHost(host))
    output.err(
      `hearth: warning: listening on ${host}, not only this machine: anyone who can reach it and has the key can use your models\n`,
    );
  if (!fixedKey)
    output.say(
      `key: ${key}   (new each start; set HEARTH_SERVE_KEY or serve.key in settings to keep one, then hearth serve --print-env claude|codex)`,
    );
  // From here on the key is a secret like any other: never in a log line.
  processRedactor().add(key);
  if (offline) output.say("offline: only local models are served");
  // Last, so that a script reading stdout knows everything above is there once it sees this line.
  output.say(
    `hearth serve: listening on ${url} (Anthropic /v1/messages, OpenAI /v1/chat/completions, /v1/responses)`,
  );
  io.listening?.(url);

  await (io.stopped ?? stopSignal());
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return EXIT_OK;
}

function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
