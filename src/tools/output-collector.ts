/**
 * Collects a command's output for the bash tool. Keeps all of it while it is small; past head + tail bytes it keeps
 * only the head and a rolling tail in memory (what the model sees) and streams the output to a spill file. The
 * spill file is capped too: past its own head it keeps a rolling tail in memory and, at the end, writes a line
 * saying how much was cut, then that tail. Both cuts fall on line boundaries where one is near, so a secret is
 * never split into a piece the redactor cannot recognise.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { formatBytes } from "../protocol/byte-size.ts";

export type CollectorLimits = {
  /** What the model sees: the first and the last bytes of the output. */
  headBytes: number;
  tailBytes: number;
  /** What the spill file keeps: its first and its last bytes. */
  spillHeadBytes: number;
  spillTailBytes: number;
};

export type Collected = {
  text: string;
  totalBytes: number;
  spillPath?: string;
  /** The spill file holds only the start and the end of the output. */
  spillCut?: boolean;
  spillError?: string;
};

export type Collector = {
  /** Returns false when the caller should pause until `onDrain`. */
  push(chunk: Buffer): boolean;
  onDrain(callback: () => void): void;
  finish(): Promise<Collected>;
};

/** How far back from a cut to look for the end of a line. */
const LINE_SEARCH_BYTES = 64 * 1024;

export function createCollector(options: {
  limits: CollectorLimits;
  spillPath: () => string;
  redact?: (text: string) => string;
}): Collector {
  const { limits, redact } = options;
  const filter = redact ? lineRedactor(redact) : null;
  const cap = limits.headBytes + limits.tailBytes;
  let total = 0;
  let early: Buffer[] = [];
  let head = Buffer.alloc(0);
  const tail = rollingTail(limits.tailBytes);
  let spill: WriteStream | null = null;
  let path: string | undefined;
  let spillError: string | undefined;
  let pendingDrain: (() => void) | null = null;
  let spilled = 0;
  let spillTail: ReturnType<typeof rollingTail> | null = null;

  /** Writes to the spill file up to its head cap; past it, keeps the spill tail in memory. */
  const toSpill = (stream: WriteStream, chunk: Buffer): boolean => {
    if (spillTail) {
      spillTail.push(chunk);
      return true;
    }
    const room = limits.spillHeadBytes - spilled;
    if (chunk.length <= room) {
      spilled += chunk.length;
      return stream.write(filter ? filter.push(chunk) : chunk);
    }
    const newline = chunk.lastIndexOf(0x0a, room - 1);
    const end = newline >= 0 && room - newline <= LINE_SEARCH_BYTES ? newline + 1 : room;
    spilled += end;
    spillTail = rollingTail(limits.spillTailBytes);
    spillTail.push(chunk.subarray(end));
    stream.write(
      filter ? Buffer.concat([filter.push(chunk.subarray(0, end)), filter.end()]) : chunk.subarray(0, end),
    );
    return true;
  };

  return {
    push(chunk) {
      total += chunk.length;
      if (spill === null && spillError === undefined) {
        early.push(chunk);
        if (total <= cap) return true;
        const all = Buffer.concat(early);
        early = [];
        head = Buffer.from(all.subarray(0, limits.headBytes));
        tail.push(Buffer.from(all.subarray(limits.headBytes)));
        try {
          path = options.spillPath();
          spill = createWriteStream(path, { highWaterMark: 1024 * 1024 });
          spill.on("error", (error) => {
            spillError = error.message;
            pendingDrain?.();
            pendingDrain = null;
          });
          return toSpill(spill, all);
        } catch (error) {
          spillError = (error as Error).message;
          return true;
        }
      }
      tail.push(chunk);
      if (spill === null || spillError !== undefined) return true;
      return toSpill(spill, chunk);
    },
    onDrain(callback) {
      if (!spill || spillError !== undefined) return callback();
      pendingDrain = callback;
      spill.once("drain", () => {
        pendingDrain = null;
        callback();
      });
    },
    async finish() {
      if (spill === null && spillError === undefined) {
        return { text: Buffer.concat(early).toString("utf8"), totalBytes: total };
      }
      if (spill) {
        const stream = spill;
        await new Promise<void>((done) => {
          if (spillError !== undefined) return done();
          stream.once("error", () => done());
          if (spillTail) stream.write(cutAndTail(spillTail.bytes(), total - spilled, limits, redact));
          else if (filter) stream.write(filter.end());
          stream.end(() => done());
        });
      }
      const kept = tail.bytes();
      const tailText = kept.subarray(Math.max(0, kept.length - limits.tailBytes));
      const omitted = total - head.length - tailText.length;
      const text =
        head.toString("utf8") +
        `\n\n... [${formatBytes(omitted)} omitted] ...\n\n` +
        tailText.toString("utf8");
      if (spillError !== undefined) return { text, totalBytes: total, spillError };
      return spillTail
        ? { text, totalBytes: total, spillPath: path, spillCut: true }
        : { text, totalBytes: total, spillPath: path };
    },
  };
}

/** The spill file's ending: a line saying what was cut, then the last bytes, starting at a line where one is near. */
function cutAndTail(
  kept: Buffer,
  unwritten: number,
  limits: CollectorLimits,
  redact?: (text: string) => string,
): Buffer {
  let tail = kept.subarray(Math.max(0, kept.length - limits.spillTailBytes));
  const newline = tail.indexOf(0x0a);
  if (newline >= 0 && newline < LINE_SEARCH_BYTES) tail = tail.subarray(newline + 1);
  const cut = unwritten - tail.length;
  const mb = (bytes: number) => `${bytes / 1024 / 1024} MB`;
  const note =
    `\n\n... [${formatBytes(cut)} cut here: this file keeps the first ${mb(limits.spillHeadBytes)} and the ` +
    `last ${mb(limits.spillTailBytes)} of the output] ...\n\n`;
  const text = tail.toString("utf8");
  return Buffer.from(note + (redact ? redact(text) : text));
}

/** The last `limit` bytes pushed (give or take one chunk). */
function rollingTail(limit: number): { push(chunk: Buffer): void; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk) {
      chunks.push(chunk);
      size += chunk.length;
      while (chunks.length > 1 && size - chunks[0].length >= limit) size -= chunks.shift()!.length;
    },
    bytes: () => Buffer.concat(chunks),
  };
}

/**
 * Redacts a byte stream on its way to disk, a line at a time (secret shapes never span lines). A line longer than
 * 64 KB is redacted in pieces.
 */
function lineRedactor(redact: (text: string) => string): { push(chunk: Buffer): Buffer; end(): Buffer } {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  return {
    push(chunk) {
      const text = carry + decoder.write(chunk);
      const cut = text.lastIndexOf("\n");
      if (cut === -1 && text.length < 65_536) {
        carry = text;
        return Buffer.alloc(0);
      }
      const ready = cut === -1 ? text : text.slice(0, cut + 1);
      carry = cut === -1 ? "" : text.slice(cut + 1);
      return Buffer.from(redact(ready));
    },
    end() {
      const rest = carry + decoder.end();
      carry = "";
      return Buffer.from(redact(rest));
    },
  };
}
