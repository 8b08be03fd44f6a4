/**
 * The classifier's handlers for programs that write, delete or change files: rm, find, cp/mv/ln/install,
 * touch/mkdir/tee/truncate, chmod/chown, setfacl/chattr, dd, sed/awk in place, output options of reading
 * programs (`sort -o`), downloads, rsync/scp and archivers. Each write names its kind (overwrite, append,
 * create, delete, change): outside the workspace an overwrite, delete or change is destructive, an append or a
 * new file needs a yes like the write tool's (ClassifierApi.write).
 */
import { posix } from "node:path";
import {
  type ClassifierApi,
  type Env,
  INPUT,
  NO_IO,
  quote,
  show,
  type Verdict,
  v,
  type WriteKind,
  worst,
} from "./classifier-kit.ts";
import * as T from "./command-tables.ts";
import { has, literal, optValues, type ShellWord, splitArgs } from "./shell-parse.ts";

export function rm(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args);
  if (has(opts, "--no-preserve-root")) return v("destructive", "rm --no-preserve-root");
  const recursive = name === "rm" && has(opts, "-r", "-R", "--recursive");
  if (operands.length === 0) return v("read-only", `${name} without operands`);
  return worst(...operands.map((w) => this.remove(w, env, recursive)));
}

export function find(this: ClassifierApi, _name: string, args: ShellWord[], env: Env): Verdict {
  const firstExpr = args.findIndex((w) => w.value === undefined || /^[-(!]/.test(w.value));
  const starts = firstExpr < 0 ? args : args.slice(0, firstExpr);
  if (starts.length === 0) starts.push(literal("."));
  // `{}` stands for a path below the start directory: `find node_modules -exec rm -rf {} +` stays there.
  const match =
    starts.length === 1 && starts[0].value !== undefined ? literal(`${starts[0].value}/{}`) : INPUT;
  const verdicts = [v("read-only", "find only lists files")];
  for (let i = Math.max(firstExpr, 0); i < args.length; i++) {
    const a = args[i].value ?? "";
    if (a === "-delete") {
      for (const s of starts) {
        const r = this.remove(literal(`${show(s)}/{}`), env, true, "find -delete");
        verdicts.push(
          r.class === "workspace" ? r : v(r.class, `find -delete deletes files under ${quote(s)}`),
        );
      }
    } else if (/^-(exec|execdir|ok|okdir)$/.test(a)) {
      this.allowRuleUnsafe(`find ${a} runs another program`);
      const end = args.findIndex((w, j) => j > i && (w.value === ";" || w.value === "+"));
      const inner = args.slice(i + 1, end < 0 ? undefined : end);
      const words = inner.map((w) => (w.value?.includes("{}") ? match : w));
      verdicts.push(this.argv(words, env, NO_IO, inner.map(show)));
      i = end < 0 ? args.length : end;
    } else if (/^-(fprint|fprint0|fls|fprintf)$/.test(a) && args[i + 1]) {
      this.allowRuleUnsafe(`find ${a} writes a file`);
      verdicts.push(this.write(args[i + 1], env, "overwrite"));
    }
  }
  return worst(...verdicts);
}

export function fd(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const i = args.findIndex((w) => ["-x", "--exec", "-X", "--exec-batch"].includes(w.value ?? ""));
  if (i < 0) return v("read-only", `${name} only lists files`);
  this.allowRuleUnsafe(`${name} --exec runs another program`);
  const inner = args.slice(i + 1);
  const words = inner.slice(0, inner.findIndex((w) => w.value === ";") >>> 0);
  return this.argv([...words, INPUT], env, NO_IO, words.map(show));
}

/** cp, mv, ln, install: the target is overwritten unless the options say it never is. */
export function copyLike(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.own(T.VALUE_OPTIONS, name) ?? []);
  const mode = optValues(opts, "-m", "--mode")[0];
  if (name === "install" && mode && setsId(mode)) {
    return v("destructive", `install -m ${show(mode)} sets the setuid or setgid bit`);
  }
  const keeps =
    has(opts, "-n", "--no-clobber") ||
    opts.some((o) => o.name === "--update" && o.value?.value === "none") ||
    (name === "ln" && !has(opts, "-f", "--force")) ||
    (name === "install" && has(opts, "-d", "--directory"));
  const kind: WriteKind = keeps ? "create" : "overwrite";
  const targetDir = optValues(opts, "-t", "--target-directory")[0];
  const writes: ShellWord[] = [];
  if (targetDir) writes.push(targetDir);
  else if (name === "ln" && operands.length === 1) writes.push(literal(posix.basename(show(operands[0]))));
  else if (operands.length > 0) writes.push(operands[operands.length - 1]);
  const verdicts: Verdict[] = [];
  if (name === "mv") {
    for (const src of targetDir ? operands : operands.slice(0, -1)) {
      const path = src.value === undefined ? undefined : this.resolve(src.value, env.cwd);
      if (path && this.inside(this.root, path)) return v("destructive", `mv moves the workspace itself`);
      verdicts.push(this.write(src, env, "delete", "mv moves away"));
    }
  }
  verdicts.push(...writes.map((w) => this.write(w, env, kind)));
  // A symlink out of the workspace lets any later write or delete through it reach outside: a yes first.
  if (name === "ln" && has(opts, "-s", "--symbolic")) {
    const linkDir =
      targetDir ??
      (operands.length > 1 ? literal(posix.dirname(show(operands[operands.length - 1]))) : undefined);
    for (const target of targetDir || operands.length === 1 ? operands : operands.slice(0, -1)) {
      const absolute =
        target.value === undefined || target.value.startsWith("/") || target.value.startsWith("~");
      const where = absolute || !linkDir ? target : literal(posix.join(show(linkDir), target.value ?? ""));
      verdicts.push(this.write(where, env, "create", "ln -s links to"));
    }
  }
  if (verdicts.length === 0) return v("read-only", `${name} without operands`);
  return worst(...verdicts);
}

