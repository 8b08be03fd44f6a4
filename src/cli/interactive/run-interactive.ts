/**
 * Interactive mode (`hearth`, `hearth "task"` in a terminal): a thin front over the session runtime. It opens a
 * session, puts the terminal in raw mode, turns keys into commands (a prompt, an answer to a permission
 * request, an interrupt, close) and draws what the events say: history printed once into the scrollback, a
 * small live region redrawn under it (terminal-screen.ts). It never decides whether another turn runs.
 */
import { RUNTIME_NAMES } from "../../delegate/runtimes.ts";
import { EXIT_INTERRUPTED, EXIT_OK } from "../../protocol/errors.ts";
import type { SessionEvent } from "../../protocol/events.ts";
import { PERMISSION_MODES } from "../../protocol/permissions.ts";
import { processRedactor } from "../../runtime/process-redactor.ts";
import type { SessionOptions } from "../../runtime/session-options.ts";
import type { OpenResult, RuntimeSession } from "../../runtime/session-runtime.ts";
import { mark, tracing } from "../../runtime/startup-trace.ts";
import { workspaceRoot } from "../../runtime/workspace-root.ts";
import { hearthPaths } from "../../store/paths.ts";
import type { CliOptions } from "../args.ts";
import { writeError, writeOutput } from "../redaction.ts";
import { terminalText } from "../terminal-text.ts";
import { completeWord, completionAt, replaceBeforeCursor, textBeforeCursor } from "./completion.ts";
import { runFrontAction } from "./front-actions.ts";
import { mentionedPaths, modelNames, workspacePaths } from "./front-services.ts";
import { createInputEditor, type InputEditor } from "./input-editor.ts";
import { createKeyReader, type Key, type KeyName } from "./key-reader.ts";
import { pendingSession } from "./pending-session.ts";
import { answerForKey, permissionLines } from "./permission-prompt.ts";
import { openPromptHistory } from "./prompt-history.ts";
import type { Picker, PickerOutcome } from "./session-picker.ts";
import { createSessionStats, latencyBadge } from "./session-stats.ts";
import { parseSlash, SLASH_NAMES } from "./slash-commands.ts";
import { statusLine } from "./status-line.ts";
import { createScreen } from "./terminal-screen.ts";
import { truncate, visibleWidth } from "./text-width.ts";
import { createTheme } from "./theme.ts";
import { createTranscript } from "./transcript.ts";

export type InteractiveDeps = {
  version: string;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
};

/** Two Ctrl-C within this time end the session. */
const DOUBLE_PRESS_MS = 2000;
/** Events arriving this close together (a token stream) are drawn in one frame. */
const FRAME_MS = 16;

/** What the editing keys do, in the prompt and in the reason of a "no". */
const EDITS: Partial<Record<KeyName, (editor: InputEditor) => void>> = {
  newline: (e) => e.insert("\n"),
  backspace: (e) => e.backspace(),
  delete: (e) => e.deleteForward(),
  left: (e) => e.left(),
  right: (e) => e.right(),
  up: (e) => e.up(),
  down: (e) => e.down(),
  home: (e) => e.home(),
  end: (e) => e.end(),
  "word-left": (e) => e.wordLeft(),
  "word-right": (e) => e.wordRight(),
  "delete-word": (e) => e.deleteWordBack(),
  "kill-start": (e) => e.killToStart(),
  "kill-end": (e) => e.killToEnd(),
};

const BRACKETED_PASTE_ON = "\x1b[?2004h";
const BRACKETED_PASTE_OFF = "\x1b[?2004l";

export async function runInteractive(options: CliOptions, deps: InteractiveDeps): Promise<number> {
  mark("interactive loaded");
  if (options.resume === "") {
    // -r without an id: the sessions of this directory in a picker first.
    const { pickSessionToResume } = await import("./front-actions.ts");
    const { showPicker } = await import("./picker-terminal.ts");
    const theme = createTheme(deps.env);
    const id = await pickSessionToResume(workspaceRoot(options.cwd), deps.env, (picker) =>
      showPicker(picker, { ...deps, theme }),
    );
    if (id === null) return EXIT_OK;
    options = { ...options, resume: id };
  }
  // The prompt is drawn at once; the session opens behind it (the runtime loads, the model is chosen).
  const first = pendingSession((signal, diagnostics) => openFront(options, deps, { signal, diagnostics }), {
    sessionId: "",
    model: "",
    local: false,
    tools: [],
    cwd: workspaceGuess(options.cwd),
    permissionMode: "",
    version: deps.version,
    resumed: false,
  });
  const code = await drive(first, options, deps);
  if (first.failure?.message) writeError(`hearth: ${terminalText(first.failure.message)}\n`);
  return first.failure ? first.failure.exitCode : code;
}

