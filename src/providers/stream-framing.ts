/** Body framing for streamed responses: SSE through eventsource-parser, NDJSON through node:readline. */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** Server-sent events from a response body. */
export async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncIterable<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (queue.length > 0) yield queue.shift()!;
  }
  parser.feed(decoder.decode());
  while (queue.length > 0) yield queue.shift()!;
}

/** Non-empty lines of a newline-delimited JSON body (not parsed: the adapter parses and reports errors). */
export async function* ndjsonLines(body: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const lines = createInterface({ input: Readable.from(body), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim()) yield line;
  }
}
