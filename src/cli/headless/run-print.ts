/**
 * Headless mode (`hearth -p`): the composition root for one run. Builds settings, model, tools and policy,
 * runs the agent loop, and hands its events to the chosen output format. Returns the exit code.
 */

import { runAgent } from "../../agent/agent-loop.ts";
import type { ContextLimits } from "../../agent/context-budget.ts";
import { createHttpClient } from "../../egress/http-client.ts";
import { createEgressLedger } from "../../egress/ledger.ts";
import { offlineGuard } from "../../egress/offline.ts";
import { findExecutable } from "../../policy/find-executable.ts";
import { createWorkspace } from "../../policy/workspace.ts";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "../../protocol/errors.ts";
import type { AgentEvent } from "../../protocol/events.ts";
import { estimateCost } from "../../providers/catalog.ts";
import { modelReference } from "../../providers/model-resolution.ts";
import type { ResolvedModel } from "../../providers/provider.ts";
import { loadStreamFunction } from "../../providers/registry.ts";
import { scrubChildEnv } from "../../secrets/child-env.ts";
import { hearthPaths, unusableDirectory } from "../../store/paths.ts";
import { SessionNotFoundError, sessionSpillDir } from "../../store/session-store.ts";
import { createBuiltinTools } from "../../tools/builtin-tools.ts";
import { createFileState } from "../../tools/file-state.ts";
import { createProcessReaper } from "../../tools/process-reaper.ts";
import { createToolRuntime } from "../../tools/tool-runtime.ts";
import { resolveToolTimeouts } from "../../tools/tool-timeouts.ts";
import type { CliOptions } from "../args.ts";
import { createCommandSandbox } from "../command-sandbox.ts";
import { chooseRunLimits, limitStopLine } from "../guarded-run.ts";
import { loadWorkspaceSettings } from "../load-settings.ts";
import { chooseModel } from "../model-selection.ts";
import { promptFitProblem } from "../prompt-fit.ts";
import { learnKeychainKeys, processRedactor, redactForModel, writeError, writeOutput } from "../redaction.ts";
import { buildRunPrompt, chooseProfile } from "../run-prompt.ts";
import { withRunRules } from "../run-rules.ts";
import { createRunScratch } from "../run-scratch.ts";
import { findRunSession, openRunSession, type RunSession } from "../run-session.ts";
import { afterRun } from "../session-upkeep.ts";
import { mark } from "../startup-trace.ts";
import { terminalText } from "../terminal-text.ts";
import { extraRoots, runWorkspaceRoot } from "../workspace-root.ts";
import { createOutput } from "./output-formats.ts";
import { createDenialLog, denialSummary } from "./permission-denials.ts";
import { createHeadlessPolicy } from "./permission-policy.ts";
import { readPrompt } from "./read-prompt.ts";
import { createRunJournal, type RunJournal } from "./run-journal.ts";
import { reportEvent } from "./stderr-report.ts";
import { createToolProgress, showToolProgress } from "./tool-progress.ts";

/** Events that mean a response has started (or the request is over). */
const RESPONSE_EVENTS = new Set<AgentEvent["type"]>([
  "text_delta",
  "reasoning_delta",
  "message_ended",
  "retry_scheduled",
  "agent_ended",
]);

export type PrintDeps = {
  version: string;
  env: NodeJS.ProcessEnv;
  /** Opened only when something is piped in (creating process.stdin costs start-up time). */
  stdin: () => NodeJS.ReadStream;
};

