/**
 * The interactive front's state, reduced from the session's events: which lines are done (printed once into
 * the history) and what is still live (the line of the answer being streamed, the tools running, the requests
 * waiting for a yes, the status). It decides nothing about the session; it only shows it.
 */
import type { AgentEventOf, SessionEvent } from "../../protocol/events.ts";
import { SHELL_CALL_PREFIX } from "../../protocol/ids.ts";
import { terminalText } from "../terminal-text.ts";
import { toolCallLine } from "../tool-call-line.ts";
import { changeDiff, diffLines } from "./change-diff.ts";
import { createMarkdownRenderer } from "./markdown.ts";
import type { PermissionRequest } from "./permission-prompt.ts";
import type { StatusState } from "./status-line.ts";
import { truncate } from "./text-width.ts";
import type { Theme } from "./theme.ts";

export type Transcript = {
  /** Takes the next event; returns the history lines it completed. */
  apply(event: SessionEvent): string[];
  /** The user sent a prompt; it shows as queued until the session starts it. */
  queued(text: string): void;
  /** A prompt is running (or queued). */
  readonly busy: boolean;
  readonly status: StatusState;
  /** The permission request to answer now: the oldest one waiting. */
  readonly permission: PermissionRequest | undefined;
  /** The front answered this request: it no longer waits for a key (its permission_resolved comes later). */
  answered(requestId: string): void;
  /** The live lines above the prompt, each at most `width` columns. */
  live(width: number): string[];
};

type Running = { line: string; progress?: string };

/** Lines of a `!cmd`'s output printed under it at most (the last ones). */
const MAX_OUTPUT_LINES = 30;

const ANSWERS: Record<string, string> = {
  allow_once: "allowed once",
  allow_session: "allowed for this session",
  allow_always: "always allowed",
};

