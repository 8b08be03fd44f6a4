/**
 * Entry point, built as a small CommonJS file (dist/cli.cjs) so that `--version` and `--help` start as fast as
 * bare node: no ES module loader, nothing else loaded. Every other path imports the real CLI (dist/run-cli.mjs).
 */
declare const __HEARTH_VERSION__: string;

/** The rest of the CLI: an ES module beside this file in dist/. */
const RUN_CLI_MODULE = "./run-cli.mjs";

type RunCliModule = { runCli(argv: string[], version: string): Promise<void> };

async function main(args: string[], version: string): Promise<void> {
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
    process.stdout.write(`${version}\n`);
    return;
  }
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    const { HELP } = await import("./help.ts");
    process.stdout.write(HELP);
    return;
  }
  // Node 22.1+ caches compiled code between runs; older Node simply does without.
  if (Number(process.versions.node.split(".")[0]) >= 22) {
    const nodeModule = (await import("node:module")) as { enableCompileCache?: () => unknown };
    nodeModule.enableCompileCache?.();
  }
  if (process.env.HEARTH_TRACE_STARTUP === "1")
    process.stderr.write(`hearth-trace ${performance.now().toFixed(1)} entry\n`);
  try {
    const { runCli } = (await import(RUN_CLI_MODULE)) as RunCliModule;
    await runCli(args, version);
  } catch (error) {
    // A bug, not an expected failure: one line, and the stack only when asked for.
    const detail = process.env.HEARTH_DEBUG ? (error as Error).stack : (error as Error).message;
    const line = `hearth: internal error: ${detail} (set HEARTH_DEBUG=1 for details; please report it)\n`;
    try {
      // The redactor the CLI writes through (run-cli re-exports it).
      const { writeError } = (await import(RUN_CLI_MODULE)) as { writeError(text: string): void };
      writeError(line);
    } catch {
      process.stderr.write(line.replace(/(sk-|key=|token=)\S+/gi, "$1[REDACTED]"));
    }
    process.exit(1);
  }
}

void main(process.argv.slice(2), typeof __HEARTH_VERSION__ === "string" ? __HEARTH_VERSION__ : "0.0.0-dev");
