/**
 * What the command classifier knows about programs: which programs and subcommands only read, which edit the
 * workspace, which use the network, which are destructive, and the rules that need only a program's arguments
 * (subcommands, `kill`, shell builtins). Programs whose class depends on paths or on running other commands
 * (rm, cp, git, sudo, find, psql, ...) have handlers (command-classifier.ts lists them); git's own tables are in
 * git-tables.ts. Anything not named anywhere is "unknown".
 */

import { posix } from "node:path";
import type { CommandClass } from "../protocol/permissions.ts";
import { type Verdict, v } from "./classifier-kit.ts";
import { SHELL_STARTUP } from "./protected-paths.ts";
import { has, type ShellWord, splitArgs } from "./shell-parse.ts";

/** `record[key]` when `key` is the record's own: command names like `constructor` must not find Object's. */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Programs that only read files or print information, with no flag that writes or runs code. */
export const READ_ONLY = new Set([
  ...["ls", "dir", "vdir", "cat", "tac", "head", "tail", "wc", "nl", "file", "stat"],
  ...["grep", "egrep", "fgrep", "zgrep", "ag", "ack", "pwd", "echo", "printf", "which", "type", "whereis"],
  ...["du", "df", "diff", "cmp", "comm", "uniq", "cut", "tr", "paste", "join", "fold", "fmt", "column"],
  ...["expand", "unexpand", "rev", "od", "hexdump", "base32", "base64", "md5sum", "sha1sum", "sha224sum"],
  ...["sha256sum", "sha384sum", "sha512sum", "b2sum", "cksum", "sum", "jq", "gojq", "true", "false", ":"],
  ...["printenv", "whoami", "id", "groups", "uname", "uptime", "ps", "pgrep", "free", "basename", "dirname"],
  ...["realpath", "readlink", "seq", "sleep", "test", "[", "expr", "locale", "tput", "lsof", "nproc"],
  ...["getconf", "lscpu", "lsblk", "history", "shift", "read", "wait", "jobs", "exit", "return", "let"],
  ...["getopts", "set", "unset", "local", "declare", "typeset", "readonly", "export", "shopt", "umask"],
  ...["strings", "nm", "objdump", "readelf", "size", "help", "zcat", "bzcat", "xzcat"],
  ...["cal", "tty", "logname", "users", "who", "w", "arch", "lsb_release", "env", "clear", "bc"],
  ...["dc", "numfmt", "factor", "iconv", "sha1", "shasum", "md5", "diff3", "sdiff", "look", "ldconfig"],
  ...["hash", "times", "dirs", "caller", "fc", "disown", "sync", "yes", "cd", "pushd", "popd", "tree"],
  ...["sort", "awk", "gawk", "mawk", "nawk", "sed", "rg", "fd", "fdfind", "date", "hostname", "find"],
]);

/** Build, test, lint and format tools: they run the project's own code and write inside the workspace. */
export const BUILD_TOOLS = new Set([
  ...["make", "gmake", "cmake", "ninja", "meson", "tsc", "jest", "vitest", "mocha", "ava", "tap", "pytest"],
  ...["py.test", "tox", "nox", "mypy", "pyright", "ruff", "black", "isort", "flake8", "pylint", "eslint"],
  ...[
    "prettier",
    "biome",
    "oxlint",
    "esbuild",
    "rollup",
    "webpack",
    "vite",
    "turbo",
    "nx",
    "lerna",
    "gradle",
  ],
  ...["gradlew", "mvn", "mvnw", "ant", "sbt", "dotnet", "swift", "swiftc", "javac", "kotlinc", "gcc", "g++"],
  ...["cc", "c++", "clang", "clang++", "rustc", "rustfmt", "gofmt", "goimports", "golangci-lint", "bazel"],
  ...["zig", "deno", "ctest", "phpunit", "rspec", "rake", "bundle", "mix", "cabal", "stack", "dune", "patch"],
  ...["shellcheck", "shfmt", "stylelint", "tsx", "ts-node", "node-gyp", "cargo-clippy", "clippy-driver"],
]);

