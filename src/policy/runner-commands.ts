/**
 * The classifier's handlers for programs that run other programs or code: shells (`bash -c`), `eval`,
 * `source`, wrappers (`nice`, `timeout`, `sudo`, `env`, `xargs`), interpreters (`python -c`, `node -e`) and
 * `cd`. A download run by any of them (`python3 -c "$(curl ...)"`, `curl ... | xargs sh -c`) is destructive,
 * like a pipe into a shell.
 */
import {
  type ClassifierApi,
  type Env,
  INPUT,
  type Io,
  NO_IO,
  show,
  type Verdict,
  v,
  worst,
} from "./classifier-kit.ts";
import * as T from "./command-tables.ts";
import { has, optValues, type ShellWord, splitArgs } from "./shell-parse.ts";

export function shell(this: ClassifierApi, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  let commandMode = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].value;
    if (a === undefined || a === "-" || !/^[-+]/.test(a)) {
      if (commandMode) return this.code(name, args[i], env);
      if (a === "-") return this.stdinCode(name, env, io);
      if (this.fetched(args[i], env)) return v("destructive", `runs a download in ${name}`);
      return (
        this.substitutedScript(name, args[i], env) ?? v("unknown", `${name} runs a script: ${show(args[i])}`)
      );
    }
    if (/^[-+][oO]$/.test(a) || a === "--rcfile" || a === "--init-file") i++;
    else if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a)) commandMode = true;
  }
  if (commandMode) return v("unknown", `${name} -c without a command`);
  return this.stdinCode(name, env, io);
}

export function evalCommand(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  return this.evalWords(name, args, env);
}

export function sourceCommand(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  if (args[0] && this.fetched(args[0], env)) return v("destructive", `runs a download with ${name}`);
  const substituted = args[0] && this.substitutedScript(name, args[0], env);
  if (substituted) return substituted;
  return v("unknown", `${name} runs the script ${args[0] ? show(args[0]) : "from its input"}`);
}

export function wrapper(this: ClassifierApi, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const spec = T.own(T.WRAPPERS, name) ?? { valueOptions: [] };
  const { opts, operands } = splitArgs(args, spec.valueOptions, true);
  if (name === "command" && has(opts, "-v", "-V")) return v("read-only", "command -v looks a command up");
  const inner = operands.slice(spec.leadingOperands ?? 0);
  return inner.length === 0 ? v("read-only", `${name} with nothing to run`) : this.argv(inner, env, io);
}

export function sudo(this: ClassifierApi, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.sudo, true);
  if (has(opts, "-e", "--edit") || name === "sudoedit") return v("destructive", `${name} edits as root`);
  if (operands.length === 0) {
    if (has(opts, "-i", "-s", "--login", "--shell")) return v("destructive", `${name} opens a root shell`);
    return v("unknown", `${name} changes cached credentials`);
  }
  const inner = this.argv(operands, env, io);
  if (inner.class === "read-only") return v("unknown", `${name} runs ${show(operands[0])} as root`);
  if (inner.class === "destructive") return inner;
  return v("destructive", `${name} runs ${show(operands[0])} as root (${inner.reason})`);
}

export function envCommand(this: ClassifierApi, _name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.env, true);
  const verdicts: Verdict[] = [];
  const inner: Env = { cwd: env.cwd };
  for (const dir of optValues(opts, "-C", "--chdir"))
    inner.cwd = dir.value && this.resolve(dir.value, env.cwd);
  let i = 0;
  for (; /^[A-Za-z_]\w*=/.test(operands[i]?.value ?? ""); i++) {
    const [name, ...rest] = show(operands[i]).split("=");
    this.noteVariable(name);
    const code = T.CODE_ENV.test(name) ? rest.join("=") : undefined;
    if (T.riskyEnv(name)) {
      this.allowRuleUnsafe(`setting ${name} changes what runs`);
      verdicts.push(this.injected(`setting ${name} changes what runs`, code, env));
    }
  }
  const split = optValues(opts, "-S", "--split-string");
  if (split.length > 0) {
    const text = [...split, ...operands.slice(i)];
    if (text.some((w) => w.value === undefined)) return v("unknown", "env -S with a dynamic string");
    return worst(...verdicts, this.source(text.map(show).join(" "), inner, "the env -S string", io.stdin));
  }
  if (i >= operands.length) return worst(...verdicts, v("read-only", "env prints the environment"));
  return worst(...verdicts, this.argv(operands.slice(i), inner, io));
}

/** Programs that run their first argument, or their input, as code. */
const RUNS_CODE = (name: string) =>
  T.SHELLS.has(name) || T.INTERPRETERS.has(name) || name === "eval" || name === "source" || name === ".";

