/** The prompt of a headless run: the argument, with piped stdin appended (or stdin alone). */
import { fstatSync } from "node:fs";
import { formatBytes } from "../../protocol/byte-size.ts";
import { UsageError } from "../args.ts";

/** More than any model's context window holds: refused before anything is saved or sent. */
export const PIPED_PROMPT_LIMIT = 10_000_000;

/** After this long with no byte from a pipe and a prompt argument given, say what hearth is waiting for. */
const SILENT_PIPE_NOTICE_MS = 2000;

export type ReadPromptOptions = {
  /** Largest piped input read (default PIPED_PROMPT_LIMIT). */
  limit?: number;
  /** Told once when a pipe stays silent while a prompt argument was given. */
  notice?: (line: string) => void;
};

export async function readPrompt(
  argument: string | null,
  stdin: () => NodeJS.ReadStream,
  options: ReadPromptOptions = {},
): Promise<string> {
  let piped = "";
  if (stdinIsPiped()) {
    const notice = argument === null ? undefined : options.notice;
    piped = await readStdin(stdin(), options.limit ?? PIPED_PROMPT_LIMIT, notice);
  }
  const parts = [argument?.trim(), piped.trim()].filter((p): p is string => Boolean(p));
  if (parts.length === 0)
    throw new UsageError('no prompt: pass the task as an argument (hearth -p "task") or pipe it on stdin');
  return parts.join("\n\n");
}

/** A pipe, a file or a socket on fd 0. Not a terminal, not /dev/null, not closed. */
function stdinIsPiped(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isFile() || stat.isSocket();
  } catch {
    return false;
  }
}

/**
 * Read stdin to the end, however slowly it comes: what is piped in is part of the task, and a run without it
 * would be a different task. A pipe that never closes (an inherited one) keeps hearth waiting, so a silent
 * pipe gets one line saying so and how to run without it.
 */
function readStdin(
  stdin: NodeJS.ReadStream,
  limit: number,
  notice: ((line: string) => void) | undefined,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = notice
      ? setTimeout(
          () =>
            notice("waiting for piped stdin to end (run with </dev/null if nothing is meant to be piped)"),
          SILENT_PIPE_NOTICE_MS,
        )
      : undefined;
    const stop = () => {
      clearTimeout(timer);
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.off("error", onError);
      stdin.pause();
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: NodeJS.ErrnoException) => {
      stop();
      reject(new UsageError(`cannot read piped stdin (${error.code ?? error.message}); nothing was sent`));
    };
    const onData = (chunk: Buffer) => {
      clearTimeout(timer);
      size += chunk.length;
      if (size > limit) {
        stop();
        stdin.destroy();
        reject(
          new UsageError(
            `piped input is over ${formatBytes(limit)}, more than a model can read in one prompt; pipe a part ` +
              "of it (e.g. tail -c 200000), or save it in the workspace and name the file in the prompt",
          ),
        );
        return;
      }
      chunks.push(chunk);
    };
    stdin.on("data", onData);
    stdin.once("end", onEnd);
    stdin.once("error", onError);
  });
}