/** Programs whose job is talking to other machines. */
export const NETWORK = new Set([
  ...["curl", "wget", "ssh", "scp", "sftp", "ftp", "telnet", "nc", "ncat", "netcat", "socat", "ping"],
  ...["ping6", "traceroute", "tracepath", "mtr", "dig", "nslookup", "host", "whois", "http", "https", "xh"],
  ...["aria2c", "fetch", "lftp", "mosh", "gh", "glab", "hub", "aws", "gcloud", "az", "heroku", "vercel"],
  ...["netlify", "fly", "flyctl", "kubectl", "helm", "terraform", "ansible", "ansible-playbook", "nmap"],
  ...["rclone", "gsutil", "s3cmd", "openssl", "npx", "pnpx", "bunx", "pipx", "uvx"],
]);

/** Programs that download: piping their output into an interpreter runs code from the network. */
export const DOWNLOADERS = new Set(["curl", "wget", "fetch", "http", "https", "xh", "aria2c", "lftp"]);

/** Programs that erase disks, partitions or the machine's state, whatever their arguments. */
export const DESTRUCTIVE: Record<string, string> = {
  mkfs: "formats a filesystem",
  mke2fs: "formats a filesystem",
  mkswap: "formats a swap area",
  fdisk: "edits disk partitions",
  sfdisk: "edits disk partitions",
  cfdisk: "edits disk partitions",
  gdisk: "edits disk partitions",
  sgdisk: "edits disk partitions",
  parted: "edits disk partitions",
  wipefs: "erases filesystem signatures",
  blkdiscard: "discards every block of a device",
  shred: "shred destroys file contents",
  shutdown: "shuts the machine down",
  reboot: "reboots the machine",
  halt: "halts the machine",
  poweroff: "powers the machine off",
  killall: "killall kills every process with that name",
  pkill: "pkill kills every process that matches",
  crontab: "changes scheduled jobs",
  visudo: "edits sudo rules",
  passwd: "changes a password",
  useradd: "changes system users",
  userdel: "changes system users",
  usermod: "changes system users",
  iptables: "changes the firewall",
  nft: "changes the firewall",
  mount: "mounts filesystems",
  umount: "unmounts filesystems",
  chroot: "runs a command in another root",
  dropdb: "dropdb drops a database",
  dropuser: "dropuser drops a database role",
  insmod: "loads a kernel module",
  rmmod: "removes a kernel module",
  modprobe: "loads a kernel module",
};

/** Shells whose `-c` string we parse as bash. fish's syntax differs, so it is parsed but never below unknown. */
export const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "fish", "rbash"]);

