// Builds dist/:
// - dist/cli.cjs: the entry, a few lines of CommonJS that answer --version and --help without starting the ES
//   module loader (as fast as bare `node -e 0`) and otherwise import dist/run-cli.mjs;
// - dist/run-cli.mjs and dist/chunks/: the CLI, split so that each provider adapter and each mode loads only
//   when a run needs it.
// dist/cli.cjs is package.json's bin: it is made executable, so that a rebuild (npm test builds too) keeps a
// globally installed `hearth` (a link to it after `npm install -g .`) runnable.
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  // Prefer ES module builds (jsonc-parser's "main" is a UMD file esbuild cannot bundle).
  mainFields: ["module", "main"],
  define: { __HEARTH_VERSION__: JSON.stringify(pkg.version) },
  legalComments: "none",
  logLevel: "warning",
};
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { "run-cli": "src/cli/run-cli.ts" },
  // The MCP SDK loads from node_modules, and only when an MCP server is configured (its stdio transport
  // requires node built-ins through CommonJS, which an ES module bundle cannot).
  external: ["@modelcontextprotocol/client", "@modelcontextprotocol/client/*"],
  outdir: "dist",
  splitting: true,
  format: "esm",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
});
await build({
  ...common,
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  format: "cjs",
  outExtension: { ".js": ".cjs" },
  banner: { js: "#!/usr/bin/env node" },
});
chmodSync(new URL("../dist/cli.cjs", import.meta.url), 0o755);
