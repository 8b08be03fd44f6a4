/** Everything after the entry file's fast paths: parse arguments, dispatch, exit with the right code. */

import { EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { parseCliArgs, UsageError } from "./args.ts";
import { writeError } from "./redaction.ts";

/** For the entry file's last-resort error line. */
export { writeError } from "./redaction.ts";

export async function runCli(argv: string[], version: string): Promise<void> {
  let code: number;
  try {
    if (argv[0] === "keys") {
      // `hearth keys` reads a key from a prompt or stdin and has its own arguments.
      const { runKeys } = await import("./keys-command.ts");
      code = await runKeys(argv.slice(1), process.env);
      process.stdout.write("", () => process.exit(code));
      return;
    }
    if (argv[0] === "trust") {
      // `hearth trust` has its own flags (--list, --remove), so it parses its own arguments.
      const { runTrust } = await import("./trust-command.ts");
      code = runTrust(argv.slice(1), process.env);
      process.stdout.write("", () => process.exit(code));
      return;
    }
    if (argv[0] === "egress") {
      const { runEgress } = await import("./egress-command.ts");
      code = runEgress(argv.slice(1), process.env);
      process.stdout.write("", () => process.exit(code));
      return;
    }
    const options = parseCliArgs(argv);
    if (options.help) {
      const { HELP } = await import("./help.ts");
      process.stdout.write(HELP);
      code = EXIT_OK;
    } else if (options.version) {
      process.stdout.write(`${version}\n`);
      code = EXIT_OK;
    } else if (options.command === "models") {
      const { runModels } = await import("./models-command.ts");
      code = await runModels({ env: process.env, cwd: options.cwd });
    } else if (!options.print) {
      throw new UsageError(
        'interactive mode is not available in this version; run headless with hearth -p "task"',
      );
    } else {
      const { runPrint } = await import("./headless/run-print.ts");
      code = await runPrint(options, { version, env: process.env, stdin: () => process.stdin });
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    writeError(`hearth: ${error.message}\nRun hearth --help for usage.\n`);
    code = EXIT_USAGE;
  }
  // Keep-alive sockets would hold the process open; exit once stdout has flushed.
  process.stdout.write("", () => process.exit(code));
}