export function xargs(this: ClassifierApi, _name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.xargs, true);
  const marker = optValues(opts, "-I")[0]?.value ?? (has(opts, "-i") ? "{}" : undefined);
  if (operands.length === 0) return v("read-only", "xargs runs echo");
  const words =
    marker === undefined
      ? [...operands, INPUT]
      : operands.map((w) => (w.value?.includes(marker) ? INPUT : w));
  const verdict = this.argv(words, env, NO_IO, operands.map(show));
  const program = operands[0].value?.replace(/^.*\//, "") ?? "";
  if (io.stdin?.kind === "download" && RUNS_CODE(program.replace(/[\d.]+$/, ""))) {
    return worst(verdict, v("destructive", `runs a download with xargs ${program}`));
  }
  return verdict;
}

export function cd(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const target = splitArgs(args).operands[0];
  if (name === "popd" || target?.value === "-") env.cwd = undefined;
  else if (!target) env.cwd = name === "cd" ? this.home : env.cwd;
  else env.cwd = target.value === undefined ? undefined : this.resolve(target.value, env.cwd);
  return v("read-only", `${name} changes directory`);
}

/** Options whose value is code, by interpreter. */
const INLINE_CODE: Record<string, string[]> = {
  python: ["-c"],
  node: ["-e", "--eval", "-p", "--print"],
  nodejs: ["-e", "--eval", "-p", "--print"],
  perl: ["-e", "-E"],
  ruby: ["-e"],
  php: ["-r"],
  lua: ["-e"],
  Rscript: ["-e"],
  osascript: ["-e"],
};

export function interpreter(this: ClassifierApi, name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const base = name.replace(/[\d.]+$/, "");
  const m = base === "python" ? args.findIndex((w) => w.value === "-m") : -1;
  if (m >= 0 && args[m + 1]) return pythonModule.call(this, show(args[m + 1]), args.slice(m + 2), env);
  const inline = T.own(INLINE_CODE, base) ?? [];
  const { opts, operands } = splitArgs(args, [...(T.own(T.VALUE_OPTIONS, base) ?? []), ...inline], true);
  if (has(opts, "-V", "--version") || (has(opts, "-v") && base !== "python"))
    return v("read-only", `${name} --version`);
  if (base === "node" && has(opts, "--test")) return v("workspace", "node --test runs the tests");
  if (base === "node" && has(opts, "--check")) return v("read-only", "node --check only parses");
  const code = optValues(opts, ...inline);
  if (code.some(T.downloads)) return v("destructive", `runs a download in ${name}`);
  if (code.length > 0 || has(opts, ...inline, "-r")) return v("unknown", `${name} runs inline code`);
  if (operands.length === 0 || operands[0].value === "-") return this.stdinCode(name, env, io);
  if (this.fetched(operands[0], env)) return v("destructive", `runs a download in ${name}`);
  return v("unknown", `${name} runs a script: ${show(operands[0])}`);
}

export function perl(this: ClassifierApi, _name: string, args: ShellWord[], env: Env, io: Io): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.perl);
  if (has(opts, "-v", "-V")) return v("read-only", "perl -v");
  if (!has(opts, "-e", "-E")) return interpreter.call(this, "perl", args, env, io);
  if (optValues(opts, "-e", "-E").some(T.downloads)) return v("destructive", "runs a download in perl");
  if (!has(opts, "-i")) return v("unknown", "perl runs inline code");
  return worst(
    v("workspace", "perl -i edits files"),
    ...operands.map((f) => this.write(f, env, "overwrite")),
  );
}

function pythonModule(this: ClassifierApi, mod: string, args: ShellWord[], env: Env): Verdict {
  if (T.PYTHON_TOOLS.has(mod)) return v("workspace", `python -m ${mod} builds or checks the project`);
  if (mod === "pip") return T.subcommandRule("pip", args);
  if (mod === "venv" || mod === "virtualenv") {
    const { opts, operands } = splitArgs(args, ["--prompt"]);
    const kind = has(opts, "--clear") ? "overwrite" : "create";
    const targets = operands.map((w) => this.write(w, env, kind));
    return worst(v("workspace", `python -m ${mod} creates an environment`), ...targets);
  }
  if (mod === "json.tool" || mod === "platform") return v("read-only", `python -m ${mod} only reads`);
  return v("unknown", `python -m ${mod} is not a known module`);
}

export function trap(this: ClassifierApi, _name: string, args: ShellWord[], env: Env): Verdict {
  if (args.length < 2 || /^-[lp]$/.test(args[0].value ?? "")) return v("read-only", "trap lists handlers");
  return this.evalWords("trap", [args[0]], env);
}

export function watch(this: ClassifierApi, _name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, ["-n", "--interval"], true);
  if (has(opts, "-x", "--exec")) return this.argv(operands, env, NO_IO);
  return this.evalWords("watch", operands, env);
}

/** Builtins that set shell state (export, alias, ...): one that changes what later commands run is unsafe. */
export function shellState(this: ClassifierApi, name: string, args: ShellWord[]): Verdict {
  for (const w of args) this.noteVariable((w.value ?? w.raw).split("=")[0]);
  const verdict = T.shellStateRule(name, args);
  if (verdict.class !== "read-only") this.allowRuleUnsafe(verdict.reason);
  return verdict;
}
