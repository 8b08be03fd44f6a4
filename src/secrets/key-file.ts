/**
 * The file hearth keeps API keys in when no OS keychain works: `$XDG_CONFIG_HOME/hearth/keys.json`,
 * `{ "keys": { "<provider>": "<key>" } }`, mode 0600 in a 0700 directory, written atomically (temp file +
 * rename) so a crash never leaves half a file. A file that group or others may access is refused, never read:
 * its keys may already have been seen, and reading it quietly would hide that. Problems are values, never
 * thrown.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import * as z from "zod/mini";

export type KeyFileContents = {
  /** Provider name to key, in file order. A null-prototype object, so any provider name is a plain key. */
  keys: Record<string, string>;
  /** Why the file could not be used (then `keys` is empty); absent when it was fine or missing. */
  problem?: string;
};

const FileSchema = z.object({ keys: z.record(z.string(), z.string()) });

/**
 * `$XDG_CONFIG_HOME/hearth/keys.json` (or `~/.config/hearth/keys.json`). The same rule as store/paths.ts,
 * repeated here because the secrets layer does not import the store.
 */
export function keyFilePath(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  const base = xdg?.startsWith("/") ? xdg : join(home, ".config");
  return join(base, "hearth", "keys.json");
}

/** Modes the file must not have: any access for group or others. */
const LOOSE_MODE = 0o077;

/**
 * How the file's mode reads for a person: "mode 0600", or "mode 0644: other users can read it; run `chmod 600 …`"
 * when group or others have access. A missing file is described by the mode it will be created with.
 */
export function describeKeyFileMode(file: string): string {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return "mode 0600";
  }
  const shown = `mode 0${mode.toString(8).padStart(3, "0")}`;
  if (process.platform === "win32" || (mode & LOOSE_MODE) === 0) return shown;
  return `${shown}: other users can access it; run \`chmod 600 ${file}\``;
}

/** Read the keys. A missing file has none; an unsafe, unreadable or malformed one is a `problem`. */
export function readKeyFile(file: string): KeyFileContents {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    // Check the mode of the file actually opened, so a swap between check and read cannot slip through.
    const stat = fstatSync(fd);
    if (!stat.isFile())
      return empty(`${file}: not a regular file; remove it and run \`hearth keys set\` again`);
    if (process.platform !== "win32" && (stat.mode & LOOSE_MODE) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(3, "0");
      return empty(
        `${file}: refusing to read keys from a file other users can access (mode ${mode}); run \`chmod 600 ${file}\` (and consider rotating the keys in it)`,
      );
    }
    text = readFileSync(fd, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { keys: Object.create(null) };
    return empty(`${file}: cannot read: ${code ?? (error as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return empty(`${file}: invalid JSON; fix it, or delete it and run \`hearth keys set <provider>\` again`);
  }
  const parsed = z.safeParse(FileSchema, json);
  if (!parsed.success) {
    return empty(
      `${file}: expected {"keys": {"<provider>": "<key>"}}; fix it, or delete it and run \`hearth keys set <provider>\` again`,
    );
  }
  const keys: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(parsed.data.keys)) keys[name] = value;
  return { keys };
}

/**
 * Write the keys atomically with mode 0600 (the directory is created 0700). Deletes the file when no keys are
 * left. Returns a problem message instead of throwing.
 */
export function writeKeyFile(file: string, keys: Record<string, string>): string | null {
  if (Object.keys(keys).length === 0) {
    try {
      rmSync(file, { force: true });
      return null;
    } catch (error) {
      return `${file}: cannot remove: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    }
  }
  const temp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // "wx": never write through a file (or link) someone else put at the temp name.
    writeFileSync(temp, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    renameSync(temp, file);
    return null;
  } catch (error) {
    rmSync(temp, { force: true });
    return `${file}: cannot write: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}

function empty(problem: string): KeyFileContents {
  return { keys: Object.create(null), problem };
}
