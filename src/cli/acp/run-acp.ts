/**
 * `hearth acp`: hearth as an Agent Client Protocol agent for editors (Zed, JetBrains, Neovim and Emacs plugins),
 * on the official SDK over stdio. One long-lived process serves many sessions: session/new opens a runtime
 * session in the client's folder, session/load resumes one of ours and replays it, session/prompt runs a prompt
 * with its updates streamed, session/cancel interrupts, session/set_mode and the `model` config option change
 * what the next prompts run with, and permission requests go to the client. Nothing but JSON-RPC is written to
 * stdout; diagnostics go to stderr (the client's log). No authentication: keys come from hearth's own settings
 * and key store, and local models need none.
 */
import { Readable, Writable } from "node:stream";
import type { McpServer, SessionConfigOption, SessionModeState } from "@agentclientprotocol/sdk";
import { RUNTIME_NAMES } from "../../delegate/runtimes.ts";
import { clientServers } from "../../mcp/mcp-config.ts";
import { EXIT_OK } from "../../protocol/errors.ts";
import { PERMISSION_MODES, type PermissionMode } from "../../protocol/permissions.ts";
import { openSession } from "../../runtime/session-runtime.ts";
import { hearthPaths } from "../../store/paths.ts";
import { readSessionFile } from "../../store/session-file.ts";
import { replayMessages } from "../../store/session-records.ts";
import { sessionPath } from "../../store/session-store.ts";
import { UsageError } from "../args.ts";
import { writeError } from "../redaction.ts";
import { replayUpdates } from "./acp-content.ts";
import { type AcpSession, createAcpSession } from "./acp-session.ts";

const MODES: Record<PermissionMode, string> = {
  ask: "Ask before edits and commands",
  edits: "Edit files without asking; ask before commands",
  auto: "Edit and run without asking, in the sandbox (destructive steps still ask)",
  plan: "Read only: look and plan, change nothing",
};

export async function runAcp(args: string[], env: NodeJS.ProcessEnv, version: string): Promise<number> {
  if (args.length > 0)
    throw new UsageError(`hearth acp takes no arguments (got ${args[0]}); an editor starts it`);
  const acp = await import("@agentclientprotocol/sdk");
  const log = (line: string) => writeError(`${line.trimEnd()}\n`);
  const sessions = new Map<string, AcpSession>();
  const failure = (message: string) => new acp.RequestError(-32603, message);

  const session = (sessionId: string) => {
    const found = sessions.get(sessionId);
    if (!found) throw acp.RequestError.sessionNotFound(sessionId);
    return found;
  };

  async function open(
    cwd: string,
    resume: string | undefined,
    mcpServers: McpServer[],
    client: Parameters<typeof createAcpSession>[1],
  ): Promise<AcpSession> {
    const opened = await openSession(
      { cwd, confirmCloud: true, mcpServers: clientServers(mcpServers), ...(resume ? { resume } : {}) },
      { version, env, diagnostics: (text) => log(`hearth acp: ${text}`) },
    );
    if (!opened.ok) throw acp.RequestError.invalidParams(undefined, opened.message);
    const bridge = createAcpSession(opened.session, client, { log, failure });
    sessions.set(bridge.id, bridge);
    return bridge;
  }

  function modes(bridge: AcpSession): SessionModeState {
    return {
      currentModeId: bridge.runtime.info.permissionMode,
      availableModes: PERMISSION_MODES.map((id) => ({ id, name: id, description: MODES[id] })),
    };
  }

  function configOptions(bridge: AcpSession): SessionConfigOption[] {
    const model = bridge.runtime.info.model;
    const runtime = bridge.runtime.info.runtime ?? "hearth";
    return [
      {
        id: "model",
        name: "Model",
        category: "model",
        type: "select",
        currentValue: model,
        options: [{ value: model, name: model }],
      } as SessionConfigOption,
      // Who runs the prompts: hearth's own loop, or another agent CLI (see `hearth runtimes`).
      {
        id: "runtime",
        name: "Runtime",
        type: "select",
        currentValue: runtime,
        options: [...new Set(["hearth", ...RUNTIME_NAMES, runtime])].map((value) => ({ value, name: value })),
      } as SessionConfigOption,
    ];
  }

  const app = acp
    .agent({ name: "hearth" })
    .onRequest("initialize", () => ({
      protocolVersion: acp.PROTOCOL_VERSION,
      agentCapabilities: {
        loadSession: true,
        promptCapabilities: { image: true, embeddedContext: true },
        mcpCapabilities: { http: true, sse: true },
      },
      authMethods: [],
      agentInfo: { name: "hearth", version },
    }))
    .onRequest("session/new", async ({ params, client }) => {
      const bridge = await open(params.cwd, undefined, params.mcpServers, client);
      return { sessionId: bridge.id, modes: modes(bridge), configOptions: configOptions(bridge) };
    })
    .onRequest("session/load", async ({ params, client }) => {
      const bridge = await open(params.cwd, params.sessionId, params.mcpServers, client);
      const parsed = readSessionFile(sessionPath(hearthPaths(env).dataDir, bridge.id));
      for (const update of replayUpdates(replayMessages(parsed.records).messages, bridge.runtime.info.cwd))
        await client.notify("session/update", { sessionId: bridge.id, update });
      return { modes: modes(bridge), configOptions: configOptions(bridge) };
    })
    .onRequest("session/prompt", ({ params }) => session(params.sessionId).prompt(params.prompt))
    .onNotification("session/cancel", ({ params }) => {
      sessions.get(params.sessionId)?.cancel();
    })
    .onRequest("session/set_mode", async ({ params }) => {
      const problem = await session(params.sessionId).change({ type: "set_mode", mode: params.modeId });
      if (problem) throw acp.RequestError.invalidParams(undefined, problem);
      return {};
    })
    .onRequest("session/set_config_option", async ({ params }) => {
      const bridge = session(params.sessionId);
      const value = params.value;
      if (params.configId === "runtime" && typeof value === "string") {
        if (value !== "hearth" && !(RUNTIME_NAMES as readonly string[]).includes(value))
          throw acp.RequestError.invalidParams(
            undefined,
            `the runtime is one of hearth, ${RUNTIME_NAMES.join(", ")} (got "${value}")`,
          );
        const problem = await bridge.change({ type: "set_runtime", runtime: value });
        if (problem) throw acp.RequestError.invalidParams(undefined, problem);
        return { configOptions: configOptions(bridge) };
      }
      if (params.configId !== "model" || typeof value !== "string")
        throw acp.RequestError.invalidParams(
          undefined,
          `hearth has two config options, "model" (a model name) and "runtime" (hearth or an agent CLI)`,
        );
      const problem = await bridge.change({ type: "set_model", model: value });
      if (problem) throw acp.RequestError.invalidParams(undefined, problem);
      return { configOptions: configOptions(bridge) };
    });

  const stream = acp.ndJsonStream(
    Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
    Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
  );
  const connection = app.connect(stream);
  const stop = () => connection.close();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  await connection.closed.catch((error: Error) => log(`hearth acp: the connection ended: ${error.message}`));
  process.off("SIGTERM", stop);
  process.off("SIGINT", stop);
  // The client is gone: every session is closed (a running prompt interrupted, its files kept).
  await Promise.all([...sessions.values()].map((bridge) => bridge.close()));
  return EXIT_OK;
}
