/**
 * OpenCode's `run --format json` lines, read into runtime events. Each line carries the `sessionID` and a `part`:
 * `step_start` and `step_finish` (one model response; its tokens and cost), `text` and `reasoning` (whole parts),
 * `tool_use` (a call reported once it is over, with its input and its output or error) and `error`. There is no
 * closing line: the run is over when the stream ends, failed if an error came.
 */
import type { Usage } from "../protocol/messages.ts";
import { jsonLine, num, obj, type RuntimeEvent, type RuntimeParser, str } from "./runtime-events.ts";

export function createOpencodeParser(): RuntimeParser {
  let session: string | undefined;
  let cost = 0;
  let failure: string | undefined;
  return {
    line(text) {
      const line = jsonLine(text);
      if (!line) return [];
      const out: RuntimeEvent[] = [];
      const id = str(line.sessionID);
      if (id && id !== session) {
        session = id;
        out.push({ kind: "session", id });
      }
      const part = obj(line.part);
      switch (line.type) {
        case "text":
          if (str(part.text)) out.push({ kind: "text", text: part.text as string });
          break;
        case "reasoning":
          if (str(part.text)) out.push({ kind: "reasoning", text: part.text as string });
          break;
        case "tool_use": {
          const state = obj(part.state);
          const callId = str(part.callID) ?? str(part.id) ?? "";
          out.push({
            kind: "tool_call",
            id: callId,
            name: str(part.tool) ?? "tool",
            arguments: obj(state.input),
          });
          const failed = state.status === "error";
          out.push({
            kind: "tool_result",
            id: callId,
            content: (failed ? str(state.error) : str(state.output)) ?? str(state.status) ?? "",
            isError: failed,
          });
          break;
        }
        case "step_finish":
          cost += num(part.cost) ?? 0;
          out.push({ kind: "response_ended", usage: usageOf(obj(part.tokens)) });
          break;
        case "error": {
          const error = obj(line.error);
          failure = (str(obj(error.data).message) ?? str(error.message) ?? str(error.name) ?? "error").split(
            "\n",
          )[0];
          out.push({ kind: "notice", level: "error", text: `opencode: ${failure}` });
          break;
        }
      }
      return out;
    },
    end() {
      return [
        {
          kind: "ended",
          ok: failure === undefined,
          ...(failure ? { error: failure } : {}),
          ...(cost > 0 ? { costUsd: cost } : {}),
        },
      ];
    },
  };
}

function usageOf(tokens: Record<string, unknown>): Usage {
  const cache = obj(tokens.cache);
  return {
    inputTokens: num(tokens.input) ?? 0,
    outputTokens: (num(tokens.output) ?? 0) + (num(tokens.reasoning) ?? 0),
    ...(num(cache.read) ? { cacheReadTokens: num(cache.read) } : {}),
    ...(num(cache.write) ? { cacheWriteTokens: num(cache.write) } : {}),
  };
}
