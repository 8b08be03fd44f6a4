/**
 * Gemini CLI's `-p --output-format stream-json` lines, read into runtime events. Its lines: `init` (session id,
 * model), `message` (the user's prompt, then the assistant's text as deltas), `tool_use` and `tool_result` (by
 * `tool_id`; status success or error), `error` (a warning or an error it carries on from) and one `result` at the
 * end (status, and the run's token stats).
 */
import type { Usage } from "../protocol/messages.ts";
import { jsonLine, num, obj, type RuntimeEvent, type RuntimeParser, str } from "./runtime-events.ts";

export function createGeminiParser(): RuntimeParser {
  return {
    line(text) {
      const line = jsonLine(text);
      if (!line) return [];
      switch (line.type) {
        case "init":
          return str(line.session_id)
            ? [
                {
                  kind: "session",
                  id: line.session_id as string,
                  ...(str(line.model) ? { model: str(line.model) } : {}),
                },
              ]
            : [];
        case "message":
          if (line.role !== "assistant" || !str(line.content)) return [];
          return [{ kind: line.thought === true ? "reasoning" : "text", text: line.content as string }];
        case "tool_use":
          return [
            {
              kind: "tool_call",
              id: str(line.tool_id) ?? "",
              name: str(line.tool_name) ?? "tool",
              arguments: obj(line.parameters),
            },
          ];
        case "tool_result": {
          const error = str(obj(line.error).message);
          return [
            {
              kind: "tool_result",
              id: str(line.tool_id) ?? "",
              content: str(line.output) || error || (str(line.status) ?? ""),
              isError: line.status === "error",
            },
          ];
        }
        case "error":
          return [
            {
              kind: "notice",
              level: line.severity === "warning" ? "warning" : "error",
              text: `gemini: ${str(line.message) ?? "error"}`,
            },
          ];
        case "result": {
          const ok = line.status === "success";
          const stats = obj(line.stats);
          const error = str(obj(line.error).message);
          const out: RuntimeEvent[] = [{ kind: "response_ended" }];
          out.push({
            kind: "ended",
            ok,
            ...(ok ? {} : { error: (error ?? str(line.status) ?? "failed").split("\n")[0] }),
            ...(Object.keys(stats).length > 0 ? { usage: usageOf(stats) } : {}),
          });
          return out;
        }
        default:
          return [];
      }
    },
    end: () => [],
  };
}

function usageOf(stats: Record<string, unknown>): Usage {
  const cached = num(stats.cached) ?? 0;
  return {
    inputTokens: Math.max(0, (num(stats.input_tokens) ?? 0) - cached),
    outputTokens: num(stats.output_tokens) ?? 0,
    ...(cached > 0 ? { cacheReadTokens: cached } : {}),
  };
}
