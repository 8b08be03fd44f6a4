/**
 * Composes what a session runs with: settings layers, the session file, the model, the workspace and its
 * policy, the command sandbox, the tools under their runtime, the journal, the prompt. Built once per session;
 * the model and the mode can change between prompts (set_model, set_mode). Nothing here writes to a terminal:
 * problems are notices, and a failure to open says what to do.
 */
import type { ContextLimits } from "../agent/context-budget.ts";
import { createDelegateTool } from "../delegate/delegate-tool.ts";
import { isRuntimeName, RUNTIME_NAMES } from "../delegate/runtimes.ts";
import { createHttpClient } from "../egress/http-client.ts";
import { createEgressLedger } from "../egress/ledger.ts";
import { offlineGuard } from "../egress/offline.ts";
import { findExecutable } from "../policy/find-executable.ts";
import { createWorkspace, type Workspace } from "../policy/workspace.ts";
import { EXIT_INTERRUPTED, EXIT_USAGE } from "../protocol/errors.ts";
import type { AgentEvent, AgentEventOf, AgentEventType } from "../protocol/events.ts";
import type { ToolSpec } from "../protocol/messages.ts";
import { PERMISSION_MODES, type PermissionMode } from "../protocol/permissions.ts";
import { modelReference } from "../providers/model-resolution.ts";
import type { HttpClient, ResolvedModel, StreamFunction } from "../providers/provider.ts";
import { loadStreamFunction } from "../providers/registry.ts";
import { scrubChildEnv } from "../secrets/child-env.ts";
import { type HearthPaths, hearthPaths, unusableDirectory } from "../store/paths.ts";
import { forkSession, sessionSpillDir } from "../store/session-store.ts";
import type { Settings } from "../store/settings-schema.ts";
import { createBuiltinTools } from "../tools/builtin-tools.ts";
import { createFileState, type FileState } from "../tools/file-state.ts";
import { createProcessReaper, type ProcessReaper } from "../tools/process-reaper.ts";
import { createToolRuntime, type ToolRuntime } from "../tools/tool-runtime.ts";
import { resolveToolTimeouts } from "../tools/tool-timeouts.ts";
import { type CallsInFlight, createCallsInFlight } from "./calls-in-flight.ts";
import { type CommandSandbox, createCommandSandbox } from "./command-sandbox.ts";
import { runDelegateCall } from "./delegate-call.ts";
import { chooseRunLimits, type GuardedRun } from "./guarded-run.ts";
import { loadWorkspaceSettings, type WorkspaceSettings } from "./load-settings.ts";
import { chooseModel } from "./model-selection.ts";
import { createPermissionBroker, type PermissionBroker } from "./permission-broker.ts";
import { learnKeychainKeys, processRedactor, redactForModel } from "./process-redactor.ts";
import { NO_ROUTER, type RouterState, routerState } from "./prompt-route.ts";
import { createRunJournal, type RunJournal } from "./run-journal.ts";
import { buildRunPrompt, chooseProfile } from "./run-prompt.ts";
import { withRunRules } from "./run-rules.ts";
import { createRunScratch, type RunScratch } from "./run-scratch.ts";
import { findRunSession, openRunSession, type RunSession } from "./run-session.ts";
import { createSessionPolicy, type SessionPolicy } from "./runtime-policy.ts";
import { beginSessionMcp, type SessionMcp } from "./session-mcp.ts";
import type { RuntimeDeps, SessionOptions } from "./session-options.ts";
import { undoLastTurn } from "./session-undo.ts";
import { afterRun } from "./session-upkeep.ts";
import { mark } from "./startup-trace.ts";
import { extraRoots, runWorkspaceRoot } from "./workspace-root.ts";

/** Emits a session event; the runtime adds the type's common fields (session id, turn, time). */
export type Emit = <K extends AgentEventType>(
  type: K,
  payload: Omit<AgentEventOf<K>, "type" | "sessionId" | "turn" | "ts">,
) => void;

/** The model and everything that follows from it: the stream, the prompt, the window, the limits. */
export type ModelSetup = {
  model: ResolvedModel;
  name: string;
  stream: StreamFunction;
  system: string;
  specs: ToolSpec[];
  profile: "lean" | "default";
  limits?: ContextLimits;
  guarded: GuardedRun;
};

