/**
 * The `read` tool: a text file with numbered lines, a window of it for big files. The file is opened where the
 * path was checked (policy/open-confined.ts), so a folder swapped for a symlink meanwhile reads nothing outside.
 */
import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { lstat } from "node:fs/promises";
import * as z from "zod/mini";
import { nonRegularKind, openConfinedParent } from "../policy/open-confined.ts";
import type { Workspace } from "../policy/workspace.ts";
import { formatBytes } from "../protocol/byte-size.ts";
import { ToolError } from "../protocol/tool-error.ts";
import { createContentHash, type FileState } from "./file-state.ts";
import { type AnyTool, defineTool } from "./tool.ts";

export const DEFAULT_READ_LIMIT = 2000;
const MAX_LINE_CHARS = 2000;
/** Files bigger than this must be read with offset/limit. */
const MAX_WHOLE_FILE_BYTES = 10 * 1024 * 1024;
/** Stay below the runtime's cap so a read never spills. */
const MAX_OUTPUT_CHARS = 30_000;
const BINARY_SNIFF_BYTES = 8192;

export type ReadToolDeps = { workspace: Workspace; fileState: FileState };

export type ReadDetails = { path: string; startLine: number; endLine: number; totalLines: number };

const schema = z.object({
  path: z.string().check(z.describe("File path, relative to the workspace root or absolute.")),
  offset: z.optional(z.int().check(z.minimum(1))).check(z.describe("1-based line number to start from.")),
  limit: z
    .optional(z.int().check(z.minimum(1)))
    .check(z.describe(`How many lines to read (default ${DEFAULT_READ_LIMIT}).`)),
});

export function createReadTool(deps: ReadToolDeps): AnyTool {
  const { workspace, fileState } = deps;
  return defineTool({
    name: "read",
    description:
      "Read a text file; lines come numbered (number, tab, text). For big files pass offset and limit to read a part.",
    lean: {
      description: "Read a file; lines come numbered. For big files pass offset and limit.",
      parameters: { offset: "first line, 1-based", limit: "number of lines" },
    },
    schema,
    kind: "read",
    async execute(args, context) {
      const real = await workspace.resolve(args.path, "read");
      const shown = workspace.display(real);
      const handle = await openToRead(workspace, real, shown);
      try {
        const info = await handle.stat();
        if (info.isDirectory()) throw new ToolError(`${shown} is a directory, not a file; use ls to list it`);
        const other = nonRegularKind(info);
        if (other !== null) throw notAFile(shown, other);
        if (looksBinary(await readHead(handle))) {
          throw new ToolError(`${shown} is a binary file, ${info.size} bytes; it cannot be shown as text`);
        }
        const windowed = args.offset !== undefined || args.limit !== undefined;
        if (info.size > MAX_WHOLE_FILE_BYTES && !windowed) {
          throw new ToolError(
            `${shown} is ${formatBytes(info.size)}, too big to read at once; pass offset and limit to read ` +
              `part of it, or use grep to find the lines you need`,
          );
        }
        const offset = args.offset ?? 1;
        const limit = args.limit ?? DEFAULT_READ_LIMIT;
        let window: string[];
        let totalLines: number;
        if (info.size <= MAX_WHOLE_FILE_BYTES) {
          const buffer = await handle.readFile({ signal: context.signal });
          const lines = splitLines(buffer.toString("utf8"));
          totalLines = lines.length;
          window = lines.slice(offset - 1, offset - 1 + limit);
          await fileState.record(real, info, buffer);
        } else {
          const streamed = await readWindow(handle, offset, limit, context.signal);
          ({ window, totalLines } = streamed);
          await fileState.record(real, info, { sha256: streamed.sha256 });
        }
        return numbered(shown, window, offset, totalLines);
      } finally {
        await handle.close();
      }
    },
  });
}

