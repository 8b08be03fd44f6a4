/**
 * The classifier's handlers for database clients: SQL clients (psql, mysql, sqlite3, duckdb, sqlcmd, cqlsh),
 * redis-cli and the MongoDB shells. What a client runs is read wherever it comes from (an option, an operand,
 * a heredoc, a pipe, a `<` redirection, a file named by `-f`, files included from those) and inspected:
 * statements that destroy data are destructive (sql-statements.ts for SQL). Whatever cannot be read (a file
 * that is missing or too large, a statement known only at run time) leaves the command at least unknown; a
 * client never gets below unknown, since it changes a database outside the workspace.
 */
import { type ClassifierApi, type Env, type Io, show, type Verdict, v, worst } from "./classifier-kit.ts";
import * as T from "./command-tables.ts";
import { has, literal, type Opt, optValues, type ShellWord, splitArgs } from "./shell-parse.ts";
import { inspectSql, type SqlFindings } from "./sql-statements.ts";

type SqlClient = {
  /** Options whose value is statements. */
  sql: string[];
  /** Options whose value is a file of statements. */
  files: string[];
  /** Options whose value is a file the client writes. */
  outputs: string[];
  /** Other options that take a value. */
  values: string[];
  /** Operands after the database are statements (sqlite3, duckdb). */
  operandSql?: boolean;
  /** Options are single-dash words (`-cmd`), never clusters of letters. */
  wordOptions?: boolean;
};

const MYSQL: SqlClient = {
  sql: ["-e", "--execute", "--init-command"],
  files: [],
  outputs: ["--tee"],
  values: ["-D", "--database", "-h", "--host", "-P", "--port", "-u", "--user", "-S", "--socket"],
};
const SQLITE: SqlClient = {
  sql: ["-cmd"],
  files: ["-init"],
  outputs: [],
  values: ["-separator", "-newline", "-nullvalue", "-vfs", "-maxsize", "-mmap"],
  operandSql: true,
  wordOptions: true,
};
const SQL_CLIENTS: Record<string, SqlClient> = {
  psql: {
    sql: ["-c", "--command"],
    files: ["-f", "--file"],
    outputs: ["-o", "--output", "-L", "--log-file"],
    values: [
      ...["-d", "--dbname", "-h", "--host", "-p", "--port", "-U", "--username", "-v", "--set", "--variable"],
      ...["-P", "--pset", "-F", "--field-separator", "-R", "--record-separator", "-T", "--table-attr"],
    ],
  },
  mysql: MYSQL,
  mariadb: MYSQL,
  sqlite3: SQLITE,
  sqlite: SQLITE,
  duckdb: { ...SQLITE, sql: ["-c", "-s", "-cmd"], files: ["-init", "-f"] },
  sqlcmd: {
    sql: ["-Q", "-q"],
    files: ["-i"],
    outputs: ["-o"],
    values: ["-S", "-d", "-U", "-P", "-s", "-w", "-h", "-l", "-t", "-H", "-v"],
  },
  cqlsh: {
    sql: ["-e", "--execute"],
    files: ["-f", "--file"],
    outputs: [],
    values: ["-u", "--username", "-p", "--password", "-k", "--keyspace", "--cqlshrc", "--encoding"],
  },
};

/** Reads a client's statements into findings; `files` are the files they include, read the same way. */
type Inspector = (text: string) => SqlFindings;
const MAX_INCLUDES = 4;

/**
 * Checks statements, and the files they include, with the client's inspector. `word` is where the text came
 * from when it is a shell word (a download or a run-time value in it matters).
 */
function statements(
  this: ClassifierApi,
  name: string,
  inspect: Inspector,
  env: Env,
  source: { text: string; word?: ShellWord },
  depth = 0,
): Verdict {
  const verdicts: Verdict[] = [];
  if (source.word && T.downloads(source.word)) return v("destructive", `${name} runs downloaded statements`);
  if (source.word && source.word.value === undefined) {
    verdicts.push(v("unknown", `${name} runs statements known only at run time`));
  }
  const found = inspect(source.text);
  for (const what of found.destructive) verdicts.push(v("destructive", `${name} runs ${what}`));
  for (const what of found.unknown) verdicts.push(v("unknown", `${name}: ${what}`));
  for (const command of found.shell) {
    this.allowRuleUnsafe(`${name} runs a shell command`);
    verdicts.push(worst(v("unknown", `${name} runs a shell command`), this.source(command, env, name)));
  }
  for (const file of found.outputs) {
    this.allowRuleUnsafe(`${name} writes ${file}`);
    verdicts.push(this.write(literal(file), env, "overwrite", `${name} writes`));
  }
  for (const file of found.includes) {
    if (depth >= MAX_INCLUDES) verdicts.push(v("unknown", `${name} includes files too deeply to check`));
    else verdicts.push(fromFile.call(this, name, inspect, env, literal(file), depth + 1));
  }
  return worst(...verdicts);
}

