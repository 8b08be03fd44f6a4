/**
 * `hearth engine install|status|rm`: the embedded GGUF engine (node-llama-cpp) lives outside hearth's own install,
 * in `<data dir>/engine` (HEARTH_ENGINE_DIR overrides), so the default install stays small. `install` runs npm
 * with the optional packages left out plus the one prebuilt binary this machine needs (CPU, or CUDA/Vulkan when
 * asked or an NVIDIA driver is found), and shows npm's downloads as they happen. Install scripts are not run: the
 * prebuilt binaries need none (node-llama-cpp's postinstall would only build from source when no binary fits).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { findExecutable } from "../policy/find-executable.ts";
import { formatBytes } from "../protocol/byte-size.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../protocol/errors.ts";
import {
  binaryPackages,
  ENGINE_PACKAGE,
  ENGINE_VERSION,
  engineDir,
  firstLine,
  installedEngineVersion,
  loadEngine,
} from "../providers/embedded-engine.ts";
import { parseSubcommand, type SubcommandIo, type SubcommandOutput, subcommandOutput } from "./subcommand.ts";

const USAGE = `Usage: hearth engine install [--gpu auto|cpu|cuda|vulkan]   install the embedded engine for --model local/<file>
       hearth engine status                                  where it is, its version, whether it loads
       hearth engine rm                                      remove it
The engine (node-llama-cpp ${ENGINE_VERSION}) comes from the npm registry: about 85 MB for the CPU build; the CUDA
build adds about 540 MB, Vulkan about 70 MB. It is installed in $XDG_DATA_HOME/hearth/engine, or HEARTH_ENGINE_DIR.
`;

type GpuChoice = "auto" | "cpu" | "cuda" | "vulkan";

export type EngineDeps = SubcommandIo & {
  /** Whether stderr is a terminal (progress redraws one line). */
  tty?: boolean;
  platform?: NodeJS.Platform;
  arch?: string;
};

export async function runEngine(
  args: string[],
  env: NodeJS.ProcessEnv,
  deps: EngineDeps = {},
): Promise<number> {
  const output = subcommandOutput(deps);
  const parsed = parseSubcommand<{ gpu?: string }>(args, { gpu: { type: "string" } }, USAGE, output);
  if ("exit" in parsed) return parsed.exit;
  const [action, ...rest] = parsed.positionals;
  if (rest.length > 0) return output.fail(`unexpected argument "${rest[0]}"\n${USAGE}`, EXIT_USAGE);
  const dir = engineDir(env);
  switch (action) {
    case "install": {
      const gpu = parsed.values.gpu ?? "auto";
      if (!["auto", "cpu", "cuda", "vulkan"].includes(gpu))
        return output.fail(`--gpu must be one of auto, cpu, cuda, vulkan (got "${gpu}")`, EXIT_USAGE);
      return install(dir, gpu as GpuChoice, env, deps, output);
    }
    case "status":
      return status(dir, output);
    case "rm":
      return remove(dir, output);
    case undefined:
      output.out(USAGE);
      return EXIT_USAGE;
    default:
      return output.fail(`unknown engine action "${action}"\n${USAGE}`, EXIT_USAGE);
  }
}