export type SessionParts = {
  session: RunSession;
  options: SessionOptions;
  settings: Settings;
  paths: HearthPaths;
  env: NodeJS.ProcessEnv;
  http: HttpClient;
  broker: PermissionBroker;
  policy: SessionPolicy;
  tools: ToolRuntime;
  readOnly: Set<string>;
  workspace: Workspace;
  fileState: FileState;
  /** The calls and the model request running now, for the lines an interrupt or a watchdog prints. */
  inFlight: CallsInFlight;
  journal: RunJournal;
  sandbox: CommandSandbox | undefined;
  reaper: ProcessReaper;
  scratch: RunScratch;
  /** The session's MCP servers and their tools (none when no server is configured). */
  mcp: SessionMcp;
  current: ModelSetup;
  /** Offline mode (--offline or settings): nothing but loopback. */
  offline: boolean;
  /** `--model auto`: the router's state; each prompt's model is routed (prompt-route.ts). */
  router?: RouterState;
  /** The agent CLI that runs the prompts (runtime-turn.ts), or undefined for hearth's own loop. */
  runtime: string | undefined;
  /** The modules that wait for the first response (sandbox detection, the journal) have started. */
  deferredStarted: boolean;
  bindEmit(emit: Emit, forward: (event: AgentEvent) => void): void;
  emit: Emit;
  /** Passes a loop event on as it is. */
  forward(event: AgentEvent): void;
  info(): Omit<AgentEventOf<"session_info">, "type" | "sessionId" | "turn" | "ts">;
  /** `reuse`: a model set up earlier in the session is taken as it was (the router's switches), not looked up again. */
  setModel(spec: string, signal: AbortSignal, reuse?: boolean): Promise<void>;
  setMode(mode: PermissionMode): void;
  /** Who runs the next prompts: a runtime's name, acp:<command>, or "hearth". */
  setRuntime(runtime: string): void;
  compact(signal: AbortSignal): Promise<void>;
  undo(): Promise<void>;
  /** A prompt is being interrupted: the log gets what was in flight. */
  interrupted(): void;
  close(): Promise<void>;
};

type Compose = { ok: true; parts: SessionParts } | { ok: false; exitCode: number; message: string };