/** Statements from a file the client reads: inspected when readable, else unknown. */
function fromFile(
  this: ClassifierApi,
  name: string,
  inspect: Inspector,
  env: Env,
  file: ShellWord,
  depth = 0,
): Verdict {
  if (T.downloads(file)) return v("destructive", `${name} runs downloaded statements`);
  const read = this.readText(file, env.cwd);
  if ("unreadable" in read) return v("unknown", `${name} runs ${show(file)}, which ${read.unreadable}`);
  return statements.call(this, name, inspect, env, { text: read.text }, depth);
}

/** Statements fed on stdin: a heredoc or herestring, a pipe, or a `<` file. Undefined for none (a terminal). */
function fromStdin(
  this: ClassifierApi,
  name: string,
  inspect: Inspector,
  env: Env,
  io: Io,
): Verdict | undefined {
  if (io.input) return statements.call(this, name, inspect, env, { text: show(io.input), word: io.input });
  const stdin = io.stdin;
  if (!stdin) return undefined;
  if (stdin.kind === "download") return v("destructive", `${name} runs downloaded statements`);
  if (stdin.kind === "text") return statements.call(this, name, inspect, env, { text: stdin.text });
  if (stdin.kind === "file") return fromFile.call(this, name, inspect, { cwd: stdin.cwd }, stdin.word);
  return v("unknown", `${name} runs statements from its input`);
}

/** All of a client's statement sources, each checked; an interactive session when there are none. */
function runAll(
  this: ClassifierApi,
  name: string,
  inspect: Inspector,
  env: Env,
  io: Io,
  sources: { texts: ShellWord[]; files: ShellWord[] },
): Verdict {
  const verdicts = [
    ...sources.texts.map((w) => statements.call(this, name, inspect, env, { text: show(w), word: w })),
    ...sources.files.map((w) =>
      w.value === "-"
        ? (fromStdin.call(this, name, inspect, env, io) ?? RO_STDIN)
        : fromFile.call(this, name, inspect, env, w),
    ),
  ];
  const stdin =
    sources.texts.length + sources.files.length === 0
      ? fromStdin.call(this, name, inspect, env, io)
      : undefined;
  if (stdin) verdicts.push(stdin);
  if (verdicts.length === 0) return v("unknown", `starts an interactive ${name}`);
  return worst(...verdicts, v("unknown", `${name} changes a database`));
}
const RO_STDIN = v("unknown", "reads statements from the terminal");

export function sqlClient(this: ClassifierApi, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const spec = T.own(SQL_CLIENTS, name) ?? SQL_CLIENTS.psql;
  const names = [...spec.sql, ...spec.files, ...spec.outputs, ...spec.values];
  // mysql's `-pSECRET` is a password, not a cluster of options.
  const words = spec === MYSQL ? args.filter((w) => !/^-p/.test(w.value ?? "")) : args;
  const { opts, operands } = spec.wordOptions ? wordOptions(words, names) : splitArgs(words, names);
  const texts = optValues(opts, ...spec.sql);
  if (spec.operandSql) texts.push(...operands.slice(1));
  const outputs = optValues(opts, ...spec.outputs).map((w) => this.write(w, env, "overwrite"));
  if (outputs.length > 0) this.allowRuleUnsafe(`${name} writes its output to a file`);
  const files = optValues(opts, ...spec.files);
  return worst(runAll.call(this, name, inspectSql, env, io, { texts, files }), ...outputs);
}

/** sqlite3-style options: `-cmd x`, `--cmd x`; never letter clusters. */
function wordOptions(args: ShellWord[], valueOptions: string[]): { opts: Opt[]; operands: ShellWord[] } {
  const opts: Opt[] = [];
  const operands: ShellWord[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i].value;
    if (a === undefined || a === "-" || !a.startsWith("-")) operands.push(args[i]);
    else if (a === "--") {
      operands.push(...args.slice(i + 1));
      break;
    } else {
      const name = a.replace(/^--/, "-");
      opts.push({ name, value: valueOptions.includes(name) ? args[++i] : undefined });
    }
  }
  return { opts, operands };
}

// ---- MongoDB -------------------------------------------------------------------------------------------------

const MONGO_DROPS =
  "dropDatabase|drop|dropIndex|dropIndexes|dropUser|dropAllUsers|dropRole|dropAllRoles|shutdownServer";
