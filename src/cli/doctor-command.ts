/** Placeholder while this command is written. */
import { EXIT_FAILED } from "../protocol/errors.ts";
import { writeError } from "./redaction.ts";

export async function runDoctor(_args: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  writeError("hearth: this command is not written yet\n");
  return EXIT_FAILED;
}