/** `width`: the terminal's columns now (answers are wrapped to it as they are printed). */
export function createTranscript(theme: Theme, width: () => number = () => 80): Transcript {
  const markdown = createMarkdownRenderer(theme);
  let partial = "";
  let thinking = false;
  let running = 0;
  const waitingPrompts: string[] = [];
  const tools = new Map<string, Running>();
  const requests: PermissionRequest[] = [];
  /** The diffs permission prompts showed, by call: printed under the call when it ends. */
  const askedDiffs = new Map<string, string>();
  const status: StatusState = {
    model: "",
    local: false,
    mode: "",
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
  };
  let opened = false;

  /** Complete lines of the answer streamed so far go to the history; the rest stays live. */
  function streamed(text: string): string[] {
    partial += text;
    const end = partial.lastIndexOf("\n");
    if (end === -1) return [];
    const done = partial.slice(0, end);
    partial = partial.slice(end + 1);
    return rendered(done);
  }

  function rendered(text: string): string[] {
    return terminalText(text)
      .split("\n")
      .flatMap((line) => markdown.line(line, width()));
  }

  function flush(): string[] {
    if (partial === "") return [];
    const rest = rendered(partial);
    partial = "";
    return rest;
  }

  /** The answer is over: its last line is printed and an open code block ends with it. */
  function ended(): string[] {
    const lines = flush();
    lines.push(...markdown.end(width()));
    return lines;
  }

  function toolEnded(event: AgentEventOf<"tool_call_ended">): string[] {
    tools.delete(event.call.id);
    const line = toolCallLine(event.call).replace(/^→ /, "");
    const mark = event.isError ? theme.red("✗") : theme.green("✓");
    const diff = changeDiff(event, askedDiffs.get(event.call.id));
    askedDiffs.delete(event.call.id);
    return [
      `${mark} ${line}${theme.dim(` · ${toolSummary(event)}`)}`,
      ...(diff ? diffLines(diff, theme, width()) : []),
      ...(event.call.id.startsWith(SHELL_CALL_PREFIX) ? outputLines(event.content) : []),
    ];
  }

  /** The output of a command the person ran (`!cmd`): they asked to see it, so its last lines are printed. */
  function outputLines(content: string): string[] {
    // The exit code is in the line above already.
    const lines = terminalText(content)
      .replace(/\n*\(exit code -?\d+\)\s*$/, "")
      .replace(/\n+$/, "")
      .split("\n");
    const shown = lines.slice(-MAX_OUTPUT_LINES).map((l) => theme.dim(truncate(`    ${l}`, width())));
    const hidden = lines.length - MAX_OUTPUT_LINES;
    return hidden > 0 ? [theme.dim(`    … ${hidden} earlier lines`), ...shown] : shown;
  }

  function notice(level: "info" | "warning" | "error", text: string): string[] {
    const clean = terminalText(text);
    if (level === "error") return [theme.red(`error: ${clean}`)];
    if (level === "warning") return [theme.yellow(`warning: ${clean}`)];
    return [theme.dim(clean)];
  }

  function apply(event: SessionEvent): string[] {
    switch (event.type) {
      case "session_info": {
        // A runtime runs the prompts: the status line names it (its model is its own business).
        const model = event.runtime ? `runtime ${event.runtime}` : event.model;
        const changed = opened && (model !== status.model || event.permissionMode !== status.mode);
        Object.assign(status, { model, local: event.local, mode: event.permissionMode });
        // Once, as the session opens: the MCP servers that loaded, with their tool counts, and those that did not.
        const mcp =
          !opened && event.mcpServers?.length ? [theme.dim(`MCP: ${mcpLine(event.mcpServers)}`)] : [];
        opened = true;
        return changed ? [theme.dim(`now: ${model}, ${event.permissionMode} mode`)] : mcp;
      }
      case "user_message": {
        running++;
        waitingPrompts.shift();
        const [first, ...rest] = terminalText(event.text).split("\n");
        return ["", theme.bold(`› ${first}`), ...rest.map((line) => theme.bold(`  ${line}`))];
      }
      case "text_delta":
        thinking = false;
        return streamed(event.text);
      case "reasoning_delta":
        thinking = true;
        return [];
      case "retry_scheduled":
        partial = "";
        markdown.end(width());
        return notice("warning", `${event.error.message}; trying again (attempt ${event.attempt + 1})`);
      case "message_ended":
        thinking = false;
        return ended();
      case "tool_call_started":
        tools.set(event.call.id, { line: toolCallLine(event.call).replace(/^→ /, "") });
        return flush();
      case "tool_progress": {
        const tool = tools.get(event.callId);
        if (tool) tool.progress = terminalText(event.text).replace(/\s+/g, " ").trim();
        return [];
      }
      case "tool_call_ended":
        return toolEnded(event);
      case "permission_requested":
        requests.push(event);
        if (event.diff) askedDiffs.set(event.callId, event.diff);
        return flush();
      case "permission_resolved":
        return resolved(event);
      case "notice":
        return notice(event.level, event.text);
      case "tool_loop_detected":
        return notice(
          "warning",
          `the model repeated the same ${event.call.name} call ${event.repeats} times`,
        );
      case "context_compacted":
        return notice(
          "info",
          `context compacted (${event.method}): ${event.beforeTokens} → ${event.afterTokens} tokens`,
        );
      case "route_decided":
        return [
          theme.dim(
            `  routed to ${event.model} [${event.local ? "local" : "cloud"}] · ${terminalText(event.rule)}`,
          ),
        ];
      case "undo_done":
        return notice("info", `undone: turn ${event.undoneTurn} (${event.files.join(", ") || "no files"})`);
      case "prompt_ended":
        return promptEnded(event);
      default:
        return [];
    }
  }

  function resolved(event: AgentEventOf<"permission_resolved">): string[] {
    const index = requests.findIndex((r) => r.requestId === event.requestId);
    if (index !== -1) requests.splice(index, 1);
    const what = truncate(terminalText(event.target).replace(/\s+/g, " "), 60);
    if (event.by === "interrupt") return [];
    if (event.decision === "deny") {
      const why = event.reason ? `: ${terminalText(event.reason)}` : "";
      return [theme.yellow(`  refused${event.by === "rule" ? " by a rule" : ""} ${what}${why}`)];
    }
    if (event.by === "rule") return [];
    const saved = event.savedRule ? `; saved ${event.savedRule} in ${event.savedTo ?? "your settings"}` : "";
    return [theme.dim(`  ${ANSWERS[event.answer ?? "allow_once"] ?? "allowed"}: ${what}${saved}`)];
  }

  function promptEnded(event: AgentEventOf<"prompt_ended">): string[] {
    running = Math.max(0, running - 1);
    tools.clear();
    requests.length = 0;
    askedDiffs.clear();
    status.inputTokens += event.usage.inputTokens;
    status.outputTokens += event.usage.outputTokens;
    if (event.costUsd !== null) status.costUsd = (status.costUsd ?? 0) + event.costUsd;
    const lines = ended();
    const seconds = `${(event.durationMs / 1000).toFixed(1)}s`;
    if (event.reason === "aborted") lines.push(theme.yellow(`interrupted after ${seconds}`));
    else if (event.reason === "error")
      lines.push(theme.red(`failed: ${terminalText(event.error ?? "error")}`));
    else if (event.reason !== "done") lines.push(theme.yellow(`stopped (${event.reason}) after ${seconds}`));
    else lines.push(theme.dim(`done in ${seconds}`));
    return lines;
  }

  return {
    apply,
    queued(text) {
      waitingPrompts.push(text);
    },
    get busy() {
      return running > 0 || waitingPrompts.length > 0 || tools.size > 0;
    },
    status,
    get permission() {
      return requests[0];
    },
    answered(requestId) {
      const index = requests.findIndex((r) => r.requestId === requestId);
      if (index !== -1) requests.splice(index, 1);
    },
    live(width) {
      const lines: string[] = [];
      for (const tool of tools.values()) {
        const progress = tool.progress ? `  ${tool.progress}` : "";
        lines.push(theme.dim(truncate(`… ${tool.line}${progress}`, width)));
      }
      if (partial !== "" || markdown.gathering) lines.push(...markdown.preview(terminalText(partial), width));
      else if (running > 0 && tools.size === 0)
        lines.push(
          theme.dim(
            truncate(thinking ? "thinking… (Esc to interrupt)" : "working… (Esc to interrupt)", width),
          ),
        );
      for (const text of waitingPrompts)
        lines.push(theme.dim(truncate(`queued: ${terminalText(text).replace(/\s+/g, " ")}`, width)));
      return lines;
    },
  };
}