/** touch, mkdir, mkfifo create; truncate overwrites; tee overwrites, or appends with -a. */
export function writesOperands(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.own(T.VALUE_OPTIONS, name) ?? []);
  if (operands.length === 0) return v("read-only", `${name} writes only to stdout`);
  const kind: WriteKind =
    name === "truncate" || (name === "tee" && !has(opts, "-a", "--append"))
      ? "overwrite"
      : name === "tee"
        ? "append"
        : "create";
  return worst(...operands.map((w) => this.write(w, env, kind)));
}

/** An octal or symbolic mode that sets the setuid or setgid bit (`4755`, `u+s`, `g=rxs`). */
function setsId(mode: ShellWord): boolean {
  const value = mode.value ?? "";
  if (/^[0-7]+$/.test(value)) return (Number.parseInt(value, 8) & 0o6000) !== 0;
  return value
    .split(",")
    .some((clause) =>
      clause
        .split(/(?=[-+=])/)
        .some((part) => /^[+=]/.test(part) && part.includes("s") && !/^[+=][ugo]$/.test(part)),
    );
}

export function chmodLike(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.own(T.VALUE_OPTIONS, name) ?? []);
  const recursive = has(opts, "-R", "--recursive");
  const reference = has(opts, "--reference");
  if (name === "chmod" && !reference && operands[0] && setsId(operands[0])) {
    return v("destructive", `chmod ${show(operands[0])} sets the setuid or setgid bit`);
  }
  return worst(
    ...(reference ? operands : operands.slice(1)).map((w) =>
      recursive && this.broad(w, env)
        ? v("destructive", `recursive ${name} of ${quote(w)}`)
        : this.write(w, env, "change", `${name} changes`),
    ),
  );
}

/** setfacl and chattr: recursive changes are destructive; others change each file named. */
export function aclLike(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.own(T.VALUE_OPTIONS, name) ?? []);
  if (has(opts, "-R", "--recursive")) return v("destructive", `${name} -R changes every file below`);
  if (has(opts, "--restore")) return v("destructive", `${name} --restore changes the files a backup names`);
  const files = name === "chattr" ? operands.filter((w) => !/^[+=]/.test(w.value ?? "")) : operands;
  if (files.length === 0) return v("read-only", `${name} without files`);
  return worst(...files.map((w) => this.write(w, env, "change", `${name} changes`)));
}

export function dd(this: ClassifierApi, _name: string, args: ShellWord[], env: Env): Verdict {
  const target = args.find((w) => w.value?.startsWith("of="));
  if (!target) return v("read-only", "dd writes to stdout");
  const verdict = this.write(literal(show(target).slice(3)), env, "overwrite");
  return verdict.class === "destructive" ? v("destructive", `dd ${verdict.reason}`) : verdict;
}

export function sed(this: ClassifierApi, _name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.sed);
  const scripts = optValues(opts, "-e", "--expression");
  const scriptFile = has(opts, "-f", "--file");
  const files = scripts.length > 0 || scriptFile ? operands : operands.slice(1);
  if (scripts.length === 0 && operands[0]) scripts.push(operands[0]);
  let verdict = v("read-only", "sed prints the edited text");
  if (scriptFile) verdict = v("unknown", "sed runs a script file");
  if (scripts.some((s) => s.value === undefined || T.sedRunsOrWrites(s.value))) {
    verdict = v("unknown", "the sed script writes files or runs commands");
  }
  if (!has(opts, "-i", "--in-place", "-I")) return verdict;
  return worst(
    verdict,
    v("workspace", "sed -i edits files"),
    ...files.map((f) => this.write(f, env, "overwrite", "sed -i edits")),
  );
}

