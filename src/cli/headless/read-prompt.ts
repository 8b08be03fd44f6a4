/** The prompt of a headless run: the argument, with piped stdin appended (or stdin alone). */
import { fstatSync } from "node:fs";
import { UsageError } from "../args.ts";

/** How long to wait for the first byte of stdin when a prompt argument was also given. */
const STDIN_GRACE_MS = 500;

export async function readPrompt(argument: string | null, stdin: () => NodeJS.ReadStream): Promise<string> {
  let piped = "";
  if (stdinIsPiped()) piped = await readStdin(stdin(), argument === null ? null : STDIN_GRACE_MS);
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
 * Read stdin to the end. With a grace period, give up if no data arrives in time: stdin may be an inherited pipe
 * that never closes (a CI runner), and the prompt argument is enough.
 */
function readStdin(stdin: NodeJS.ReadStream, graceMs: number | null): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      stdin.off("data", onData);
      stdin.off("end", finish);
      stdin.off("error", finish);
      stdin.pause();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      clearTimeout(timer);
      chunks.push(chunk);
    };
    if (graceMs !== null) timer = setTimeout(finish, graceMs);
    stdin.on("data", onData);
    stdin.once("end", finish);
    stdin.once("error", finish);
  });
}