/** A finished call in a few words: a command's exit, a file tool's own line, else the size of the result. */
export function toolSummary(event: AgentEventOf<"tool_call_ended">): string {
  const details = (event.details ?? {}) as {
    exitCode?: number | null;
    interrupted?: boolean;
    timedOut?: boolean;
  };
  const firstLine = terminalText(event.content).split("\n")[0]?.trim() ?? "";
  const lines = event.content.replace(/\n+$/, "").split("\n").length;
  if (event.call.name === "bash") {
    if (details.interrupted) return "interrupted";
    if (details.timedOut) return "timed out";
    const exit = details.exitCode === undefined ? "" : `exit ${details.exitCode ?? "?"}, `;
    return `${exit}${firstLine === "(no output)" ? "no output" : `${lines} line${lines === 1 ? "" : "s"}`}`;
  }
  if (event.isError || event.call.name === "write" || event.call.name === "edit")
    return truncate(firstLine, 70);
  return `${lines} line${lines === 1 ? "" : "s"}`;
}

/** "everything (13 tools), fs failed" */
function mcpLine(servers: Array<{ name: string; state: string; tools: number }>): string {
  return servers
    .map((s) => {
      const tools = `${s.tools} tool${s.tools === 1 ? "" : "s"}`;
      if (s.state === "ready") return `${s.name} (${tools})`;
      return s.state === "idle" ? `${s.name} (${tools}, starts on first use)` : `${s.name} ${s.state}`;
    })
    .join(", ");
}
