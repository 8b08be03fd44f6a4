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
  const nodeModule = (await import("node:module")) as { enableCompileCache?: () => unknown };
  nodeModule.enableCompileCache?.();
  const { runCli } = await import("./run-cli.ts");
  await runCli(args, version);
}