/** The workspace the session will have (its root), for the banner and the prompt history until it is open. */
function workspaceGuess(cwd: string | undefined): string {
  try {
    return workspaceRoot(cwd);
  } catch {
    return cwd ?? process.cwd();
  }
}

/**
 * Opens a session for this front (at the start, and for /clear, /fork and /resume). `signal` cancels it (else
 * SIGINT does); the opening's diagnostics (settings warnings) go to `diagnostics`.
 */
async function openFront(
  options: SessionOptions,
  deps: InteractiveDeps,
  how: { signal?: AbortSignal; diagnostics: (text: string) => void },
): Promise<OpenResult> {
  const opening = new AbortController();
  const onAbort = () => opening.abort();
  process.on("SIGINT", onAbort);
  how.signal?.addEventListener("abort", onAbort, { once: true });
  const { openSession } = await import("../../runtime/session-runtime.ts");
  // A person is here to answer: the first cloud use of a `--model auto` session is asked, not only announced.
  const opened = await openSession(
    { ...options, confirmCloud: true },
    {
      version: deps.version,
      env: deps.env,
      signal: opening.signal,
      diagnostics: how.diagnostics,
      beforeEmbeddedLoad: async () => {
        const { setLoadListener } = await import("../../providers/embedded.ts");
        const { createLoadProgressPrinter } = await import("../load-progress.ts");
        setLoadListener(createLoadProgressPrinter(writeError, true));
      },
    },
  );
  process.off("SIGINT", onAbort);
  how.signal?.removeEventListener("abort", onAbort);
  if (!opened.ok) return { ...opened, exitCode: opening.signal.aborted ? EXIT_INTERRUPTED : opened.exitCode };
  return opened;
}