/** Interpreters that run code read from stdin when given no script. */
export const INTERPRETERS = new Set([
  ...["python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "Rscript", "osascript"],
]);

/** Wrappers that run their operand as a command after their own options; value: options that take a value. */
export const WRAPPERS: Record<string, { valueOptions: string[]; leadingOperands?: number }> = {
  nice: { valueOptions: ["-n", "--adjustment"] },
  nohup: { valueOptions: [] },
  time: { valueOptions: ["-f", "--format", "-o", "--output"] },
  command: { valueOptions: [] },
  builtin: { valueOptions: [] },
  exec: { valueOptions: ["-a"] },
  stdbuf: { valueOptions: ["-i", "-o", "-e", "--input", "--output", "--error"] },
  ionice: { valueOptions: ["-c", "-n", "-p", "-P", "-u", "--class", "--classdata"] },
  timeout: { valueOptions: ["-s", "-k", "--signal", "--kill-after"], leadingOperands: 1 },
  taskset: { valueOptions: [], leadingOperands: 1 },
  chrt: { valueOptions: [], leadingOperands: 1 },
  unbuffer: { valueOptions: [] },
  caffeinate: { valueOptions: ["-t", "-w"] },
  doppler: { valueOptions: [] },
  busybox: { valueOptions: [] },
  coproc: { valueOptions: [] },
};

/** Directories that builds recreate: deleting them, even recursively, stays a workspace edit. */
export const BUILD_DIRS = new Set([
  ...[
    "node_modules",
    "dist",
    "build",
    "target",
    "out",
    ".cache",
    "coverage",
    ".nyc_output",
    ".next",
    ".nuxt",
  ],
  ...[".turbo", ".parcel-cache", ".svelte-kit", ".vite", ".angular", ".expo", "__pycache__", ".pytest_cache"],
  ...[".mypy_cache", ".ruff_cache", ".tox", ".nox", ".venv", "venv", ".gradle", "obj", "_build", ".eggs"],
  ...[
    "bazel-out",
    "bazel-bin",
    ".dart_tool",
    ".build",
    "zig-cache",
    "zig-out",
    ".stack-work",
    "dist-newstyle",
  ],
  ...["tmp", ".tmp", "storybook-static"],
]);

/** Shell start-up files (relative to home): writing one runs code in every future shell. */
export const RC_FILES = SHELL_STARTUP;

/** Temp directories: shared with every other program, so outside the workspace (a scratch folder in one is not). */
export const TEMP_DIRS = ["/tmp", "/var/tmp", "/private/tmp", "/dev/shm"];

/** Device files that are harmless to write. */
export const HARMLESS_DEVICES = new Set(["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero"]);

/** Environment variables that change which program runs or what it loads. */
export const RISKY_ENV = new Set([
  ...["PATH", "BASH_ENV", "ENV", "PROMPT_COMMAND", "IFS", "SHELLOPTS", "BASHOPTS", "PS4", "PAGER", "EDITOR"],
  ...["VISUAL", "MANPAGER", "LESSOPEN", "LESSCLOSE", "NODE_OPTIONS", "NODE_PATH", "PYTHONPATH", "PYTHONHOME"],
  ...[
    "PYTHONSTARTUP",
    "PERL5OPT",
    "PERL5LIB",
    "PERLLIB",
    "RUBYOPT",
    "RUBYLIB",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
  ],
  ...["BROWSER", "HOME", "ZDOTDIR", "XDG_CONFIG_HOME", "CDPATH", "GLOBIGNORE", "TERMINFO", "SHELL"],
]);
/** Risky variables whose value is a command line, classified as such. */
export const CODE_ENV = /COMMAND|PAGER|EDITOR|ASKPASS|BROWSER|^GIT_SSH$|^LESS(OPEN|CLOSE)$|EXTERNAL_DIFF/;
export const RISKY_ENV_PREFIXES = ["LD_", "DYLD_", "GIT_", "NPM_CONFIG_", "npm_config_", "BASH_FUNC_"];
export const SAFE_GIT_ENV = new Set([
  ...["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"],
  ...["GIT_COMMITTER_DATE", "GIT_TERMINAL_PROMPT", "GIT_PAGER_IN_USE", "GIT_TRACE", "GIT_FLUSH"],
]);

/** Option names (first wins) that carry an output file for otherwise read-only programs. */
export const OUTPUT_OPTIONS: Record<string, string[]> = {
  sort: ["-o", "--output"],
  tree: ["-o"],
  curl: ["-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar", "--trace", "--trace-ascii"],
  wget: ["-O", "--output-document", "-o", "--output-file", "-a", "--append-output"],
};

/** Options whose value is a command the program runs (for ssh-like `-o`, only `*Command=` settings). */
export const CODE_OPTIONS: Record<string, string[]> = {
  tar: [
    "-I",
    "--use-compress-program",
    "--to-command",
    "--checkpoint-action",
    "-F",
    "--info-script",
    "--rsh-command",
  ],
  sort: ["--compress-program"],
  rsync: ["-e", "--rsh", "--rsync-path"],
  ssh: ["-o"],
  scp: ["-S", "-o"],
  sftp: ["-S", "-o"],
  zip: ["-TT", "--unzip-command"],
  git: ["--upload-pack", "--receive-pack", "--exec"],
  mysql: ["--pager"],
  mariadb: ["--pager"],
};

/** Value-taking options, to tell option values from operands. */
export const VALUE_OPTIONS: Record<string, string[]> = {
  git: [
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--exec-path",
    "--config-env",
    "--super-prefix",
  ],
  sudo: ["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-T", "-U", "--user", "--group", "--chdir"],
  env: ["-u", "--unset", "-C", "--chdir", "-S", "--split-string", "-P"],
  xargs: ["-I", "-L", "-n", "-P", "-d", "-E", "-s", "-a", "--arg-file", "--delimiter", "--max-args"],
  sed: ["-e", "--expression", "-f", "--file", "-l", "--line-length"],
  awk: ["-f", "--file", "-v", "--assign", "-F", "--field-separator", "-i", "--include", "-l", "--load"],
  perl: ["-e", "-E", "-I", "-M", "-m", "-x", "-0", "-l"],
  cp: ["-t", "--target-directory", "-S", "--suffix"],
  mv: ["-t", "--target-directory", "-S", "--suffix"],
  ln: ["-t", "--target-directory", "-S", "--suffix"],
  install: ["-t", "--target-directory", "-m", "--mode", "-o", "--owner", "-g", "--group", "-S", "--suffix"],
  truncate: ["-s", "--size", "-r", "--reference"],
  mkdir: ["-m", "--mode", "--context"],
  touch: ["-d", "--date", "-r", "--reference", "-t"],
  chmod: ["--reference"],
  chown: ["--reference", "--from"],
  setfacl: [
    "-m",
    "--modify",
    "-M",
    "--modify-file",
    "-x",
    "--remove",
    "-X",
    "--remove-file",
    "--set",
    "--set-file",
  ],
  chattr: ["-v", "-p"],
  tar: ["-f", "--file", "-C", "--directory", "-T", "--files-from", "-X", "--exclude-from", "-b", "-I"],
  unzip: ["-d", "-x"],
  rsync: ["-e", "--rsh", "--exclude", "--include", "--exclude-from", "--include-from", "--filter", "-f"],
  kill: ["-s", "-n", "--signal"],
  python: ["-m", "-c", "-W", "-X"],
  node: ["-e", "--eval", "-p", "--print", "-r", "--require", "--import", "--loader", "-C", "--conditions"],
};

/** Archivers and compressors, with the options that make them only list or write to stdout. */
const COMPRESSOR_READS = ["-c", "--stdout", "-l", "--list", "-t", "--test"];
export const ARCHIVE_READS: Record<string, string[]> = {
  tar: ["-t", "--list", "-O", "--to-stdout"],
  unzip: ["-l", "-t", "-v", "-Z", "-p", "-c"],
  zip: [],
  ...Object.fromEntries(
    ["gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "zstd", "unzstd", "lz4"].map((n) => [
      n,
      COMPRESSOR_READS,
    ]),
  ),
};