async function install(
  dir: string,
  choice: GpuChoice,
  env: NodeJS.ProcessEnv,
  deps: EngineDeps,
  output: SubcommandOutput,
): Promise<number> {
  const platform = deps.platform ?? process.platform;
  const arch = deps.arch ?? process.arch;
  let gpu: "none" | "cuda" | "vulkan" = choice === "cpu" || choice === "auto" ? "none" : choice;
  if (choice === "auto" && hasNvidiaGpu(platform, env)) gpu = "cuda";
  const binaries = binaryPackages(platform, arch, gpu);
  if (!binaries) {
    return output.fail(
      `node-llama-cpp has no prebuilt engine for ${platform}-${arch}; use a model server instead (Ollama, llama.cpp's llama-server)`,
    );
  }
  if (choice === "auto") {
    output.err(
      gpu === "cuda"
        ? "hearth: NVIDIA GPU found: installing the CUDA build too (about 540 MB more; --gpu cpu to skip it)\n"
        : "hearth: installing the CPU build (for a GPU: hearth engine install --gpu cuda or --gpu vulkan)\n",
    );
  }
  mkdirSync(dir, { recursive: true });
  const packages = [`${ENGINE_PACKAGE}@${ENGINE_VERSION}`, ...binaries];
  output.err(`hearth: npm install ${packages.join(" ")}\nhearth: into ${dir}\n`);
  const started = Date.now();
  const result = await runNpm(
    [
      "install",
      "--prefix",
      dir,
      "--no-save",
      "--omit=optional",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--loglevel=http",
      ...packages,
    ],
    env,
    dir,
    output,
    deps.tty ?? process.stderr.isTTY === true,
  );
  if (result.error) return output.fail(result.error);
  if (result.code !== 0)
    return output.fail(
      `npm install failed (exit ${result.code}); see npm's output above (is the npm registry reachable?)`,
    );
  const version = installedEngineVersion(dir);
  if (!version)
    return output.fail(`npm finished but ${ENGINE_PACKAGE} is not in ${dir}/node_modules; run it again`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  output.say(
    `installed ${ENGINE_PACKAGE} ${version} in ${dir} (${formatBytes(directorySize(dir))}, ${seconds} s)`,
  );
  return (await checkLoads(dir, output)) ? EXIT_OK : EXIT_FAILED;
}

/** An NVIDIA driver is loaded (Linux) or its tool is on PATH (Windows). */
function hasNvidiaGpu(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  if (platform === "linux") return existsSync("/proc/driver/nvidia/version");
  if (platform === "win32") return findExecutable("nvidia-smi.exe", env.PATH ?? env.Path) !== null;
  return false;
}

type NpmResult = { code: number | null; error?: string };

/**
 * Runs npm, passing its output on to stderr. Downloads (npm's `http fetch` lines for package tarballs) become one
 * line redrawn in place on a terminal, a line each elsewhere.
 */
function runNpm(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  output: SubcommandOutput,
  tty: boolean,
): Promise<NpmResult> {
  return new Promise((resolve) => {
    const windows = process.platform === "win32";
    const child = spawn(windows ? "npm.cmd" : "npm", args, {
      cwd,
      env,
      shell: windows,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let fetched = 0;
    let redrawn = false;
    const endRedraw = () => {
      if (redrawn) output.err("\n");
      redrawn = false;
    };
    const onLine = (line: string) => {
      // "npm http fetch GET 200 <url>/-/<file>.tgz 350ms (cache miss)" or "npm http cache <spec>@<url>.tgz 0ms".
      const tarball = /^npm http (?:fetch GET \d+|cache) \S*\/-\/(\S+\.tgz)\s+\S+(.*)$/.exec(line);
      if (tarball) {
        fetched++;
        const cached = /cache hit/.test(tarball[2]) ? " (npm cache)" : "";
        const text = `  package ${fetched}: ${tarball[1]}${cached}`;
        if (tty) {
          output.err(`\r\x1b[2K${text}`);
          redrawn = true;
        } else output.err(`${text}\n`);
        return;
      }
      if (/^npm http /.test(line) || !line.trim()) return; // registry metadata requests: not shown
      endRedraw();
      output.err(`  ${line}\n`);
    };
    lines(child.stdout, onLine);
    lines(child.stderr, onLine);
    child.on("error", (error: NodeJS.ErrnoException) => {
      endRedraw();
      resolve({
        code: null,
        error:
          error.code === "ENOENT"
            ? `npm is not on PATH; install Node.js with npm, or run npm install ${ENGINE_PACKAGE}@${ENGINE_VERSION} --prefix ${cwd} yourself`
            : `cannot run npm: ${error.message}`,
      });
    });
    child.on("close", (code) => {
      endRedraw();
      resolve({ code });
    });
  });
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    const parts = pending.split(/\r?\n/);
    pending = parts.pop() ?? "";
    for (const part of parts) onLine(part);
  });
  stream.on("end", () => {
    if (pending) onLine(pending);
  });
}

async function status(dir: string, output: SubcommandOutput): Promise<number> {
  const version = installedEngineVersion(dir);
  if (!version) {
    output.say(`embedded engine: not installed (looked in ${dir})`);
    output.say("install it with: hearth engine install (about 85 MB from the npm registry)");
    return EXIT_FAILED;
  }
  output.say(`embedded engine: ${ENGINE_PACKAGE} ${version} in ${dir} (${formatBytes(directorySize(dir))})`);
  if (version !== ENGINE_VERSION)
    output.say(`hearth is tested with ${ENGINE_VERSION}; run hearth engine install to switch to it`);
  const binaries = installedBinaries(dir);
  output.say(`builds: ${binaries.length > 0 ? binaries.join(", ") : "none (run hearth engine install)"}`);
  return (await checkLoads(dir, output)) ? EXIT_OK : EXIT_FAILED;
}

/** Loads the engine and its native build in this process; says which backend it picked. */
async function checkLoads(dir: string, output: SubcommandOutput): Promise<boolean> {
  const started = Date.now();
  try {
    const engine = await loadEngine(dir);
    const llama = await engine.getLlama({
      gpu: "auto",
      build: "never",
      logLevel: "error",
      progressLogs: false,
      skipDownload: true,
    });
    const backend = llama.gpu === false ? "CPU" : `GPU (${llama.gpu})`;
    output.say(`loads: yes, on the ${backend}, in ${Date.now() - started} ms`);
    return true;
  } catch (error) {
    output.say(`loads: no (${firstLine(error)})`);
    output.err("hearth: the embedded engine does not load; run hearth engine install to reinstall it\n");
    return false;
  }
}

function installedBinaries(dir: string): string[] {
  try {
    return readdirSync(join(dir, "node_modules", "@node-llama-cpp")).filter((name) => !name.startsWith("."));
  } catch {
    return [];
  }
}

function remove(dir: string, output: SubcommandOutput): number {
  if (!existsSync(join(dir, "node_modules", ENGINE_PACKAGE))) {
    output.say(`nothing to remove: no embedded engine in ${dir}`);
    return EXIT_OK;
  }
  const size = directorySize(dir);
  // Only what npm put there: HEARTH_ENGINE_DIR might point at a directory that holds other things too.
  for (const name of ["node_modules", "package.json", "package-lock.json"])
    rmSync(join(dir, name), { recursive: true, force: true });
  try {
    rmdirSync(dir);
  } catch {
    // not empty: something else lives there
  }
  output.say(`removed the embedded engine from ${dir} (${formatBytes(size)} freed)`);
  return EXIT_OK;
}

/** Bytes of the files under `dir` (symlinks not followed). */
function directorySize(dir: string): number {
  let total = 0;
  const walk = (path: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) total += statSync(child).size;
    }
  };
  walk(dir);
  return total;
}
