/** What a front writes to the terminal passes the process's one redactor (runtime/process-redactor.ts). */
import { processRedactor } from "../runtime/process-redactor.ts";

/** Write to stderr through the redactor. */
export function writeError(text: string): void {
  process.stderr.write(processRedactor().redact(text));
}

/** Write to stdout through the redactor. */
export function writeOutput(text: string): void {
  process.stdout.write(processRedactor().redact(text));
}