async function drive(first: RuntimeSession, options: CliOptions, deps: InteractiveDeps): Promise<number> {
  let session = first;
  /** The session that takes this one's place once it has closed (/clear, /fork, /resume). */
  let replacement: RuntimeSession | null = null;
  let stats = createSessionStats();
  /** The picker shown in place of the prompt, and what to do with its outcome. */
  let picker: { picker: Picker; done: (outcome: Exclude<PickerOutcome, null>) => void } | null = null;
  /** Tab's matches, shown above the prompt until the next key. */
  let completions: string[] = [];
  const sources: { models?: Promise<string[]>; paths?: Promise<string[]> } = {};
  const { stdin, stdout } = deps;
  const theme = createTheme(deps.env);
  const transcript = createTranscript(theme, () => Math.max(20, stdout.columns || 80));
  const screen = createScreen(writeOutput);
  const prompts = openPromptHistory(hearthPaths(deps.env).stateDir, session.info.cwd, (text) =>
    processRedactor().redact(text),
  );
  const editor = createInputEditor(prompts.entries);
  const reasonEditor = createInputEditor();
  /** The request whose "no" is waiting for its reason, if any. */
  let reasonFor: string | null = null;
  let lastCtrlC = 0;
  let hint = "";
  let hintTimer: NodeJS.Timeout | undefined;
  let closing = false;
  const banner = () => [
    `${theme.bold(`hearth ${deps.version}`)}${theme.dim(` · ${terminalText(session.info.cwd)}`)}`,
    theme.dim(
      "Enter sends · Alt-Enter or a trailing \\ for a new line · Esc interrupts · Ctrl-C twice exits · /help",
    ),
  ];
  const history: string[] = banner();

  let frameTimer: NodeJS.Timeout | undefined;
  const scheduleRender = () => {
    frameTimer ??= setTimeout(render, FRAME_MS);
  };

  function render(): void {
    clearTimeout(frameTimer);
    frameTimer = undefined;
    if (closing && history.length === 0) return;
    const width = Math.max(20, stdout.columns || 80);
    const height = Math.max(6, stdout.rows || 24);
    const request = transcript.permission;
    let bottom: string[];
    let cursor: { row: number; column: number };
    if (picker) {
      bottom = picker.picker.lines(theme, width, height - 2);
      cursor = { row: bottom.length - 1, column: visibleWidth(bottom.at(-1) ?? "") };
    } else if (request) {
      bottom = permissionLines(request, theme, width, height - 3);
      if (reasonFor === request.requestId) {
        const layout = reasonEditor.layout(width, "why not? ", "         ");
        cursor = { row: bottom.length + layout.cursorRow, column: layout.cursorColumn };
        bottom.push(...layout.rows);
      } else cursor = { row: bottom.length - 1, column: Math.min(width - 1, visibleEnd(bottom)) };
    } else {
      const layout = editor.layout(width, "› ", "  ");
      const shown = completions.slice(0, 8).map((c) => theme.dim(truncate(`  ${c}`, width)));
      if (completions.length > 8) shown.push(theme.dim(`  … ${completions.length - 8} more`));
      cursor = { row: shown.length + layout.cursorRow, column: layout.cursorColumn };
      bottom = [...shown, ...layout.rows];
    }
    const percent = stats.contextPercent;
    const status = statusLine(
      transcript.status,
      hint || (transcript.busy ? "Esc interrupts" : ""),
      theme,
      width,
      [percent === null ? "" : `context ${percent}%`, stats.latency ? latencyBadge(stats.latency) : ""],
    );
    // The live region must fit the screen, or its top could not be reached again: the oldest live lines go.
    const live = transcript.live(width).slice(-Math.max(0, height - bottom.length - 2));
    const lines = [...live, ...bottom, status];
    cursor.row += live.length;
    screen.draw(history.splice(0), { lines, cursor });
  }

  function visibleEnd(lines: string[]): number {
    return (lines.at(-1) ?? "").replace(/\x1b\[[0-9;]*m/g, "").length;
  }

  function say(lines: string[]): void {
    history.push(...lines);
  }

  function setHint(text: string): void {
    hint = text;
    clearTimeout(hintTimer);
    hintTimer = setTimeout(() => {
      hint = "";
      render();
    }, DOUBLE_PRESS_MS);
  }

  function close(): void {
    if (closing) return;
    closing = true;
    session.submit({ type: "close" });
  }

  function send(text: string): void {
    prompts.add(text);
    const slash = parseSlash(text);
    switch (slash.type) {
      case "prompt": {
        transcript.queued(text);
        const attachments = mentionedPaths(text, session.info.cwd).map((path) => ({
          type: "file" as const,
          path,
        }));
        session.submit({
          type: "prompt",
          text: text.startsWith("//") ? text.slice(1) : text,
          ...(attachments.length > 0 ? { attachments } : {}),
        });
        return;
      }
      case "front":
        say([theme.dim(`› ${text}`)]);
        void runFrontAction(slash.action, frontContext()).then(render, (error: Error) => {
          say([theme.red(`/${slash.action} failed: ${error.message}`)]);
          render();
        });
        return;
      case "command":
        say([theme.dim(`› ${text}`)]);
        session.submit(slash.command);
        return;
      case "exit":
        close();
        return;
      case "help":
        say(slash.lines.map((line) => theme.dim(line)));
        return;
      case "problem":
        say([theme.yellow(slash.text)]);
        return;
    }
  }

  function frontContext(): Parameters<typeof runFrontAction>[1] {
    return {
      session,
      busy: transcript.busy,
      stats,
      theme,
      env: deps.env,
      say,
      render,
      open: (changes) =>
        openFront({ ...options, ...changes }, deps, {
          diagnostics: (text) =>
            say(
              text
                .trimEnd()
                .split("\n")
                .map((line) => theme.yellow(line)),
            ),
        }),
      replace(next, clear) {
        replacement = next;
        if (clear) {
          screen.reset(banner());
          writeOutput("\x1b[3J"); // the scrollback too, as clear(1) does
        }
        session.submit({ type: "close" });
      },
      pick(shown, done) {
        picker = { picker: shown, done };
        render();
      },
    };
  }

  /** Tab: completes the word before the cursor (a command, /model's or /mode's argument, an @path). */
  async function complete(): Promise<void> {
    const before = textBeforeCursor(editor);
    const target = completionAt(before);
    if (!target) return;
    let candidates: readonly string[] = [];
    if (target.kind === "command") candidates = SLASH_NAMES;
    else if (target.kind === "mode") candidates = PERMISSION_MODES;
    else if (target.kind === "runtime") candidates = ["hearth", ...RUNTIME_NAMES];
    else if (target.kind === "model") {
      setHint("looking for models…");
      render();
      sources.models ??= modelNames(session.info.cwd, deps.env).catch(() => []);
      candidates = await sources.models;
    } else {
      sources.paths ??= workspacePaths(session.info.cwd).catch(() => []);
      candidates = await sources.paths;
    }
    // The person typed on meanwhile: this completion is for text no longer there.
    if (textBeforeCursor(editor) !== before) return;
    const fuzzy = target.kind === "path" || target.kind === "model";
    const result = completeWord(target.word, candidates, { fuzzy, takeFirst: target.kind === "command" });
    if (result.replacement !== null) replaceBeforeCursor(editor, target.word, result.replacement);
    completions = result.matches.length > 1 ? result.matches : [];
    if (result.matches.length === 0) setHint(`nothing matches ${target.word || "here"}`);
    render();
  }

  function edit(target: InputEditor, key: Key): void {
    if (key.type === "paste" && target === editor) target.paste(key.text);
    else if (key.type === "text" || key.type === "paste") target.insert(key.text);
    else EDITS[key.type]?.(target);
  }

  function onKey(key: Key): void {
    if (closing) return;
    completions = [];
    if (picker) {
      const outcome = picker.picker.key(key);
      if (outcome) {
        const { done } = picker;
        picker = null;
        done(outcome);
      }
      render();
      return;
    }
    if (key.type === "tab" && !transcript.permission) {
      void complete();
      return;
    }
    if (key.type === "ctrl-c") {
      if (Date.now() - lastCtrlC < DOUBLE_PRESS_MS) {
        close();
        return;
      }
      lastCtrlC = Date.now();
      if (transcript.busy || transcript.permission) session.submit({ type: "interrupt" });
      editor.clear();
      reasonFor = null;
      setHint("Ctrl-C again to exit");
    } else if (key.type === "ctrl-l") screen.reset(banner());
    else if (transcript.permission) onPermissionKey(key);
    else if (key.type === "ctrl-d") {
      if (editor.text === "") {
        close();
        return;
      }
      editor.deleteForward();
    } else if (key.type === "escape") {
      if (transcript.busy) {
        session.submit({ type: "interrupt" });
        setHint("interrupting");
      }
    } else if (key.type === "enter") {
      const text = editor.submit();
      if (text !== null) send(text);
    } else edit(editor, key);
    render();
  }

  function onPermissionKey(key: Key): void {
    const request = transcript.permission;
    if (!request) return;
    const answer = (value: Parameters<RuntimeSession["submit"]>[0] & { type: "answer_permission" }) => {
      transcript.answered(request.requestId);
      reasonFor = null;
      reasonEditor.clear();
      session.submit(value);
    };
    if (reasonFor === request.requestId) {
      if (key.type === "escape") reasonFor = null;
      else if (key.type === "enter") {
        const reason = reasonEditor.text.trim();
        answer({
          type: "answer_permission",
          requestId: request.requestId,
          answer: reason ? { decision: "deny", reason } : { decision: "deny" },
        });
      } else edit(reasonEditor, key);
      return;
    }
    if (key.type === "escape") {
      session.submit({ type: "interrupt" });
      setHint("interrupting");
      return;
    }
    if (key.type === "enter") {
      setHint("press a key: y, n …");
      return;
    }
    if (key.type !== "text" || key.text.length !== 1) return;
    const result = answerForKey(request, key.text);
    if (!result) return;
    if ("askReason" in result) {
      reasonFor = request.requestId;
      return;
    }
    answer({ type: "answer_permission", requestId: request.requestId, answer: result.answer });
  }

  // The terminal: raw keys, bracketed paste; put back as it was on every way out.
  const reader = createKeyReader(onKey);
  const onData = (chunk: string) => {
    const at = performance.now();
    reader.feed(chunk);
    // A key is drawn in the same tick it arrives (the bench reads this: keystroke to frame written).
    if (tracing) mark(`key drawn in ${(performance.now() - at).toFixed(2)} ms`);
  };
  const onResize = () => {
    screen.resized(Math.max(20, stdout.columns || 80));
    render();
  };
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(BRACKETED_PASTE_OFF);
    if (stdin.isTTY) stdin.setRawMode(false);
  };
  process.on("exit", restore);
  process.on("SIGTERM", close);
  process.on("SIGHUP", close);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.on("data", onData);
  stdin.resume();
  stdout.on("resize", onResize);
  stdout.write(BRACKETED_PASTE_ON);

  const initial = options.prompt?.trim();
  if (initial) send(initial);
  render();
  mark("input ready");

  let exitCode = EXIT_OK;
  try {
    for (;;) {
      for await (const event of session.events) {
        onEvent(event);
      }
      if (!replacement) break;
      // /clear, /fork, /resume: the next session's events from here on; its status starts from nothing.
      session = replacement;
      replacement = null;
      sources.paths = undefined;
      stats = createSessionStats();
      Object.assign(transcript.status, { inputTokens: 0, outputTokens: 0, costUsd: null });
      render();
    }
  } catch (error) {
    exitCode = 1;
    say([theme.red(`error: ${(error as Error).message}`)]);
  }
  clearTimeout(frameTimer);
  clearTimeout(hintTimer);
  const last = history.splice(0);
  screen.clearLive();
  writeOutput(last.map((line) => `${line}\r\n`).join(""));
  stdin.off("data", onData);
  stdout.off("resize", onResize);
  process.off("SIGTERM", close);
  process.off("SIGHUP", close);
  restore();
  stdin.pause();
  return exitCode;

  function onEvent(event: SessionEvent): void {
    stats.apply(event);
    if (event.type === "prompt_ended") sources.paths = undefined;
    history.push(...transcript.apply(event));
    if (event.type === "session_closed") return;
    if (event.type === "permission_requested" || event.type === "prompt_ended") render();
    else scheduleRender();
  }
}
