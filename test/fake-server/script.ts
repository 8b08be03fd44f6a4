/**
 * The fake model server's script: one entry per model request, protocol-neutral. Each protocol renderer turns a
 * FakeTurn into that protocol's body, streamed or not.
 */

export type FakeToolCall = { id?: string; name: string; arguments: Record<string, unknown> };

export type FakeTurn = {
  text?: string;
  reasoning?: string;
  toolCalls?: FakeToolCall[];
  usage?: { input: number; output: number };
  /** Stop reason to report; default: "tool_use" when there are tool calls, else "stop". */
  stop?: "stop" | "tool_use" | "length";

  /** Answer with this HTTP status and body instead (an error response). */
  status?: number;
  errorBody?: string;
  headers?: Record<string, string>;
  /** Accept the request and never answer. */
  hang?: boolean;
  /** Stream only this many frames, then destroy the connection. */
  cutAfterFrames?: number;
  /** Put a frame that is not valid JSON after the first frame. */
  malformed?: boolean;
  /** Wait this long before each frame. */
  frameDelayMs?: number;
  /** Stream the text in this many deltas (default 3); OpenAI Chat only, for streams that last (benchmarks). */
  textPieces?: number;
};

/** How a renderer's output is framed on the wire. */
export type Framing = "sse" | "ndjson" | "json";

export type Rendered = {
  framing: Framing;
  /** SSE: [event name or "", data] pairs. NDJSON: one JSON text per line. JSON: exactly one body. */
  frames: Array<{ event?: string; data: string }>;
};

export type RenderOptions = { stream: boolean; model: string; requestBody: Record<string, unknown> };

export type Renderer = (turn: FakeTurn, options: RenderOptions) => Rendered;