export async function composeSession(
  options: SessionOptions,
  deps: RuntimeDeps,
  io: { signal: AbortSignal; notice: (text: string, level?: "info" | "warning" | "error") => void },
): Promise<Compose> {
  const { env } = deps;
  let notice = io.notice;
  const cwd = runWorkspaceRoot(options.cwd, options.allowHomeWorkspace === true);
  const loaded = loadWorkspaceSettings(cwd, env, deps.diagnostics);
  if (!loaded) return { ok: false, exitCode: EXIT_USAGE, message: "" };
  const layers: WorkspaceSettings = withRunRules(loaded, {
    allowedTools: options.allowedTools ?? [],
    disallowedTools: options.disallowedTools ?? [],
  });
  const settings = layers.merged;
  mark("settings read");
  const paths = hearthPaths(env);
  const unusable = unusableDirectory(paths, env);
  if (unusable) return { ok: false, exitCode: EXIT_USAGE, message: unusable };
  // Everything hearth writes to disk passes through the one redactor (runtime/process-redactor.ts).
  const redact = (text: string) => processRedactor().redact(text);

  const ledger = createEgressLedger({ stateDir: paths.stateDir, onProblem: (line) => notice(line) });
  const offline = options.offline === true || settings.offline === true;
  const rawHttp = createHttpClient({
    onExchange: ledger.record,
    beforeRequest: offlineGuard({
      offline,
      reason: options.offline ? "--offline" : "offline: true in settings",
    }),
  });
  // The keychain's keys are learnt while the first response streams, ready before its tool results.
  const http: HttpClient = (request) => rawHttp(request).finally(() => void learnKeychainKeys());
  const sessionOptions = {
    dataDir: paths.dataDir,
    cwd,
    continueLatest: options.continue === true,
    resume: options.resume,
    version: deps.version,
    redact,
  };
  let found = findRunSession(sessionOptions);
  if (options.forkSession && found.resumed) {
    const fork = forkSession(paths.dataDir, found.id, { redact });
    notice(
      `continuing a copy of session ${found.id.slice(-8)}: ${fork.id.slice(-8)} (the original is left as it was)`,
      "info",
    );
    found = { id: fork.id, resumed: true };
  }
  const session = openRunSession(found, sessionOptions);
  for (const note of session.notes) notice(note);
  // `auto` (the flag, or the settings when no flag names a model): the router picks each prompt's model.
  const auto = options.model === "auto" || (options.model === undefined && settings.model === "auto");
  const router = auto ? routerState(layers, options) : undefined;
  if (auto && !router) {
    session.close();
    return { ok: false, exitCode: EXIT_USAGE, message: NO_ROUTER };
  }
  // Commands and MCP servers never see a provider's key (set_model may switch to any configured provider).
  const childEnv = scrubChildEnv(env, keyEnvNamesOf(undefined, settings), settings.env?.allow ?? []);
  // MCP servers start while the model is chosen; their stderr waits for the journal (created below).
  const mcpStarting = beginSessionMcp({
    layers,
    userSettingsLabel: paths.userSettings,
    cwd,
    env,
    scrubbedEnv: childEnv,
    http,
    version: deps.version,
    clientServers: options.mcpServers,
    notice: (text) => notice(text),
    learnSecret: (value) => processRedactor().add(value),
    stateDir: paths.stateDir,
  });
  // A resumed session keeps its model unless one is given now, and the runtime of its last turn unless a
  // runtime or a model is given now.
  // A session begun with a runtime and no model of hearth's remembers the runtime's stand-in: not a model.
  const remembered = session.previousModel?.startsWith("runtime/") ? undefined : session.previousModel;
  const flagModel = router
    ? router.settings.local
    : (options.model ?? (env.HEARTH_MODEL ? undefined : (remembered ?? undefined)));
  const runtime =
    router || options.runtime === "hearth"
      ? undefined
      : (options.runtime ?? (options.model ? undefined : (session.previousRuntime ?? undefined)));
  const chosen = await setUpModel(flagModel, io.signal);
  // A runtime brings its own model: hearth's is needed only if one is set up.
  const first =
    !chosen.ok && runtime !== undefined && chosen.exitCode !== EXIT_INTERRUPTED
      ? await runtimeOnlySetup(runtime, options, settings)
      : chosen;
  if (!first.ok) {
    session.close();
    // The servers that are starting stop once started; nobody waits for them.
    mcpStarting.abandon();
    return first;
  }
  mark("model chosen");
  // An interrupt does not wait for a server that takes its time to start.
  const opened = await mcpStarting.opened(io.signal);
  if (!opened) {
    session.close();
    mcpStarting.abandon();
    return { ok: false, exitCode: EXIT_INTERRUPTED, message: "" };
  }
  const mcp: SessionMcp = opened;
  mark("mcp servers started");
  /** The models set up in this session, by the name they were asked for (for the router's switches). */
  const setups = new Map<string, ModelSetup>();
  if (flagModel) setups.set(flagModel, first.setup);
  if (router) router.startedLocal = first.setup.model.local === true;

  const sessionId = session.id;
  const spillDir = sessionSpillDir(paths.dataDir, sessionId);
  const roots = [
    ...extraRoots(options.addDirs ?? [], cwd, "--add-dir"),
    // Only the user's own settings may widen where tools reach; a cloned repository's file may not.
    ...extraRoots(
      layers.user.permissions?.additionalDirectories ?? [],
      cwd,
      "permissions.additionalDirectories",
    ),
  ];
  const workspace = createWorkspace({ root: cwd, extraRoots: roots, readOnlyRoots: [spillDir] });
  const scratch = createRunScratch(env, sessionId);
  const broker = createPermissionBroker();
  let emit: Emit = () => {};
  const policy = await createSessionPolicy({
    layers,
    flagMode: options.permissionMode,
    workspace,
    extraRoots: roots,
    configDir: paths.configDir,
    userSettingsLabel: paths.userSettings,
    userSettingsPath: paths.userSettings,
    // Called with the first command, when `sandbox` (below) exists.
    sandboxAvailable: () => sandbox?.available() ?? Promise.resolve(false),
    scratchDir: scratch.dir,
    broker,
    requested: (event) => emit("permission_requested", event),
    resolved: (event) => emit("permission_resolved", event),
    notice: (text) => notice(text),
  });
  const sandbox = createCommandSandbox({
    settings,
    env,
    workspaceRoot: workspace.root,
    extraRoots: roots,
    readOnlyPaths: [spillDir],
    readDeny: policy.readDenied && {
      hidden: policy.readDenied,
      rules: [...(layers.user.permissions?.deny ?? []), ...(layers.project.permissions?.deny ?? [])],
    },
    offline,
    scratchDir: scratch.dir,
    say: (line) => notice(line),
  });
  // Nothing a command starts outlives the session (stopped at close, or at exit after a second Ctrl-C), and
  // the sandbox's stand-ins for missing protected paths go with it.
  const reaper = createProcessReaper();
  const atExit = () => {
    reaper.killAll();
    sandbox?.close();
    scratch.remove();
  };
  process.on("exit", atExit);
  const journal = createRunJournal({
    stateDir: paths.stateDir,
    dataDir: paths.dataDir,
    sessionId,
    cwd,
    rootOf: (path) => workspace.rootOf(path, "write"),
    redact,
    say: (line) => notice(line),
    start: {
      sessionId,
      model: first.setup.name,
      cwd,
      permissionMode: policy.mode,
      version: deps.version,
    },
  });
  // One for the session: a file read in an earlier prompt, or an earlier run of it (-c, -r), counts as read.
  const fileState = createFileState();
  for (const [path, stamp] of session.filesSeen()) fileState.restore(path, stamp);
  const builtins = createBuiltinTools({
    beforeWrite: journal.beforeWrite,
    refuseWrite: policy.refuseWrite,
    workspace,
    fileState,
    env: {
      // Every configured provider's key, not only this model's: set_model may switch to any of them.
      ...scrubChildEnv(env, keyEnvNamesOf(first.setup.model, settings), settings.env?.allow ?? []),
      TMPDIR: scratch.dir,
    },
    spillDir,
    redact,
    hidden: policy.hidden,
    rgPath: findExecutable("rg", env.PATH),
    wrap: sandbox?.wrap,
    reaper,
  });
  mcpStarting.logTo((line) => journal.note("info", line));
  // The model's `delegate` tool, when the user's settings name runtimes it may hand tasks to.
  const delegateRuntimes = settings.delegate?.runtimes ?? [];
  const delegateTools =
    delegateRuntimes.length > 0
      ? [
          createDelegateTool(delegateRuntimes, (runtime, task, context) =>
            runDelegateCall(parts, runtime, task, context),
          ),
        ]
      : [];
  const toolList = [...builtins, ...mcp.tools, ...delegateTools];
  const tools = createToolRuntime({
    tools: toolList,
    spillDir,
    policy: policy.policy,
    redact,
    redactForModel,
    onProgress: (callId, tool, text) => emit("tool_progress", { callId, tool, text }),
    timeouts: resolveToolTimeouts(settings.toolTimeout, options.toolTimeoutMs),
  });
  const prompted = withPrompt(first.setup);
  mark("tools built");

  /** The model from a flag, a name given later, or the settings; its stream, its window and its limits. */
  async function setUpModel(
    spec: string | undefined,
    signal: AbortSignal,
  ): Promise<{ ok: true; setup: ModelSetup } | { ok: false; exitCode: number; message: string }> {
    const choice = await chooseModel({ flag: spec, env, settings, http, signal });
    if (!choice.ok) return { ok: false, exitCode: choice.exitCode, message: choice.message };
    // Nothing loads for a choice nobody waits for any more.
    if (signal.aborted) return { ok: false, exitCode: EXIT_INTERRUPTED, message: "" };
    const { model } = choice;
    const guarded = chooseRunLimits(options, settings, model, (line) => notice(line));
    if (!guarded.ok) return { ok: false, exitCode: EXIT_USAGE, message: guarded.problem };
    if (model.api === "embedded") {
      // The load starts now, while the tools are built; a failure comes back from the adapter as an error event.
      await deps.beforeEmbeddedLoad?.();
      const { loadEmbeddedModel } = await import("../providers/embedded.ts");
      loadEmbeddedModel(model).catch(() => {});
    }
    // A key from the key store is not in the environment: the redactor learns it here.
    if (model.apiKey) processRedactor().add(model.apiKey);
    if (choice.notice) notice(choice.notice, "info");
    const stream = await loadStreamFunction(model.api);
    mark("adapter loaded");
    return {
      ok: true,
      setup: {
        model,
        name: `${model.provider}/${model.id}`,
        stream,
        system: "",
        specs: [],
        profile: "default",
        limits: contextLimits(model, settings.maxOutputTokens),
        guarded: guarded.run,
      },
    };
  }

  /** The system prompt and tool specs for this model and mode. */
  function withPrompt(setup: ModelSetup): { ok: true; setup: ModelSetup } & Record<never, never> {
    const { profile } = chooseProfile(options.profile, settings, setup.model);
    const offered = [...builtins, ...mcp.offered(setup.model.local === true), ...delegateTools];
    const built = buildRunPrompt({ cwd, env, profile, permissionMode: policy.mode, tools: offered });
    for (const problem of built.problems) notice(problem);
    const system = processRedactor().redactKnown(
      options.appendSystemPrompt ? `${built.system}\n\n${options.appendSystemPrompt}` : built.system,
    );
    Object.assign(setup, { system, specs: built.specs, profile });
    return { ok: true, setup };
  }

  const parts: SessionParts = {
    session,
    options,
    settings,
    paths,
    env,
    http,
    broker,
    policy,
    tools,
    workspace,
    fileState,
    inFlight: createCallsInFlight({
      sessionId,
      kindOf: (name) => toolList.find((t) => t.name === name)?.kind ?? "unknown",
      redact,
    }),
    readOnly: new Set(
      toolList.filter((t) => t.kind === "read" || t.effect === "read-only").map((t) => t.name),
    ),
    journal,
    sandbox,
    reaper,
    scratch,
    mcp,
    current: prompted.setup,
    offline,
    ...(router ? { router } : {}),
    runtime,
    deferredStarted: false,
    forward: () => {},
    bindEmit(bound, forward) {
      emit = bound;
      parts.emit = bound;
      parts.forward = forward;
      notice = (text, level = "warning") => bound("notice", { level, text });
    },
    emit: (type, payload) => emit(type, payload),
    info: () => ({
      model: parts.current.name,
      local: parts.current.model.local === true,
      tools: parts.current.specs.map((t) => t.name),
      ...(mcp.status().length > 0
        ? {
            mcpServers: mcp.status().map((s) => ({
              name: s.name,
              state: s.state,
              tools: s.tools,
              ...(s.error ? { error: s.error } : {}),
            })),
          }
        : {}),
      cwd,
      permissionMode: policy.mode,
      version: deps.version,
      // How the session was opened, not whether it has prompts by now (session_info comes again on set_model).
      resumed: found.resumed,
      ...(parts.current.limits ? { contextWindow: parts.current.limits.window } : {}),
      ...(parts.runtime ? { runtime: parts.runtime } : {}),
    }),
    async setModel(spec, signal, reuse = false) {
      // Blank, the settings' model or a probe's find would be taken: not what was asked for.
      if (typeof spec !== "string" || spec.trim() === "") {
        notice("set_model needs a model: provider/model, a model name, or local/<file.gguf>", "error");
        return;
      }
      // A server that takes the connection and never answers (its model window is asked for) would hold the
      // session: an interrupt or close ends the lookup, and the session keeps its model.
      const reused = reuse ? setups.get(spec.trim()) : undefined;
      const next = reused ? { ok: true as const, setup: reused } : await setUpModel(spec.trim(), signal);
      if (next.ok) setups.set(spec.trim(), next.setup);
      if (signal.aborted) {
        notice(`set_model ${spec.trim()} interrupted; still using ${parts.current.name}`);
        return;
      }
      if (!next.ok) {
        notice(next.message, "error");
        return;
      }
      parts.current = withPrompt(next.setup).setup;
      emit("session_info", parts.info());
    },
    setMode(mode) {
      // The command may come off the wire (stream-json, ACP): a mode the policy does not know would break it.
      if (!(PERMISSION_MODES as readonly unknown[]).includes(mode)) {
        notice(`no permission mode "${mode}": use one of ${PERMISSION_MODES.join(", ")}`, "error");
        return;
      }
      policy.setMode(mode);
      parts.current = withPrompt(parts.current).setup;
      emit("session_info", parts.info());
    },
    setRuntime(runtime) {
      const name = typeof runtime === "string" ? runtime.trim() : "";
      if (name !== "hearth" && !isRuntimeName(name) && !/^acp:\S/.test(name)) {
        notice(`no runtime "${name}": use hearth, ${RUNTIME_NAMES.join(", ")}, or acp:<command>`, "error");
        return;
      }
      if (name === "hearth" && parts.current.model.provider === "runtime") {
        notice(
          "hearth's own loop needs a model: set one first (set_model, /model), then the runtime hearth",
          "error",
        );
        return;
      }
      parts.runtime = name === "hearth" ? undefined : name;
      emit("session_info", parts.info());
    },
    async compact(signal) {
      const { compactSession } = await import("./session-compaction.ts");
      await compactSession(parts, signal);
    },
    async undo() {
      const done = await undoLastTurn(paths.dataDir, sessionId);
      if (!done.ok) notice(done.problem, "error");
      else emit("undo_done", { undoneTurn: done.turn, files: done.files });
    },
    interrupted() {
      // Before the abort, while the calls are still in flight: on stderr (a notice each) and in the log.
      for (const line of parts.inFlight.interruptLines()) emit("notice", { level: "warning", text: line });
      journal.interrupted();
    },
    async close() {
      broker.cancelAll();
      await reaper.stopAll(0);
      await mcp.close();
      sandbox?.close();
      scratch.remove();
      process.off("exit", atExit);
      const wrote = session.history().length > 0;
      session.close();
      await journal.end();
      // A session that never got a prompt left no file: no upkeep (it would create the sessions folder).
      if (wrote)
        await afterRun({
          dataDir: paths.dataDir,
          retentionDays: settings.sessions?.retentionDays,
          say: (l) => notice(l),
        });
    },
  };
  return { ok: true, parts };
}