const MONGO_DROP = new RegExp(
  `(?:\\.\\s*(${MONGO_DROPS})\\s*\\(|\\[\\s*["'\`](${MONGO_DROPS})["'\`]\\s*\\])`,
  "g",
);
const MONGO_EVERY = /\.\s*(deleteMany|remove|updateMany|replaceMany)\s*\(\s*(\{\s*\})?\s*[,)]/g;
const MONGO_COMMAND =
  /(runCommand|adminCommand)\s*\(\s*\{\s*["']?(drop|dropDatabase|shutdown|dropAllUsersFromDatabase)\b/g;
const MONGO_BULK = /deleteMany["']?\s*:\s*\{\s*["']?filter["']?\s*:\s*\{\s*\}/;
const MONGO_LOAD = /\bload\s*\(\s*(["'`])([^"'`]+)\1\s*\)/g;

/** Inspects mongosh JavaScript: drops, deletes and updates of every document, `load()`ed files. */
export function inspectMongo(text: string): SqlFindings {
  const found: SqlFindings = { destructive: [], includes: [], shell: [], outputs: [], unknown: [] };
  for (const m of text.matchAll(MONGO_DROP)) found.destructive.push(`${m[1] ?? m[2]}()`);
  for (const m of text.matchAll(MONGO_EVERY)) found.destructive.push(`${m[1]}() of every document`);
  for (const m of text.matchAll(MONGO_COMMAND)) found.destructive.push(`${m[1]}({${m[2]}})`);
  if (MONGO_BULK.test(text)) found.destructive.push("a bulkWrite deleteMany of every document");
  for (const m of text.matchAll(MONGO_LOAD)) found.includes.push(m[2]);
  return found;
}

export function mongoShell(this: ClassifierApi, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const valueOptions = ["--eval", "-f", "--file", "--host", "--port", "-u", "--username", "-p", "--password"];
  const { opts, operands } = splitArgs(args, [...valueOptions, "--authenticationDatabase", "--apiVersion"]);
  const texts = optValues(opts, "--eval");
  const files = [
    ...optValues(opts, "-f", "--file"),
    ...operands.filter((w) => /\.(js|mongodb)$/.test(w.value ?? "")),
  ];
  return runAll.call(this, name, inspectMongo, env, io, { texts, files });
}

/** mongorestore and mongoimport: `--drop` drops each collection first. */
export function mongoRestore(this: ClassifierApi, name: string, args: ShellWord[]): Verdict {
  const { opts } = splitArgs(args);
  const mode = opts.find((o) => o.name === "--mode")?.value?.value;
  if (has(opts, "--drop") || mode === "delete")
    return v("destructive", `${name} --drop drops collections first`);
  return v("unknown", `${name} changes a database`);
}

// ---- Redis -----------------------------------------------------------------------------------------------------

const REDIS_DESTRUCTIVE: Record<string, string> = {
  flushall: "FLUSHALL deletes every key",
  flushdb: "FLUSHDB deletes every key of the database",
  shutdown: "SHUTDOWN stops the server",
  replicaof: "REPLICAOF replaces the data with another server's",
  slaveof: "SLAVEOF replaces the data with another server's",
  swapdb: "SWAPDB swaps whole databases",
  debug: "DEBUG can crash or reload the server",
  "config set": "CONFIG SET reconfigures the server (it can make it write files)",
  "module load": "MODULE LOAD runs native code in the server",
  "script flush": "SCRIPT FLUSH deletes every script",
  "function flush": "FUNCTION FLUSH deletes every function",
  "function delete": "FUNCTION DELETE deletes a library",
  "cluster reset": "CLUSTER RESET resets the node",
  "acl deluser": "ACL DELUSER deletes users",
};
const LUA_CALL = /redis\.p?call\s*\(\s*["'](\w+)["']\s*(?:,\s*["'](\w+)["'])?/gi;

/** One Redis command as words: destructive by name, or a DEL of keys from a pattern or known only later. */
function redisCommand(words: ShellWord[]): Verdict {
  const [command, sub] = words.map((w) => w.value?.toLowerCase());
  if (command === undefined) return v("unknown", "redis-cli runs a command known only at run time");
  const hit = T.own(REDIS_DESTRUCTIVE, `${command} ${sub}`) ?? T.own(REDIS_DESTRUCTIVE, command);
  if (hit) return v("destructive", `redis-cli ${hit}`);
  const keys = words.slice(1);
  if (
    (command === "del" || command === "unlink") &&
    keys.some((w) => w.value === undefined || /[*?[]/.test(w.value))
  ) {
    return v(
      "destructive",
      `redis-cli ${command.toUpperCase()} deletes keys matching a pattern or known only at run time`,
    );
  }
  if (/^(eval|eval_ro|script)$/.test(command) && words[1])
    return luaScript(show(words[command === "script" ? 2 : 1] ?? words[1]));
  return v("unknown", `redis-cli sends ${command.toUpperCase()} to a server`);
}

/** A Lua script run by the server: destructive when it flushes, deletes keys it finds, or reconfigures. */
function luaScript(text: string): Verdict {
  for (const m of text.matchAll(LUA_CALL)) {
    const command = m[1].toLowerCase();
    const hit =
      T.own(REDIS_DESTRUCTIVE, `${command} ${m[2]?.toLowerCase()}`) ?? T.own(REDIS_DESTRUCTIVE, command);
    if (hit) return v("destructive", `a redis script runs ${hit}`);
    if (command === "del" || command === "unlink")
      return v("destructive", `a redis script deletes keys it computes`);
  }
  return v("unknown", "redis-cli runs a script in the server");
}

/** Commands read from stdin or a file, one a line. */
function redisLines(text: string): Verdict {
  return worst(
    ...text
      .split("\n")
      .map((line) => line.trim().match(/"(?:[^"\\]|\\.)*"|'[^']*'|\S+/g) ?? [])
      .filter((words) => words.length > 0)
      .map((words) => redisCommand(words.map((w) => literal(w.replace(/^(["'])(.*)\1$/s, "$2"))))),
    v("unknown", "redis-cli sends commands to a server"),
  );
}

const REDIS_VALUES = [
  ...["-h", "-p", "-s", "-a", "-u", "-n", "-r", "-i", "-d", "-D", "--user", "--pass", "--eval", "--pattern"],
  ...["--count", "--rdb", "--functions-rdb", "--cacert", "--cacertdir", "--cert", "--key", "--sni"],
];

export function redisCli(this: ClassifierApi, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const { opts, operands } = splitArgs(args, REDIS_VALUES, true);
  const verdicts: Verdict[] = [];
  for (const file of optValues(opts, "--rdb", "--functions-rdb"))
    verdicts.push(this.write(file, env, "overwrite"));
  const script = optValues(opts, "--eval")[0];
  if (script) {
    const read = this.readText(script, env.cwd);
    verdicts.push(
      "text" in read
        ? luaScript(read.text)
        : v("unknown", `${name} runs ${show(script)}, which ${read.unreadable}`),
    );
  } else if (operands.length > 0) verdicts.push(redisCommand(operands));
  else if (has(opts, "--pipe"))
    verdicts.push(v("unknown", `${name} --pipe sends raw commands from its input`));
  else if (
    !has(
      opts,
      "--scan",
      "--bigkeys",
      "--memkeys",
      "--hotkeys",
      "--stat",
      "--latency",
      "--help",
      "-v",
      "--version",
    )
  ) {
    const lines = redisInput.call(this, name, io);
    verdicts.push(lines ?? v("unknown", `starts an interactive ${name}`));
  }
  return worst(...verdicts, v("unknown", `${name} talks to a server`));
}

function redisInput(this: ClassifierApi, name: string, io: Io): Verdict | undefined {
  if (io.input)
    return T.downloads(io.input)
      ? v("destructive", `${name} runs downloaded commands`)
      : redisLines(show(io.input));
  const stdin = io.stdin;
  if (!stdin) return undefined;
  if (stdin.kind === "download") return v("destructive", `${name} runs downloaded commands`);
  if (stdin.kind === "text") return redisLines(stdin.text);
  if (stdin.kind === "file") {
    const read = this.readText(stdin.word, stdin.cwd);
    return "text" in read
      ? redisLines(read.text)
      : v("unknown", `${name} runs ${show(stdin.word)}, which ${read.unreadable}`);
  }
  return v("unknown", `${name} runs commands from its input`);
}

// ---- administration tools -------------------------------------------------------------------------------------

export function pgRestore(this: ClassifierApi, name: string, args: ShellWord[]): Verdict {
  const { opts } = splitArgs(args, ["-d", "--dbname", "-f", "--file", "-h", "-p", "-U", "-n", "-t", "-j"]);
  if (has(opts, "-c", "--clean")) return v("destructive", `${name} --clean drops objects before restoring`);
  return v("unknown", `${name} changes a database`);
}

export function mysqlAdmin(this: ClassifierApi, name: string, args: ShellWord[]): Verdict {
  const command = args.find((w) => /^(drop|shutdown)$/i.test(w.value ?? ""))?.value?.toLowerCase();
  if (command === "drop") return v("destructive", `${name} drop drops a database`);
  if (command === "shutdown") return v("destructive", `${name} shutdown stops the server`);
  return v("unknown", `${name} administers a database server`);
}

/** Handlers by program name. */
export const DATABASE_HANDLERS = {
  ...Object.fromEntries(Object.keys(SQL_CLIENTS).map((n) => [n, sqlClient])),
  mongosh: mongoShell,
  mongo: mongoShell,
  mongorestore: mongoRestore,
  mongoimport: mongoRestore,
  "redis-cli": redisCli,
  "valkey-cli": redisCli,
  "keydb-cli": redisCli,
  pg_restore: pgRestore,
  mysqladmin: mysqlAdmin,
  mariadbadmin: mysqlAdmin,
};