export async function runPrint(options: CliOptions, deps: PrintDeps): Promise<number> {
  const startedAt = Date.now();
  mark("headless loaded");
  const { env } = deps;
  // Lines quote the model and servers (refused commands, error messages): no escape sequence reaches the terminal.
  const say = (line: string) => writeError(`hearth: ${terminalText(line)}\n`);

  const cwd = runWorkspaceRoot(options.cwd, options.allowHomeWorkspace);
  const loaded = loadWorkspaceSettings(cwd, env);
  if (!loaded) return EXIT_USAGE;
  const layers = withRunRules(loaded, options);
  const settings = layers.merged;
  mark("settings read");
  // What goes to the model carries no key hearth knows (the keychain's are learnt later, see redaction.ts).
  const prompt = processRedactor().redactKnown(await readPrompt(options.prompt, deps.stdin, { notice: say }));

  const paths = hearthPaths(env);
  const unusable = unusableDirectory(paths, env);
  if (unusable) {
    say(unusable);
    return EXIT_USAGE;
  }
  // Everything hearth writes to disk passes through the one redactor (see cli/redaction.ts).
  const redact = (text: string) => processRedactor().redact(text);
  let journal: RunJournal | undefined;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    say("interrupted");
    // Before the abort, while the calls are still in flight.
    journal?.interrupted();
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);

  mark("prompt read");
  const ledger = createEgressLedger({ stateDir: paths.stateDir, onProblem: say });
  const offline = options.offline || settings.offline === true;
  const http = createHttpClient({
    onExchange: ledger.record,
    beforeRequest: offlineGuard({
      offline,
      reason: options.offline ? "--offline" : "offline: true in settings",
    }),
  });
  let session: RunSession;
  try {
    const sessionOptions = {
      dataDir: paths.dataDir,
      cwd,
      continueLatest: options.continue,
      resume: options.resume,
      version: deps.version,
      redact,
    };
    session = openRunSession(findRunSession(sessionOptions), sessionOptions);
  } catch (error) {
    say((error as Error).message);
    return error instanceof SessionNotFoundError ? EXIT_USAGE : EXIT_FAILED;
  }
  for (const note of session.notes) say(note);
  // A resumed session keeps its model unless one is given now.
  const flagModel = options.model ?? (env.HEARTH_MODEL ? undefined : (session.previousModel ?? undefined));
  const choice = await chooseModel({ flag: flagModel, env, settings, http, signal: controller.signal });
  if (controller.signal.aborted || !choice.ok) session.close();
  if (controller.signal.aborted) return EXIT_INTERRUPTED;
  if (!choice.ok) {
    say(choice.message);
    return choice.exitCode;
  }
  mark("model chosen");
  const { model } = choice;
  const guarded = chooseRunLimits(options, settings, model, say);
  if (!guarded.ok) {
    session.close();
    say(guarded.problem);
    return EXIT_USAGE;
  }
  if (model.api === "embedded") {
    // Load progress on stderr; the load starts now, while the tools are built.
    const { setLoadListener, loadEmbeddedModel } = await import("../../providers/embedded.ts");
    const { createLoadProgressPrinter } = await import("../load-progress.ts");
    setLoadListener(createLoadProgressPrinter(writeError, process.stderr.isTTY === true));
    loadEmbeddedModel(model).catch(() => {}); // a failure comes back from the adapter as one error event
  }
  // A key from the key store is not in the environment: the redactor learns it here.
  if (model.apiKey) processRedactor().add(model.apiKey);
  if (choice.notice) say(choice.notice);
  const modelName = `${model.provider}/${model.id}`;

  const sessionId = session.id;
  const spillDir = sessionSpillDir(paths.dataDir, sessionId);
  const roots = [
    ...extraRoots(options.addDirs, cwd, "--add-dir"),
    // Only the user's own settings may widen where tools reach; a cloned repository's file may not.
    ...extraRoots(
      layers.user.permissions?.additionalDirectories ?? [],
      cwd,
      "permissions.additionalDirectories",
    ),
  ];
  const workspace = createWorkspace({ root: cwd, extraRoots: roots, readOnlyRoots: [spillDir] });
  const scratch = createRunScratch(env, sessionId);
  const denialLog = createDenialLog();
  const { mode, policy, hidden, readDenied, refuseWrite } = await createHeadlessPolicy({
    layers,
    flagMode: options.permissionMode,
    workspace,
    extraRoots: roots,
    configDir: paths.configDir,
    userSettingsLabel: paths.userSettings,
    // Called with the first command, when `sandbox` (below) exists.
    sandboxAvailable: () => sandbox?.available() ?? Promise.resolve(false),
    scratchDir: scratch.dir,
    say: denialLog.say(say),
  });
  const sandbox = createCommandSandbox({
    settings,
    env,
    workspaceRoot: workspace.root,
    extraRoots: roots,
    readOnlyPaths: [spillDir],
    readDeny: readDenied && {
      hidden: readDenied,
      rules: [...(layers.user.permissions?.deny ?? []), ...(layers.project.permissions?.deny ?? [])],
    },
    offline,
    scratchDir: scratch.dir,
    say,
  });
  // Nothing a command starts outlives the run (stopped below, or at exit after a second Ctrl-C), and the
  // sandbox's stand-ins for missing protected paths go with it.
  const reaper = createProcessReaper();
  const atExit = () => {
    reaper.killAll();
    sandbox?.close();
    scratch.remove();
  };
  process.on("exit", atExit);
  journal = createRunJournal({
    stateDir: paths.stateDir,
    dataDir: paths.dataDir,
    sessionId,
    cwd,
    rootOf: (path) => workspace.rootOf(path, "write"),
    redact,
    say,
    start: { sessionId, model: modelName, cwd, permissionMode: mode, version: deps.version },
  });
  const { beforeWrite } = journal;
  const tools = createBuiltinTools({
    beforeWrite,
    refuseWrite,
    workspace,
    fileState: createFileState(),
    env: {
      ...scrubChildEnv(env, model.apiKeyEnv ? [model.apiKeyEnv] : [], settings.env?.allow ?? []),
      TMPDIR: scratch.dir,
    },
    spillDir,
    redact,
    hidden,
    rgPath: findExecutable("rg", env.PATH),
    wrap: sandbox?.wrap,
    reaper,
  });
  const runtime = createToolRuntime({
    tools,
    spillDir,
    policy: denialLog.policy(policy),
    redact,
    redactForModel,
    timeouts: resolveToolTimeouts(settings.toolTimeout, options.toolTimeoutMs),
  });
  const readOnly = new Set(tools.filter((t) => t.kind === "read").map((t) => t.name));

  const output = await createOutput(options.outputFormat, writeOutput);
  output.init({
    sessionId,
    model: modelName,
    tools: tools.map((t) => t.name),
    cwd,
    permissionMode: mode,
    version: deps.version,
  });

  const toolProgress = showToolProgress(options) ? createToolProgress(writeError) : undefined;

  mark("tools built");
  const stream = await loadStreamFunction(model.api);
  mark("adapter loaded");
  const { profile } = chooseProfile(options.profile, settings, model);
  const runPrompt = buildRunPrompt({ cwd, env, profile, permissionMode: mode, tools });
  for (const problem of runPrompt.problems) say(problem);
  const system = processRedactor().redactKnown(
    options.appendSystemPrompt ? `${runPrompt.system}\n\n${options.appendSystemPrompt}` : runPrompt.system,
  );
  const limits = contextLimits(model, settings.maxOutputTokens);
  const doesNotFit = promptFitProblem({ model, limits, profile, system, specs: runPrompt.specs, prompt });
  if (doesNotFit) {
    // Refused before anything is saved: no session file for a prompt that never ran.
    session.close();
    say(doesNotFit);
    return EXIT_FAILED;
  }
  let sessionFailed = false;
  const sessionFailure = (error: unknown) => {
    if (sessionFailed) return;
    sessionFailed = true;
    say(`${(error as Error).message}; stopped, and the session is kept up to its last whole record`);
    controller.abort();
  };
  try {
    // The reference that resolves again from anywhere (a GGUF file by absolute path), for -c and -r.
    session.begin(prompt, modelReference(model, env), mode);
  } catch (error) {
    session.close();
    say((error as Error).message);
    return EXIT_FAILED;
  }
  let deferredStarted = false;
  const run = runAgent(
    { sessionId, system, messages: [...session.history, { role: "user", content: prompt }] },
    {
      model,
      stream,
      // The keychain's keys are learnt while the first response streams, ready before its tool results.
      http: (request) => http(request).finally(() => void learnKeychainKeys()),
      tools: {
        specs: runPrompt.specs,
        run: (call, signal) => denialLog.during(call, () => runtime.run(call, signal)),
        isConcurrencySafe: (name) => readOnly.has(name),
      },
      maxTurns: options.maxTurns ?? settings.maxTurns,
      limits: guarded.run.limits,
      // Unset: the defaults of the provider kind (agent/response-limits.ts).
      idleTimeoutMs: settings.requestIdleTimeout && settings.requestIdleTimeout * 1000,
      retryBudgetMs: settings.requestRetryBudget && settings.requestRetryBudget * 1000,
      context: limits,
    },
    controller.signal,
  );
  for await (const event of run.events) {
    // Sandbox detection runs a trial command: start it once the first request is on the wire, not before.
    // Sandbox detection (a trial command) and the journal's modules wait until the model has started answering,
    // so they never delay the first request; both are ready long before a tool call needs them.
    if (!deferredStarted && RESPONSE_EVENTS.has(event.type)) {
      deferredStarted = true;
      sandbox?.start();
      journal.load();
    }
    try {
      session.record(event);
    } catch (error) {
      sessionFailure(error);
    }
    journal.event(event);
    output.event(event);
    reportEvent(event, say, { latency: model.local });
    toolProgress?.(event);
  }
  const result = await run.result;
  // After an interrupt, at once; else with a moment for a dev server to shut down cleanly.
  await reaper.stopAll(controller.signal.aborted ? 0 : 500);
  sandbox?.close();
  scratch.remove();
  process.off("exit", atExit);
  session.close();
  await journal.end();
  process.off("SIGINT", onSigint);
  process.off("SIGTERM", onSigint);
  const costUsd = estimateCost(model.provider, model.id, result.usage);
  output.finish({
    result,
    sessionId,
    model: modelName,
    durationMs: Date.now() - startedAt,
    costUsd,
    denials: denialLog.denials,
  });
  const refused = denialSummary(denialLog.denials);
  if (refused) say(refused);
  await afterRun({ dataDir: paths.dataDir, retentionDays: settings.sessions?.retentionDays, say });
  if (sessionFailed) return EXIT_FAILED;
  switch (result.reason) {
    case "done":
      return EXIT_OK;
    case "aborted":
      return EXIT_INTERRUPTED;
    case "max_turns":
      say(`stopped after ${result.turns} turns (--max-turns); the task may be unfinished`);
      return EXIT_FAILED;
    case "max_time":
    case "max_cost":
      say(limitStopLine(result.reason, guarded.run, costUsd));
      return EXIT_FAILED;
    case "max_output_tokens":
      say(
        "the answer was cut off by the output token limit, also after asking the model to continue; raise maxOutputTokens in settings, or ask for a shorter answer",
      );
      return EXIT_FAILED;
    default:
      say(result.error?.message ?? "the run failed");
      return EXIT_FAILED;
  }
}

/** The window the model runs with (for Ollama, the num_ctx hearth sends) and room kept for the answer. */
function contextLimits(model: ResolvedModel, maxOutputTokens: number | undefined): ContextLimits | undefined {
  const window = model.numCtx ?? model.contextWindow;
  if (!window) return undefined;
  const reserveOutput = Math.min(maxOutputTokens ?? model.maxOutputTokens ?? 4096, Math.floor(window / 4));
  return { window, reserveOutput, source: model.contextSource };
}
