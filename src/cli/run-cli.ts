/** Everything after the entry file's fast paths: parse arguments, dispatch, exit with the right code. */

import { EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import { notInteractive, parseCliArgs, UsageError } from "./args.ts";
import { closestName } from "./closest-name.ts";
import { writeError } from "./redaction.ts";

/** For the entry file's last-resort error line. */
export { writeError } from "./redaction.ts";

type SubcommandRun = (args: string[], env: NodeJS.ProcessEnv) => number | Promise<number>;

/**
 * Subcommands with their own arguments, each loaded only when used. `hearth <name> ...` hands the rest of the
 * command line to the module's run function.
 */
const SUBCOMMANDS: Record<string, () => Promise<SubcommandRun>> = {
  keys: async () => (await import("./keys-command.ts")).runKeys,
  trust: async () => (await import("./trust-command.ts")).runTrust,
  egress: async () => (await import("./egress-command.ts")).runEgress,
  models: async () => (await import("./models-command.ts")).runModelsCommand,
  sessions: async () => (await import("./sessions-command.ts")).runSessions,
  undo: async () => (await import("./undo-command.ts")).runUndo,
  doctor: async () => (await import("./doctor-command.ts")).runDoctor,
  prompt: async () => (await import("./prompt-command.ts")).runPromptCommand,
  engine: async () => (await import("./engine-command.ts")).runEngine,
  serve: async () => (await import("./serve/serve-command.ts")).runServe,
  mcp: async () => (await import("./mcp-command.ts")).runMcpCommand,
  runtimes: async () => (await import("./runtimes-command.ts")).runRuntimesCommand,
};

/** `hearth acp`: the ACP server for editors (needs the version for its `initialize` answer). */
const ACP = "acp";

/** `hearth exec "task"` is `hearth -p "task"`, for Codex users. */
const EXEC_ALIAS = "exec";

export async function runCli(argv: string[], version: string): Promise<void> {
  let code: number;
  try {
    const load = Object.hasOwn(SUBCOMMANDS, argv[0] ?? "") ? SUBCOMMANDS[argv[0]] : undefined;
    if (argv[0] === ACP) {
      const { runAcp } = await import("./acp/run-acp.ts");
      code = await runAcp(argv.slice(1), process.env, version);
    } else if (load) {
      code = await (await load())(argv.slice(1), process.env);
    } else {
      const near = mistypedCommand(argv[0]);
      if (near) throw new UsageError(`unknown command "${argv[0]}"; did you mean "hearth ${near}"?`);
      const options = parseCliArgs(argv[0] === EXEC_ALIAS ? ["-p", ...argv.slice(1)] : argv);
      if (options.help) {
        const { HELP } = await import("./help.ts");
        process.stdout.write(HELP);
        code = EXIT_OK;
      } else if (options.version) {
        process.stdout.write(`${version}\n`);
        code = EXIT_OK;
      } else if (!options.print) {
        // The terminal UI loads only here: --version, -p and the subcommands never import it.
        if (!process.stdin.isTTY || !process.stdout.isTTY)
          throw new UsageError(notInteractive(options.prompt));
        const { runInteractive } = await import("./interactive/run-interactive.ts");
        code = await runInteractive(options, {
          version,
          env: process.env,
          stdin: process.stdin,
          stdout: process.stdout,
        });
      } else {
        const deps = { version, env: process.env, stdin: () => process.stdin };
        code =
          options.inputFormat === "stream-json"
            ? await (await import("./headless/run-stream.ts")).runStream(options, deps)
            : await (await import("./headless/run-print.ts")).runPrint(options, deps);
      }
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    writeError(`hearth: ${error.message}\nRun hearth --help for usage.\n`);
    code = EXIT_USAGE;
  }
  // Keep-alive sockets would hold the process open; exit once stdout has flushed.
  process.stdout.write("", () => process.exit(code));
}

/** The command a first word that looks like a command (not a prompt, not a flag) was meant to be, if any. */
function mistypedCommand(word: string | undefined): string | null {
  if (word === undefined || !/^[a-z][a-z-]*$/.test(word)) return null;
  return closestName(word, [...Object.keys(SUBCOMMANDS), EXEC_ALIAS, ACP]);
}