/** Whether a sed script uses `e`, `w`, `W` commands or the `e`/`w` flags of `s`. */
export function sedRunsOrWrites(script: string): boolean {
  for (const raw of script.split(/[;\n]/)) {
    const cmd = raw.replace(/^[\s{}]*(?:(?:\d+|\$|\/(?:[^/\\]|\\.)*\/)[\s,~!+\d]*)*[\s!{]*/, "");
    if (/^[ewW]/.test(cmd)) return true;
    const s = /^s(.)/.exec(cmd);
    if (!s) continue;
    const d = s[1];
    let parts = 0;
    let i = 2;
    for (; i < cmd.length && parts < 2; i++) {
      if (cmd[i] === "\\") i++;
      else if (cmd[i] === d) parts++;
    }
    if (/[ew]/.test(cmd.slice(i))) return true;
  }
  return false;
}

/**
 * Programs driven by a subcommand (`cargo build`, `docker ps`, `npm test`). `subs` maps a subcommand to its
 * class, or to a class and reason (`a:b` for `a b`, as in `docker system prune`); `fallback` is the class of subcommands not listed (a package script for
 * yarn and pnpm); `none` the class with no subcommand; `valueOptions` the options before the subcommand that
 * take a value. `global`: a `-g`/`--global` install writes outside the workspace.
 */
export type SubcommandRule = {
  subs: Record<string, CommandClass | [CommandClass, string]>;
  fallback: CommandClass | [CommandClass, string];
  none?: CommandClass;
  valueOptions?: string[];
  global?: boolean;
};

function subs(...groups: [CommandClass | [CommandClass, string], string][]): SubcommandRule["subs"] {
  const out: SubcommandRule["subs"] = {};
  for (const [cls, names] of groups) for (const name of names.split(" ")) out[name] = cls;
  return out;
}

const GLOBAL_INSTALL: [CommandClass, string] = ["destructive", "installs outside the workspace"];
const NPM_LIKE = [
  ["read-only", "ls list ll la root prefix bin help explain why query fund help-search get"],
  [
    "workspace",
    "install i in add ci clean-install install-clean ic install-test it uninstall remove rm r un",
  ],
  ["workspace", "update up upgrade test tst t run run-script start stop restart build rebuild rb dedupe"],
  ["workspace", "prune pack init pkg lint format typecheck dev check patch import shrinkwrap version"],
  ["network", "publish view v info show search s audit outdated ping login logout adduser whoami owner"],
  ["network", "access dist-tag deprecate token team org star unstar repo docs bugs home doctor sbom"],
  [["network", "runs a package that may be downloaded"], "exec x dlx create"],
  [["destructive", "unpublish removes a published package"], "unpublish"],
  [["unknown", "changes npm settings outside the workspace"], "config c set link ln cache"],
] satisfies [CommandClass | [CommandClass, string], string][];
const PACKAGER: SubcommandRule = {
  subs: subs(
    [
      "read-only",
      "list search show info policy depends rdepends madison leaves deps uses desc home -l -L -s -Q",
    ],
    ["read-only", "-Qi -Ql -Qs -Ss -Si --list --status query"],
    ["network", "update -Sy"],
  ),
  fallback: ["destructive", "changes system packages"],
};
const PIP: SubcommandRule = {
  subs: subs(
    ["read-only", "list show freeze check help inspect debug"],
    [["network", "downloads and installs Python packages"], "install download wheel index"],
  ),
  fallback: "unknown",
};
const DOCKER: SubcommandRule = {
  subs: subs(
    ["read-only", "ps images inspect logs version info top stats history port diff events"],
    ["network", "pull push login logout search"],
    [
      ["destructive", "deletes containers, images or volumes"],
      "rmi system:prune image:prune container:prune volume:prune volume:rm builder:prune network:prune",
    ],
  ),
  fallback: "unknown",
  valueOptions: ["-H", "--host", "--context", "-c", "--config", "-l", "--log-level"],
};

export const SUBCOMMANDS: Record<string, SubcommandRule> = {
  npm: {
    subs: subs(...NPM_LIKE),
    fallback: "unknown",
    none: "read-only",
    global: true,
    valueOptions: ["-C", "--prefix", "-w", "--workspace"],
  },
  pnpm: {
    subs: subs(...NPM_LIKE),
    fallback: "workspace",
    none: "read-only",
    global: true,
    valueOptions: ["-C", "--dir", "-F", "--filter"],
  },
  yarn: {
    subs: subs(...NPM_LIKE, [GLOBAL_INSTALL, "global"]),
    fallback: "workspace",
    none: "workspace",
    valueOptions: ["--cwd"],
  },
  bun: {
    subs: subs(...NPM_LIKE, ["unknown", "link"], ["workspace", "bun"]),
    fallback: "unknown",
    none: "read-only",
    global: true,
  },
  cargo: {
    subs: subs(
      [
        "workspace",
        "build b check c test t bench run r clippy fmt doc clean new init add remove rm update fix",
      ],
      ["workspace", "vendor package generate-lockfile"],
      ["read-only", "tree metadata version locate-project read-manifest pkgid verify-project help"],
      ["network", "fetch search publish login logout owner yank"],
      [GLOBAL_INSTALL, "install uninstall"],
    ),
    fallback: "unknown",
    valueOptions: ["--color", "-Z", "--config"],
  },
  go: {
    subs: subs(
      ["workspace", "build test vet fmt run generate mod work clean fix tool"],
      ["read-only", "version env list doc help"],
      ["network", "get"],
      [GLOBAL_INSTALL, "install"],
    ),
    fallback: "unknown",
  },
  pip: PIP,
  pip3: PIP,
  uv: {
    subs: subs(
      ["workspace", "run sync lock add remove init build venv export tree"],
      ["network", "pip publish"],
      [GLOBAL_INSTALL, "tool"],
    ),
    fallback: "unknown",
  },
  poetry: {
    subs: subs(
      ["workspace", "install add remove update lock run build init new check"],
      ["read-only", "show env version"],
      ["network", "publish"],
    ),
    fallback: "unknown",
  },
  docker: DOCKER,
  podman: DOCKER,
  kubectl: {
    subs: subs([["destructive", "deletes cluster resources"], "delete drain"]),
    fallback: "network",
  },
  helm: { subs: subs([["destructive", "removes a release"], "uninstall delete"]), fallback: "network" },
  terraform: {
    subs: subs(["workspace", "fmt validate init"], [["destructive", "destroys infrastructure"], "destroy"]),
    fallback: "network",
  },
  systemctl: {
    subs: subs(
      ["read-only", "status show cat help list-units list-unit-files list-timers list-sockets is-active"],
      ["read-only", "is-enabled is-failed is-system-running"],
      [
        ["destructive", "stops or restarts the machine"],
        "reboot poweroff halt kexec suspend hibernate rescue",
      ],
      [["destructive", "stops or restarts the machine"], "emergency isolate"],
    ),
    fallback: "unknown",
  },
  apt: PACKAGER,
  "apt-get": PACKAGER,
  aptitude: PACKAGER,
  dpkg: PACKAGER,
  dnf: PACKAGER,
  yum: PACKAGER,
  zypper: PACKAGER,
  pacman: PACKAGER,
  apk: PACKAGER,
  brew: PACKAGER,
  port: PACKAGER,
  snap: PACKAGER,
  flatpak: PACKAGER,
};

/** Programs that pass a download through, so that what comes out is still a download. */
export const PASS_THROUGH = new Set([
  ...["tee", "cat", "gunzip", "zcat", "gzip", "bunzip2", "xz", "base64", "tr", "sed", "head", "tail", "dd"],
]);

/** `python -m` modules that build, test or check the project. */
export const PYTHON_TOOLS = new Set([
  ...["pytest", "unittest", "mypy", "black", "ruff", "isort", "flake8", "pylint", "coverage", "build", "tox"],
  ...["nox", "compileall", "py_compile", "doctest"],
]);

/** Value-taking options of downloaders that are not output files. */
export const DOWNLOAD_VALUES = [
  ...["-d", "--data", "-H", "--header", "-X", "--request", "-u", "--user", "-A", "-e", "-b", "-F", "-T"],
  ...["-x", "-w", "-m", "-K", "-U", "-t"],
];

/** Whether setting this environment variable changes which program runs or what it loads. */
export function riskyEnv(name: string): boolean {
  if (RISKY_ENV.has(name)) return true;
  return RISKY_ENV_PREFIXES.some((p) => name.startsWith(p)) && !SAFE_GIT_ENV.has(name);
}

// ---- rules that need only the arguments ----------------------------------------------------------------

/** A program driven by a subcommand, from SUBCOMMANDS. */
export function subcommandRule(name: string, args: ShellWord[]): Verdict {
  const rule = own(SUBCOMMANDS, name) ?? { subs: {}, fallback: "unknown" };
  const { opts, operands } = splitArgs(args, rule.valueOptions ?? [], true);
  const sub = operands[0]?.value ?? (operands[0] ? undefined : opts[0]?.name);
  if (operands[0] && sub === undefined)
    return v("unknown", `${name} with a subcommand known only at run time`);
  if (sub === undefined) return v(rule.none ?? "unknown", `${name} without a subcommand`);
  const entry =
    own(rule.subs, `${sub}:${operands[1]?.value}`) ??
    own(rule.subs, sub) ??
    own(rule.subs, opts[0]?.name ?? "");
  const found = entry ?? rule.fallback;
  const [cls, reason] = Array.isArray(found) ? found : [found, undefined];
  const what = `${name} ${sub}`;
  const global = rule.global && args.some((w) => /^(-g|--global|--location=global)$/.test(w.value ?? ""));
  if (global && cls === "workspace") return v("destructive", `${what} -g installs outside the workspace`);
  if ((sub === "run" || sub === "run-script") && operands.length === 1)
    return v("read-only", `${what} lists scripts`);
  if (sub === "version" && operands.length === 1) return v("read-only", `${what} prints versions`);
  return v(cls, reason ? `${what} ${reason}` : `${what}: ${DESCRIBE[cls]}`);
}
const DESCRIBE: Record<CommandClass, string> = {
  "read-only": "only reads",
  workspace: "changes the workspace",
  unknown: "not known to be safe",
  network: "uses the network",
  destructive: "destructive",
};

export function killRule(name: string, args: ShellWord[]): Verdict {
  if (args.some((w) => w.value === "-l" || w.value === "-L"))
    return v("read-only", `${name} -l lists signals`);
  const first = args[0]?.value ?? "";
  const skip = /^(-s|-n|--signal)$/.test(first) ? 2 : /^-\w+$/.test(first) ? 1 : 0;
  const targets = args.slice(args.length > skip ? skip : 0).filter((w) => w.value !== "--");
  if (targets.some((w) => w.value === "-1"))
    return v("destructive", `${name} -1 signals every process you own`);
  return v("unknown", `${name} sends a signal to processes`);
}

/** Builtins that set shell state; a few can change what later commands run. */
export function shellStateRule(name: string, args: ShellWord[]): Verdict {
  const { opts, operands } = splitArgs(args, ["-f"]);
  if (name === "date" && (has(opts, "-s", "--set") || operands.some((w) => !w.value?.startsWith("+")))) {
    return v("unknown", "date sets the clock");
  }
  if (name === "hostname" && (operands.length > 0 || has(opts, "-F", "--file"))) {
    return v("unknown", "hostname renames the machine");
  }
  const assigns = operands.filter((w) => w.value === undefined || w.value.includes("="));
  if (name === "alias" && assigns.length > 0) return v("unknown", "alias redefines a command");
  const risky = assigns.map((w) => (w.value ?? w.raw).split("=")[0]).find(riskyEnv);
  if (risky) return v("unknown", `${name} ${risky} changes what later commands run`);
  return v("read-only", `${name} only sets shell state`);
}

/** Whether any substitution in the word runs a downloader (`"$(curl ...)"`, `<(wget ...)`). */
export function downloads(word: ShellWord): boolean {
  return word.substitutions.some((s) =>
    s.statements.some(({ stages }) =>
      stages.some((st) => st.kind === "simple" && DOWNLOADERS.has(posix.basename(st.words[0]?.value ?? ""))),
    ),
  );
}

/** Skips wrapper words (sudo, env, nice, ...) to find the program a stage runs, for pipe analysis. */
export function unwrapForOutput(words: ShellWord[]): ShellWord[] {
  let rest = words;
  while (rest.length > 0) {
    const name = rest[0].value ?? "";
    if (!own(WRAPPERS, name) && name !== "sudo" && name !== "env" && name !== "doas") return rest;
    const i = rest.findIndex((w, j) => j > 0 && w.value !== undefined && !/^-|=/.test(w.value));
    if (i < 0) return [];
    rest = rest.slice(i);
  }
  return rest;
}