/**
 * What a session whose prompts go to a runtime has when no model of hearth's is set up: a stand-in that names the
 * runtime (its stream is never called: runtime-turn.ts runs the prompts).
 */
async function runtimeOnlySetup(
  runtime: string,
  options: SessionOptions,
  settings: Settings,
): Promise<{ ok: true; setup: ModelSetup } | { ok: false; exitCode: number; message: string }> {
  const model: ResolvedModel = {
    provider: "runtime",
    id: runtime,
    api: "openai-chat",
    baseUrl: "",
    local: false,
  };
  const guarded = chooseRunLimits(options, settings, { ...model, local: true }, () => {});
  if (!guarded.ok) return { ok: false, exitCode: EXIT_USAGE, message: guarded.problem };
  return {
    ok: true,
    setup: {
      model,
      name: `runtime/${runtime}`,
      stream: await loadStreamFunction(model.api),
      system: "",
      specs: [],
      profile: "default",
      guarded: guarded.run,
    },
  };
}

/** The reference that resolves again from anywhere (a GGUF file by absolute path), for -c and -r. */
export function modelRecord(parts: SessionParts): string {
  return modelReference(parts.current.model, parts.env);
}

/** The variables holding a key for this model or any provider in the settings: commands never see them. */
function keyEnvNamesOf(model: ResolvedModel | undefined, settings: Settings): string[] {
  const configured = Object.values(settings.providers ?? {}).flatMap((p) =>
    p.apiKeyEnv ? [p.apiKeyEnv] : [],
  );
  return model?.apiKeyEnv ? [model.apiKeyEnv, ...configured] : configured;
}

/** The window the model runs with (for Ollama, the num_ctx hearth sends) and room kept for the answer. */
function contextLimits(model: ResolvedModel, maxOutputTokens: number | undefined): ContextLimits | undefined {
  const window = model.numCtx ?? model.contextWindow;
  if (!window) return undefined;
  const reserveOutput = Math.min(maxOutputTokens ?? model.maxOutputTokens ?? 4096, Math.floor(window / 4));
  return { window, reserveOutput, source: model.contextSource };
}