export function awk(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.awk);
  if (has(opts, "-f", "--file")) return v("unknown", `${name} runs a program file`);
  const program = operands[0]?.value;
  if (program === undefined) return v("unknown", `${name} runs a program known only at run time`);
  if (/system|getline|\||print[f]?[^;{}]*>/.test(program)) {
    return v("unknown", `the ${name} program runs commands or writes files`);
  }
  if (!optValues(opts, "-i", "--include").some((w) => w.value === "inplace")) return v("read-only", "prints");
  return worst(
    v("workspace", `${name} -i inplace edits files`),
    ...operands.slice(1).map((f) => this.write(f, env, "overwrite")),
  );
}

/** Reading programs with an output-file option (`sort -o`, `tree -o`, `uniq in out`). */
export function outputOptions(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const names = T.own(T.OUTPUT_OPTIONS, name) ?? [];
  const { opts, operands } = splitArgs(args, names);
  if (name === "rg" && has(opts, "--pre")) {
    this.allowRuleUnsafe("rg --pre runs a command on every file");
    return v("unknown", "rg --pre runs a command on every file");
  }
  const targets = optValues(opts, ...names);
  if (name === "uniq" && operands.length > 1) targets.push(operands[1]);
  if (targets.length > 0) this.allowRuleUnsafe(`${name} writes its output to a file`);
  return worst(v("read-only", `${name} only reads`), ...targets.map((w) => this.write(w, env, "overwrite")));
}

export function download(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const outputs = T.own(T.OUTPUT_OPTIONS, name) ?? [];
  const dirs = name === "wget" ? ["-P", "--directory-prefix"] : [];
  const { opts } = splitArgs(args, [...outputs, ...dirs, ...T.DOWNLOAD_VALUES]);
  const targets = optValues(opts, ...outputs).filter((w) => w.value !== "-");
  for (const target of targets) this.saveDownload(target, env);
  return worst(
    v("network", `${name} downloads from the network`),
    ...targets.map((w) => this.write(w, env, "overwrite")),
    ...optValues(opts, ...dirs).map((w) => this.write(w, env, "create", `${name} saves into`)),
  );
}

export function remoteCopy(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const { opts, operands } = splitArgs(args, T.VALUE_OPTIONS.rsync);
  if (operands.length < 2) return v("unknown", `${name} with one operand`);
  const remote = (w: ShellWord) => w.value === undefined || /^[^/]*:/.test(w.value);
  const dest = operands[operands.length - 1];
  const deletes = name === "rsync" && opts.some((o) => /^--(delete|remove-source-files)/.test(o.name));
  const net = operands.some(remote)
    ? v("network", `${name} copies over the network`)
    : v("read-only", "copies");
  if (remote(dest)) return net;
  const write = deletes ? this.remove(dest, env, true, "rsync --delete") : this.write(dest, env, "overwrite");
  return worst(net, write);
}

export function archive(this: ClassifierApi, name: string, args: ShellWord[], env: Env): Verdict {
  const bundled = name === "tar" && args[0]?.value && !args[0].value.startsWith("-");
  const { opts, operands } = splitArgs(bundled ? [literal(`-${args[0].value}`), ...args.slice(1)] : args, [
    ...(T.own(T.VALUE_OPTIONS, name) ?? []),
  ]);
  const into = (dir: ShellWord | undefined, kind: WriteKind = "overwrite") =>
    this.write(dir ?? literal("."), env, kind, `${name} extracts into`);
  if (has(opts, ...(T.own(T.ARCHIVE_READS, name) ?? []))) return v("read-only", `${name} only reads`);
  if (name === "tar") {
    if (has(opts, "-x", "--extract", "--get")) {
      return into(
        optValues(opts, "-C", "--directory")[0],
        has(opts, "-k", "--keep-old-files") ? "create" : "overwrite",
      );
    }
    const file = optValues(opts, "-f", "--file")[0];
    return file && file.value !== "-"
      ? this.write(file, env, "overwrite")
      : v("read-only", "tar writes to stdout");
  }
  if (name === "unzip") return into(optValues(opts, "-d")[0], has(opts, "-n") ? "create" : "overwrite");
  if (name === "zip")
    return operands[0] ? this.write(operands[0], env, "overwrite") : v("read-only", "zip writes to stdout");
  if (operands.length === 0) return v("read-only", `${name} writes to stdout`);
  return worst(...operands.map((w) => this.write(w, env, "overwrite", `${name} replaces`)));
}