/** The file at `real`, opened in the folder that was checked; a ToolError when it is missing. */
async function openToRead(workspace: Workspace, real: string, shown: string): Promise<FileHandle> {
  const notFound = () => new ToolError(`file not found: ${shown}; check the path with ls or glob`);
  if (workspace.rootOf(real, "read") === real) {
    throw new ToolError(`${shown} is a directory, not a file; use ls to list it`);
  }
  const entry = await openConfinedParent(workspace, real, "read", { create: false });
  if (!entry) throw notFound();
  try {
    const handle = await entry.directory.openFile(entry.name, constants.O_RDONLY);
    if (!handle) throw notFound();
    return handle;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof ToolError || code === undefined) throw error;
    // A socket (or a device without its driver) cannot be opened at all: name what it is.
    const info = await lstat(entry.directory.entryPath(entry.name)).catch(() => null);
    const other = info && nonRegularKind(info);
    if (other) throw notAFile(shown, other);
    throw new ToolError(`cannot read ${shown}: ${code}`);
  } finally {
    await entry.directory.close();
  }
}

/** Reading a FIFO or a device could wait forever, or never end (/dev/zero): only regular files are read. */
function notAFile(shown: string, kind: string): ToolError {
  return new ToolError(
    `${shown} is ${kind}, not a regular file; read only reads files (a FIFO or a device could block or never end)`,
  );
}

function numbered(
  shown: string,
  window: string[],
  offset: number,
  totalLines: number,
): { content: string; details: ReadDetails } {
  if (totalLines === 0) {
    return {
      content: `(${shown} is empty)`,
      details: { path: shown, startLine: 0, endLine: 0, totalLines },
    };
  }
  if (offset > totalLines) {
    throw new ToolError(`offset ${offset} is past the end of ${shown}, which has ${totalLines} lines`);
  }
  const out: string[] = [];
  let chars = 0;
  for (const [index, raw] of window.entries()) {
    const line = formatLine(offset + index, raw);
    if (out.length > 0 && chars + line.length + 1 > MAX_OUTPUT_CHARS) break;
    out.push(line);
    chars += line.length + 1;
  }
  const endLine = offset + out.length - 1;
  let content = out.join("\n");
  if (endLine < totalLines) {
    content +=
      `\n\n(showing lines ${offset}-${endLine} of ${totalLines}; ` +
      `read again with offset=${endLine + 1} to see more)`;
  }
  const details: ReadDetails = { path: shown, startLine: offset, endLine, totalLines };
  return { content, details };
}

function formatLine(lineNumber: number, raw: string): string {
  let text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  if (text.length > MAX_LINE_CHARS) {
    text = `${text.slice(0, MAX_LINE_CHARS)} [... line cut, ${text.length} chars in all]`;
  }
  return `${String(lineNumber).padStart(6)}\t${text}`;
}

/** Lines of a text; a final newline does not start another line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** A NUL byte in the first 8 KB means binary, the way git and grep decide. */
export function looksBinary(head: Uint8Array): boolean {
  return head.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

async function readHead(handle: FileHandle): Promise<Uint8Array> {
  const buffer = Buffer.alloc(BINARY_SNIFF_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, BINARY_SNIFF_BYTES, 0);
  return buffer.subarray(0, bytesRead);
}

/** Stream a huge file, keeping only the requested lines, counting the rest and hashing it all. */
async function readWindow(
  handle: FileHandle,
  offset: number,
  limit: number,
  signal: AbortSignal,
): Promise<{ window: string[]; totalLines: number; sha256: string }> {
  const { createInterface } = await import("node:readline"); // only huge files need it
  const hash = await createContentHash();
  const stream = handle.createReadStream({ start: 0, autoClose: false, signal });
  stream.on("data", (chunk) => hash.update(chunk));
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  const window: string[] = [];
  let totalLines = 0;
  try {
    for await (const line of lines) {
      totalLines++;
      if (totalLines >= offset && totalLines < offset + limit) window.push(line);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return { window, totalLines, sha256: hash.digest("hex") };
}
