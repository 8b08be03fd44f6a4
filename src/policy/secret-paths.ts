/**
 * Where secrets live, so that neither the file tools nor (through the sandbox or the permission engine) commands
 * hand them to the model. Two kinds:
 * - secret stores (`~/.ssh`, `~/.aws`, cloud CLI configs, ...): refused to the file tools outright, even when the
 *   workspace or an --add-dir covers them, and hidden from commands;
 * - read-protected files (`.env`, `.env.*`, hearth's own config directory with its key file and settings): a read
 *   asks in every mode; an allow rule that names the file (`read(/.env)`) is the user's standing yes.
 * Pure: no fs, no env. Paths must be absolute and real (symlinks resolved).
 */
import { join, relative, sep } from "node:path";
import { isInside } from "./workspace.ts";

/** Secret stores below the home directory (posix, relative to home), with what to call them. */
export const SECRET_STORES: ReadonlyArray<readonly [path: string, what: string]> = [
  [".ssh", "ssh keys"],
  [".gnupg", "GnuPG keys"],
  [".aws", "AWS credentials"],
  [".azure", "Azure CLI credentials"],
  [".config/gcloud", "Google Cloud credentials"],
  [".kube", "Kubernetes credentials"],
  [".docker", "Docker registry credentials"],
  [".netrc", "netrc passwords"],
  [".git-credentials", "git credentials"],
  [".config/gh", "GitHub CLI tokens"],
  [".config/hub", "hub tokens"],
  [".oci", "Oracle Cloud credentials"],
  [".config/doctl", "DigitalOcean tokens"],
  [".terraform.d", "Terraform credentials"],
  [".vault-token", "a Vault token"],
  [".password-store", "pass passwords"],
  [".local/share/keyrings", "desktop keyrings"],
  [".npmrc", "npm tokens"],
  [".pypirc", "PyPI tokens"],
  [".cargo/credentials", "crates.io tokens"],
  [".cargo/credentials.toml", "crates.io tokens"],
  [".gem/credentials", "RubyGems tokens"],
];

/** Example files meant to be committed: `.env.example`, `.env.sample`, `.env.template`, `.env.dist`. */
const ENV_EXAMPLES = new Set(["example", "sample", "template", "dist"]);

export type SecretPathContext = {
  /** Real absolute path of the home directory. */
  home: string;
  /** hearth's user config directory (key file, settings, trusted folders); default `~/.config/hearth`. */
  configDir?: string;
};

/** The absolute paths of every secret store for this home (for the sandbox to hide). */
export function secretStorePaths(home: string): string[] {
  return SECRET_STORES.map(([path]) => join(home, ...path.split("/")));
}

/** What secret store `realPath` is in ("ssh keys (~/.ssh/id_rsa)"), or null. */
export function secretStoreReason(realPath: string, home: string): string | null {
  if (realPath === home || !isInside(realPath, home)) return null;
  const posix = relative(home, realPath).split(sep).join("/");
  for (const [path, what] of SECRET_STORES) {
    if (posix === path || posix.startsWith(`${path}/`)) return `${what} (~/${posix})`;
  }
  return null;
}

/** Is this file name a dotenv file that may hold secrets (`.env`, `.env.local`; not `.env.example`)? */
export function isEnvFileName(name: string): boolean {
  if (name === ".env") return true;
  if (!name.startsWith(".env.")) return false;
  return !ENV_EXAMPLES.has(name.slice(".env.".length).toLowerCase());
}

/** Why reading `realPath` asks first ("a .env file, which may hold secrets (.env)"), or null. */
export function readProtectedReason(realPath: string, context: SecretPathContext): string | null {
  const configDir = context.configDir ?? join(context.home, ".config", "hearth");
  if (isInside(realPath, configDir)) return `hearth's own keys and settings (${realPath})`;
  const name = realPath.slice(realPath.lastIndexOf(sep) + 1);
  if (isEnvFileName(name)) return `a ${name} file, which may hold secrets (${realPath})`;
  return null;
}
