/**
 * Entry point. `--version` and `--help` are answered here without loading anything else; every other path
 * loads the real CLI lazily.
 */
declare const __HEARTH_VERSION__: string;

const args = process.argv.slice(2);
const version = typeof __HEARTH_VERSION__ === "string" ? __HEARTH_VERSION__ : "0.0.0-dev";

if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(`${version}\n`);
} else if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
  const { HELP } = await import("./help.ts");
  process.stdout.write(HELP);
} else {
  // Node 22.1+ caches compiled code between runs; older Node simply does without.
  if (Number(process.versions.node.split(".")[0]) >= 22) {
    const nodeModule = (await import("node:module")) as { enableCompileCache?: () => unknown };
    nodeModule.enableCompileCache?.();
  }
  if (process.env.HEARTH_TRACE_STARTUP === "1")
    process.stderr.write(`hearth-trace ${performance.now().toFixed(1)} entry\n`);
  try {
    const { runCli } = await import("./run-cli.ts");
    await runCli(args, version);
  } catch (error) {
    // A bug, not an expected failure: one line, and the stack only when asked for.
    const detail = process.env.HEARTH_DEBUG ? (error as Error).stack : (error as Error).message;
    process.stderr.write(
      `hearth: internal error: ${detail} (set HEARTH_DEBUG=1 for details; please report it)\n`,
    );
    process.exit(1);
  }
}
